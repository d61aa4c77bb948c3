// The HER-SYS verifier: a server-to-server POST, as COCOA's server made (CustomVerificationService):
//   POST {url}  body {"<parameterName>": "<processing number>"}  header Ocp-Apim-Subscription-Key if set
//   answer 2xx {"result": "<code>"}; the code maps to accepted / rejected via `results`.
// A non-2xx answer, a timeout, an unreachable host or an unmapped code is "unavailable" (HTTP 503),
// exactly as COCOA mapped them, so keys are never stored on a guess.

import type { ProcessingNumberVerifier, VerificationOutcome } from "./verifier.js"

export interface HersysConfig {
    url: string
    /** JSON field carrying the number (COCOA made it configurable). */
    parameterName: string
    /** Sent as Ocp-Apim-Subscription-Key (COCOA's API-management header) when set. */
    apiSecret?: string
    /** Result code -> outcome. */
    results: Record<string, "accepted" | "rejected">
    timeoutMs: number
}

export const DEFAULT_HERSYS_RESULTS: HersysConfig["results"] = {
    valid: "accepted",
    invalid: "rejected",
    used: "rejected",
    expired: "rejected",
}

export class HersysVerifier implements ProcessingNumberVerifier {
    constructor(private readonly config: HersysConfig) {}

    async verify(processingNumber: string): Promise<VerificationOutcome> {
        let response: Response
        try {
            response = await fetch(this.config.url, {
                method: "POST",
                headers: {
                    "content-type": "application/json",
                    accept: "application/json",
                    ...(this.config.apiSecret ? { "ocp-apim-subscription-key": this.config.apiSecret } : {}),
                },
                body: JSON.stringify({ [this.config.parameterName]: processingNumber }),
                signal: AbortSignal.timeout(this.config.timeoutMs),
            })
        } catch (err) {
            return { status: "unavailable", reason: `HER-SYS unreachable (${(err as Error).name})` }
        }
        if (!response.ok) {
            await response.body?.cancel()
            return { status: "unavailable", reason: `HER-SYS answered HTTP ${response.status}` }
        }
        let result: unknown
        try {
            result = ((await response.json()) as { result?: unknown })?.result
        } catch {
            return { status: "unavailable", reason: "HER-SYS answered something other than JSON" }
        }
        const outcome = typeof result === "string" && Object.hasOwn(this.config.results, result) ? this.config.results[result] : undefined
        if (outcome === "accepted") return { status: "accepted" }
        if (outcome === "rejected") return { status: "rejected", reason: `HER-SYS: ${result}` }
        return { status: "unavailable", reason: "HER-SYS answered an unknown result code" }
    }
}
