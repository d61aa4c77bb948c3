// The upload of a positive person's keys: PUT /v3/diagnosis with COCOA's fields. The body is built
// once (with its idempotency key and random padding) and kept in memory for the session: every
// retry, automatic or asked for, sends exactly the same bytes, so the server stores the keys once
// and nothing is lost when the network or the server fails.
import { randomBytes, randomInt, randomUUID } from "node:crypto"
import type { ExportedKey } from "../../lib/token-sync/sync-client.js"
import { KioskError } from "../errors.js"
import { putJson, KIOSK_PLATFORM, KIOSK_APP_PACKAGE, type RetryPolicy } from "../http/server-client.js"
import type { ProgressListener } from "../progress.js"
import type { RegistrationDetails } from "./details.js"
import { PATHS } from "../../lib/cocoa/protocol.js"

export interface PreparedUpload {
    readonly body: string
    readonly idempotencyKey: string
    readonly keyCount: number
}

export interface UploadTarget {
    server: string
    apiKey: string
}

export interface UploadResult {
    accepted: number
    dropped: { index: number; reason: string }[]
    /** HTTP attempts this send took. */
    attempts: number
}

/** RFC 3339 midnight of the date in the kiosk's time zone: the server takes the calendar date as written. */
function midnightWithOffset(date: string, now: Date): string {
    const off = -now.getTimezoneOffset()
    const sign = off >= 0 ? "+" : "-"
    const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, "0")
    const mm = String(Math.abs(off) % 60).padStart(2, "0")
    return `${date}T00:00:00.000${sign}${hh}:${mm}`
}

export function prepareUpload(keys: readonly ExportedKey[], details: RegistrationDetails, now = Date.now()): PreparedUpload {
    if (keys.length === 0) throw new KioskError("no-keys-on-token", "the token released no keys to upload")
    const idempotencyKey = randomUUID()
    const body = JSON.stringify({
        hasSymptom: details.hasSymptom,
        onsetOfSymptomOrTestDate: midnightWithOffset(details.onsetDate, new Date(now)),
        keys: keys.map(k => ({
            keyData: Buffer.from(k.keyData).toString("base64"),
            rollingStartNumber: k.rollingStartIntervalNumber,
            rollingPeriod: k.rollingPeriod,
            reportType: 1, // confirmed test
        })),
        regions: [details.region],
        platform: KIOSK_PLATFORM,
        deviceVerificationPayload: "",
        appPackageName: KIOSK_APP_PACKAGE,
        verificationPayload: details.processingNumber,
        idempotency_key: idempotencyKey,
        // As COCOA: random padding, so the size of a request tells nothing about how many keys it holds.
        padding: randomBytes(randomInt(768, 1536)).toString("base64"),
    })
    return { body, idempotencyKey, keyCount: keys.length }
}

/** Sends (or re-sends) a prepared upload; transient failures are retried with backoff. */
export async function sendUpload(
    prepared: PreparedUpload,
    target: UploadTarget,
    o: { retry?: RetryPolicy; onProgress?: ProgressListener } = {}
): Promise<UploadResult> {
    return putJson(
        `${target.server}${PATHS.diagnosis}`,
        { body: prepared.body, apiKey: target.apiKey, okStatus: 200, what: "registering the keys" },
        (a, attempts) => ({ accepted: Number(a.json?.accepted ?? prepared.keyCount), dropped: Array.isArray(a.json?.dropped) ? a.json.dropped : [], attempts }),
        { retry: o.retry, onRetry: (attempt, delayMs, e) => o.onProgress?.({ step: "retry", what: "upload", attempt, delayMs, reason: e.message }) }
    )
}
