// Structural validation of a PUT /v3/diagnosis body (COCOA's DiagnosisSubmissionParameter).
// Anything malformed is a 400 naming the offending field; nothing is stored. Time-based checks
// (age, future, infectious window) live in ./key-filter.ts because COCOA dropped such keys instead.
import { HttpError, invalid, isJsonObject } from "../http/errors.js"
import { ACCEPTED_REPORT_TYPES, DEFAULT_REPORT_TYPE, MAX_KEYS_PER_UPLOAD, DAY_MS, MAX_IDEMPOTENCY_KEY_LENGTH } from "../protocol.js"
import { REGION_PATTERN, PROCESSING_NUMBER_PATTERN } from "../../lib/cocoa/protocol.js"
import { TEK_BYTES, TEK_ROLLING_PERIOD } from "../../lib/gaen/index.js"

export interface UploadedKey {
    keyData: Buffer
    rollingStartNumber: number
    rollingPeriod: number
    reportType: number
}

export interface DiagnosisRequest {
    hasSymptom: boolean
    /** The calendar date the person gave, as a UTC day number (see parseOnsetDay). */
    onsetDay: number
    keys: UploadedKey[]
    regions: string[]
    processingNumber: string
    idempotencyKey: string
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/**
 * The onset/test date as a day number. We take the calendar date as written ("2020-04-02T00:00:00+09:00"
 * is the 2nd) rather than converting to UTC first: the person picked that date on a local calendar,
 * and converting would shift Japanese dates back by one day.
 */
export function parseOnsetDay(value: string): number | undefined {
    const m = RFC3339.exec(value)
    if (!m || Number.isNaN(Date.parse(value.replace(" ", "T")))) return undefined
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
    const ms = Date.UTC(y, mo - 1, d)
    const check = new Date(ms)
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined
    return ms / DAY_MS
}

function optionalString(body: Record<string, unknown>, field: string): void {
    if (body[field] !== undefined && body[field] !== null && typeof body[field] !== "string") throw invalid(field, "expected a string")
}

function parseKey(raw: unknown, i: number): UploadedKey {
    const at = `keys[${i}]`
    if (!isJsonObject(raw)) throw invalid(at, "expected an object")
    const k = raw
    if (typeof k.keyData !== "string") throw invalid(`${at}.keyData`, "expected a base64 string")
    if (!BASE64.test(k.keyData)) throw invalid(`${at}.keyData`, "not valid base64")
    const keyData = Buffer.from(k.keyData, "base64")
    if (keyData.length !== TEK_BYTES) throw invalid(`${at}.keyData`, `decodes to ${keyData.length} bytes; a key is ${TEK_BYTES}`)
    const rsn = k.rollingStartNumber
    if (typeof rsn !== "number" || !Number.isInteger(rsn) || rsn < 0 || rsn > 0xffff_ffff) {
        throw invalid(`${at}.rollingStartNumber`, "expected a non-negative integer (10-minute intervals since 1970)")
    }
    // COCOA's server treated a rolling period that is absent or 0 (unset) as a full day.
    const rp = k.rollingPeriod ?? TEK_ROLLING_PERIOD
    if (typeof rp !== "number" || !Number.isInteger(rp) || rp < 0 || rp > TEK_ROLLING_PERIOD) {
        throw invalid(`${at}.rollingPeriod`, `expected an integer from 1 to ${TEK_ROLLING_PERIOD}`)
    }
    const rt = k.reportType ?? DEFAULT_REPORT_TYPE
    if (typeof rt !== "number" || !(ACCEPTED_REPORT_TYPES as readonly number[]).includes(rt)) {
        throw invalid(`${at}.reportType`, `expected one of ${ACCEPTED_REPORT_TYPES.join(", ")}`)
    }
    return { keyData, rollingStartNumber: rsn, rollingPeriod: rp === 0 ? TEK_ROLLING_PERIOD : rp, reportType: rt }
}

/** Validates the shape of the body; throws HttpError 400 (or 406 for a malformed processing number). */
export function parseDiagnosisRequest(body: unknown): DiagnosisRequest {
    if (!isJsonObject(body)) throw invalid("body", "expected a JSON object")
    const b = body

    if (typeof b.hasSymptom !== "boolean") throw invalid("hasSymptom", "expected true or false")
    if (typeof b.onsetOfSymptomOrTestDate !== "string") throw invalid("onsetOfSymptomOrTestDate", "expected an RFC 3339 date-time string")
    const onsetDay = parseOnsetDay(b.onsetOfSymptomOrTestDate)
    if (onsetDay === undefined) throw invalid("onsetOfSymptomOrTestDate", `"${b.onsetOfSymptomOrTestDate.slice(0, 40)}" is not an RFC 3339 date-time`)

    if (!Array.isArray(b.keys)) throw invalid("keys", "expected an array of keys")
    if (b.keys.length === 0) throw invalid("keys", "no keys")
    if (b.keys.length > MAX_KEYS_PER_UPLOAD) throw invalid("keys", `${b.keys.length} keys; at most ${MAX_KEYS_PER_UPLOAD} per upload`)
    const keys = b.keys.map(parseKey)
    const seen = new Map<string, number>()
    keys.forEach((k, i) => {
        const hex = k.keyData.toString("hex")
        if (seen.has(hex)) throw invalid(`keys[${i}].keyData`, `duplicates keys[${seen.get(hex)}]`)
        seen.set(hex, i)
    })

    if (!Array.isArray(b.regions) || b.regions.length === 0) throw invalid("regions", "expected a non-empty array of region codes")
    if (b.regions.length > 8) throw invalid("regions", "too many regions")
    for (const [i, r] of b.regions.entries()) {
        if (typeof r !== "string" || !REGION_PATTERN.test(r)) throw invalid(`regions[${i}]`, 'expected a region code such as "440"')
    }

    for (const f of ["platform", "deviceVerificationPayload", "appPackageName", "padding"]) optionalString(b, f)

    if (typeof b.idempotency_key !== "string" || b.idempotency_key.length === 0 || b.idempotency_key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        throw invalid("idempotency_key", `expected a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters (a UUID)`)
    }
    if (typeof b.verificationPayload !== "string") throw invalid("verificationPayload", "expected the processing number as a string")
    if (!PROCESSING_NUMBER_PATTERN.test(b.verificationPayload)) {
        // COCOA showed every wrong number as 406; a malformed one is just the most obviously wrong.
        throw new HttpError(406, "processing_number_rejected", "the processing number must be exactly 8 digits (0-9)")
    }

    return {
        hasSymptom: b.hasSymptom,
        onsetDay,
        keys,
        regions: [...new Set(b.regions as string[])],
        processingNumber: b.verificationPayload,
        idempotencyKey: b.idempotency_key,
    }
}
