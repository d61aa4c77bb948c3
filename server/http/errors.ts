// Every refusal is an HttpError: a status, a stable machine-readable code and a human reason.
// The response body is always {"error": code, "message": reason} so kiosks can show or log it.

export class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        readonly headers: Record<string, string> = {}
    ) {
        super(message)
        this.name = "HttpError"
    }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message)

/** A malformed request body: 400 invalid_request naming the field ("keys[2].keyData: ..."). */
export const invalid = (field: string, what: string) => badRequest("invalid_request", `${field}: ${what}`)

/** A JSON object ({...}), not null and not an array. */
export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
