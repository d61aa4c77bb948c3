// Kiosk API keys: 32 random bytes, shown once when issued; the server keeps only their SHA-256.
// A fast hash is enough here (unlike passwords) because the key itself has 256 bits of entropy.
import { createHash, randomBytes } from "node:crypto"
import type { Storage, Kiosk } from "../storage/storage.js"
import { API_KEY_HEADER } from "../../lib/cocoa/protocol.js"

const KEY_PREFIX = "gk_"

export function hashApiKey(apiKey: string): Buffer {
    return createHash("sha256").update(apiKey, "utf8").digest()
}

/** Issues a new kiosk and returns its API key (the only time the key exists in clear). */
export async function addKiosk(storage: Storage, name: string, now: number): Promise<{ kiosk: Kiosk; apiKey: string }> {
    if (!/^[\p{L}\p{N}._ -]{1,64}$/u.test(name)) throw new Error("kiosk name: 1-64 letters, digits, spaces, dots, dashes or underscores")
    const apiKey = KEY_PREFIX + randomBytes(32).toString("base64url")
    const kiosk = await storage.addKiosk(name, hashApiKey(apiKey), now)
    return { kiosk, apiKey }
}

/**
 * The API key from a request: `Authorization: Bearer <key>`, or `x-api-key: <key>` (the header
 * COCOA's app sent its API key in).
 */
export function apiKeyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
    const auth = headers["authorization"]
    if (typeof auth === "string") {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
        if (m) return m[1]
    }
    const x = headers[API_KEY_HEADER]
    return typeof x === "string" && x !== "" ? x : undefined
}

export async function authenticateKiosk(storage: Storage, apiKey: string | undefined): Promise<Kiosk | undefined> {
    if (!apiKey || apiKey.length > 200) return undefined
    return storage.findKioskByApiKeyHash(hashApiKey(apiKey))
}
