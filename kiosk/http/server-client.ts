// HTTP to the notification server (server/README.md): one place that turns network failures and
// error answers into KioskErrors, and retries what is worth retrying with bounded backoff.
import { KioskError, isTransient } from "../errors.js"
import { PATHS } from "../../lib/cocoa/protocol.js"
import { isLoopbackHost } from "../../lib/net/loopback.js"

/** How the kiosk names itself in the bodies it sends (COCOA's `platform` and `appPackageName` fields). */
export const KIOSK_PLATFORM = "kiosk"
export const KIOSK_APP_PACKAGE = "gaen-token-kiosk"

export interface HttpAnswer {
    status: number
    /** The body as it came (an export zip is binary), and decoded as UTF-8. */
    body: Uint8Array
    text: string
    headers: Headers
    /** The JSON body, when it is JSON. */
    json?: any
}

/** Answers larger than this are refused while they arrive (list.json, JSON answers). */
export const MAX_ANSWER_BYTES = 1024 * 1024
/** Export zips: a full file of 250,000 keys is ~5 MB compressed. */
export const MAX_EXPORT_ZIP_BYTES = 16 * 1024 * 1024

/**
 * A URL the kiosk may talk to: https://, or http:// on loopback only. Keys, processing numbers and
 * export files must not cross a network in clear, where anyone on the way could read or replace them.
 */
export function checkServerUrl(text: string, what: string): URL {
    let url: URL
    try {
        url = new URL(text)
    } catch {
        throw new KioskError("usage", `${what} ${text}: not a URL`)
    }
    // Plain http:// only to this machine (a server on the kiosk machine, tests).
    if (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname))) return url
    if (url.protocol === "http:") throw new KioskError("usage", `${what} ${text}: http:// is only allowed for this machine (localhost); use https://`)
    throw new KioskError("usage", `${what} ${text}: only https:// (or http:// on localhost) is supported`)
}

/** Checks and normalises `--server`: an https URL (http only on loopback), no trailing slash. */
export function serverBaseUrl(text: string | undefined): string {
    if (!text) throw new KioskError("usage", "--server is missing: give the notification server's URL, e.g. https://example.org")
    return checkServerUrl(text, "--server").toString().replace(/\/+$/, "")
}

/** Reads a body, refusing it as soon as it passes `maxBytes` (Content-Length first, then while streaming). */
async function readCapped(res: Response, url: string, maxBytes: number): Promise<Uint8Array> {
    const tooLarge = (n: number | string) => new KioskError("download-refused", `${url}: the answer is larger than ${maxBytes} bytes (${n}); refused`, { url })
    const declared = Number(res.headers.get("content-length"))
    if (declared > maxBytes) {
        await res.body?.cancel()
        throw tooLarge(declared)
    }
    const chunks: Uint8Array[] = []
    let total = 0
    if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            total += chunk.length
            if (total > maxBytes) {
                await res.body.cancel().catch(() => undefined)
                throw tooLarge(`at least ${total}`)
            }
            chunks.push(chunk)
        }
    }
    return Buffer.concat(chunks)
}

export async function httpRequest(url: string, init: RequestInit = {}, timeoutMs = 20_000, maxBytes = MAX_ANSWER_BYTES): Promise<HttpAnswer> {
    let res: Response
    let body: Uint8Array
    try {
        res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
        body = await readCapped(res, url, maxBytes)
    } catch (e) {
        if (e instanceof KioskError) throw e
        const cause = (e as { cause?: { code?: string; message?: string } }).cause
        const why = cause?.code ?? cause?.message ?? (e as Error).message
        throw new KioskError("server-unreachable", `${init.method ?? "GET"} ${url}: no answer (${why})`)
    }
    // TextDecoder drops a leading BOM, as Response.text() does.
    const text = new TextDecoder().decode(body)
    let json: unknown
    try {
        json = text ? JSON.parse(text) : undefined
    } catch {
        /* not JSON */
    }
    return { status: res.status, body, text, headers: res.headers, json }
}

