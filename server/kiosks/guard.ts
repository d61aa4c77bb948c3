// The gate in front of every kiosk endpoint: a valid, unrevoked API key (else 401; COCOA used 403
// for "region not served", so authentication failures get their own code) and the kiosk's rate limit (429).
import type { IncomingMessage } from "node:http"
import { HttpError } from "../http/errors.js"
import type { Storage, Kiosk } from "../storage/storage.js"
import { apiKeyFromHeaders, authenticateKiosk } from "./api-keys.js"
import type { RateLimiter } from "./rate-limit.js"

export type KioskGuard = (req: IncomingMessage) => Promise<Kiosk>

export function kioskGuard(storage: Storage, limiter: RateLimiter): KioskGuard {
    return async req => {
        const apiKey = apiKeyFromHeaders(req.headers)
        const kiosk = await authenticateKiosk(storage, apiKey)
        if (!kiosk) {
            throw new HttpError(
                401,
                "unauthorized",
                apiKey ? "the API key is not valid or was revoked" : "missing API key (Authorization: Bearer <key> or x-api-key)",
                { "www-authenticate": "Bearer" }
            )
        }
        const wait = limiter.take(kiosk.id)
        if (wait > 0) throw new HttpError(429, "rate_limited", `too many requests from this kiosk; retry in ${wait} s`, { "retry-after": String(wait) })
        return kiosk
    }
}
