// Every way a kiosk operation can fail, as one error type. `code` picks the person-facing message
// (kiosk/i18n) and the exit code; `message` is the precise technical reason, naming what was wrong,
// for --json output and for the staff.

export type KioskErrorCode =
    // the command line or configuration
    | "usage"
    // a value the person typed (kiosk/fields.ts)
    | "invalid-field"
    | "config"
    | "no-public-key"
    // the token
    | "token-not-found"
    | "token-lost"
    | "token-stopped"
    | "token-not-fresh"
    | "button-not-pressed"
    | "no-keys-on-token"
    | "erase-incomplete"
    // the notification server
    | "server-unreachable"
    | "server-error"
    | "verification-unavailable"
    | "processing-number-rejected"
    | "bad-request"
    | "unauthorized"
    | "region-not-served"
    | "rate-limited"
    | "no-eligible-keys"
    | "end-of-service"
    | "download-refused"
    | "survey-not-sent"
    | "kiosk-clock-wrong"

/** Exit codes of `npm run kiosk` (documented in kiosk/README.md). */
export const EXIT_CODES = {
    ok: 0,
    internal: 1,
    usage: 2,
    token: 3,
    network: 4,
    refused: 5,
    verification: 6,
} as const

const EXIT_BY_CODE: Record<KioskErrorCode, number> = {
    usage: EXIT_CODES.usage,
    "invalid-field": EXIT_CODES.usage,
    config: EXIT_CODES.usage,
    "kiosk-clock-wrong": EXIT_CODES.usage,
    "no-public-key": EXIT_CODES.usage,
    "token-not-found": EXIT_CODES.token,
    "token-lost": EXIT_CODES.token,
    "token-stopped": EXIT_CODES.token,
    "token-not-fresh": EXIT_CODES.token,
    "button-not-pressed": EXIT_CODES.token,
    "no-keys-on-token": EXIT_CODES.token,
    "erase-incomplete": EXIT_CODES.token,
    "server-unreachable": EXIT_CODES.network,
    "server-error": EXIT_CODES.network,
    "verification-unavailable": EXIT_CODES.network,
    "survey-not-sent": EXIT_CODES.network,
    "processing-number-rejected": EXIT_CODES.refused,
    "bad-request": EXIT_CODES.refused,
    unauthorized: EXIT_CODES.refused,
    "region-not-served": EXIT_CODES.refused,
    "rate-limited": EXIT_CODES.refused,
    "no-eligible-keys": EXIT_CODES.refused,
    "end-of-service": EXIT_CODES.refused,
    "download-refused": EXIT_CODES.verification,
}

export class KioskError extends Error {
    constructor(
        readonly code: KioskErrorCode,
        message: string,
        /** Values the person-facing message may show (a date, a file name, seconds). */
        readonly params: Record<string, string | number> = {}
    ) {
        super(message)
        this.name = "KioskError"
    }

    get exitCode(): number {
        return EXIT_BY_CODE[this.code]
    }
}

/** True for failures worth retrying with the same request: the server or the network, not the request. */
export function isTransient(e: unknown): boolean {
    return e instanceof KioskError && (e.code === "server-unreachable" || e.code === "server-error" || e.code === "verification-unavailable")
}