/**
 * PUTs a prepared JSON body with the kiosk's API key, retrying transient failures; every attempt
 * sends the same bytes. An answer other than `okStatus` becomes the KioskError for it.
 */
export function putJson<T>(
    url: string,
    req: { body: string; apiKey: string; okStatus: number; what: string },
    read: (a: HttpAnswer, attempt: number) => T,
    o: { retry?: RetryPolicy; onRetry?: (attempt: number, delayMs: number, error: KioskError) => void } = {}
): Promise<T> {
    return withRetries(
        async attempt => {
            const a = await httpRequest(url, {
                method: "PUT",
                headers: { "content-type": "application/json", authorization: `Bearer ${req.apiKey}` },
                body: req.body,
            })
            if (a.status !== req.okStatus) throw errorForAnswer(req.what, a)
            return read(a, attempt)
        },
        o.retry ?? DEFAULT_RETRY,
        o.onRetry
    )
}

/** The KioskError for an error answer of the server (`{error, message}` bodies, server/README.md). */
export function errorForAnswer(what: string, a: HttpAnswer): KioskError {
    const reason = typeof a.json?.message === "string" ? a.json.message : a.text.slice(0, 200)
    const detail = `${what}: HTTP ${a.status}${a.json?.error ? ` ${a.json.error}` : ""}${reason ? ` (${reason})` : ""}`
    const retryAfter = Number(a.headers.get("retry-after")) || 0
    if (a.status === 406) return new KioskError("processing-number-rejected", detail)
    if (a.status === 410 && a.json?.error === "end_of_service") return new KioskError("end-of-service", detail)
    if (a.status === 401 || (a.status === 403 && a.json?.error !== "region_not_served")) return new KioskError("unauthorized", detail)
    if (a.status === 403) return new KioskError("region-not-served", detail)
    if (a.status === 429) return new KioskError("rate-limited", detail, { seconds: retryAfter || 60 })
    if (a.status === 400 && a.json?.error === "no_eligible_keys") return new KioskError("no-eligible-keys", detail)
    if (a.status === 503 && a.json?.error === "verification_unavailable") return new KioskError("verification-unavailable", detail)
    if (a.status >= 500) return new KioskError("server-error", detail)
    return new KioskError("bad-request", detail)
}

export interface RetryPolicy {
    /** Further attempts after the first (0 = try once). */
    retries: number
    /** First wait; doubled each time, with ±25 % jitter so kiosks do not retry in step. */
    baseDelayMs: number
    maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 1000, maxDelayMs: 15_000 }

/** Runs `op` again after transient failures (network, 5xx), up to `policy.retries` more times. */
export async function withRetries<T>(
    op: (attempt: number) => Promise<T>,
    policy: RetryPolicy,
    onRetry?: (attempt: number, delayMs: number, error: KioskError) => void
): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await op(attempt)
        } catch (e) {
            if (!isTransient(e) || attempt > policy.retries) throw e
            const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
            const delay = Math.round(base * (0.75 + Math.random() * 0.5))
            onRetry?.(attempt, delay, e as KioskError)
            await new Promise(r => setTimeout(r, delay))
        }
    }
}

/** GET /v1/status: whether the programme runs, or has ended (and until when keys are published). */
export interface ServiceStatus {
    status: "running" | "end_of_service"
    endOfServiceAt?: number
    lastKeysExpireAt?: number
}

export async function fetchServiceStatus(server: string): Promise<ServiceStatus> {
    const url = `${server}${PATHS.status}`
    const a = await httpRequest(url)
    if (a.status !== 200) throw errorForAnswer(`asking ${url}`, a)
    const j = a.json
    if (j?.status === "running") return { status: "running" }
    if (j?.status === "end_of_service" && Number.isFinite(j.endOfServiceAt) && Number.isFinite(j.lastKeysExpireAt)) {
        return { status: "end_of_service", endOfServiceAt: j.endOfServiceAt, lastKeysExpireAt: j.lastKeysExpireAt }
    }
    throw new KioskError("bad-request", `${url}: unexpected answer ${a.text.slice(0, 200)}`)
}
