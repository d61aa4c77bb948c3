// PUT /v1/event_log: COCOA 3.0.0's shutdown survey (success 201). Privacy by construction: the stored
// row holds only the answers the person consented to, the UTC day it arrived, and a random row id;
// no kiosk, no timestamp, no idempotency key, no device fields. In COCOA's format each optional item
// carries its consent by presence: start_date / exposure_data are null without consent, q1/q2 are −1
// for "no answer", and an event log with hasConsent false is dropped entirely.
import type { IncomingMessage, ServerResponse } from "node:http"
import { invalid, isJsonObject } from "../http/errors.js"
import { readJson } from "../http/body.js"
import { sendJson } from "../http/respond.js"
import type { KioskGuard } from "../kiosks/guard.js"
import type { Storage } from "../storage/storage.js"
import { MAX_EVENT_LOG_BODY_BYTES, MAX_IDEMPOTENCY_KEY_LENGTH, MAX_SURVEY_DAILY_SUMMARIES, DAY_MS } from "../protocol.js"
import { SURVEY } from "../../lib/cocoa/protocol.js"

/** What is stored per consented survey. Dates are reduced to days (YYYY-MM-DD, UTC). */
export interface SurveyAnswers {
    ageBracket: number
    commuting: number
    startDate: string | null
    dailyExposure: { date: string; detected: boolean }[] | null
}

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

function answerInRange(v: unknown, range: { min: number; max: number }, field: string): number {
    if (v === undefined || v === null) return SURVEY.noAnswer
    if (typeof v !== "number" || !Number.isInteger(v) || (v !== SURVEY.noAnswer && (v < range.min || v > range.max))) {
        throw invalid(field, `expected ${range.min}..${range.max} or ${SURVEY.noAnswer} (no answer)`)
    }
    return v
}

export function parseSurveyContent(content: unknown, at: string, now: number): SurveyAnswers {
    if (!isJsonObject(content)) throw invalid(`${at}.content`, "expected an object")
    const c = content
    const ageBracket = answerInRange(c.q1, SURVEY.ageBrackets, `${at}.content.q1`)
    const commuting = answerInRange(c.q2, SURVEY.commuting, `${at}.content.q2`)

    let startDate: string | null = null
    if (c.start_date !== undefined && c.start_date !== null) {
        const s = c.start_date
        if (typeof s !== "number" || !Number.isInteger(s) || s <= 0 || s * 1000 > now + DAY_MS) {
            throw invalid(`${at}.content.start_date`, "expected Unix seconds, not in the future")
        }
        startDate = isoDay(s * 1000)
    }

    let dailyExposure: SurveyAnswers["dailyExposure"] = null
    if (c.exposure_data !== undefined && c.exposure_data !== null) {
        const ed = c.exposure_data as Record<string, unknown>
        if (typeof ed !== "object" || !Array.isArray(ed.daily_summaries)) throw invalid(`${at}.content.exposure_data`, "expected {daily_summaries: [...]}")
        if (ed.daily_summaries.length > MAX_SURVEY_DAILY_SUMMARIES) throw invalid(`${at}.content.exposure_data.daily_summaries`, "too many days")
        dailyExposure = []
        for (const [i, d] of (ed.daily_summaries as unknown[]).entries()) {
            const f = `${at}.content.exposure_data.daily_summaries[${i}]`
            const { DateMillisSinceEpoch: ms, ExposureDetected: detected } = (d ?? {}) as Record<string, unknown>
            if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 0 || ms > now + DAY_MS)
                throw invalid(`${f}.DateMillisSinceEpoch`, "expected Unix milliseconds, not in the future")
            if (detected !== 0 && detected !== 1) throw invalid(`${f}.ExposureDetected`, "expected 0 or 1")
            // COCOA only collected days from 2022-04-07; earlier days are not part of the survey.
            if (ms >= SURVEY.exposureDataStartMs) dailyExposure.push({ date: isoDay(ms), detected: detected === 1 })
        }
    }
    return { ageBracket, commuting, startDate, dailyExposure }
}

/** Validates the whole body; returns the consented survey answers (possibly none). */
export function parseEventLogRequest(body: unknown, now: number): { idempotencyKey?: string; surveys: SurveyAnswers[] } {
    if (!isJsonObject(body)) throw invalid("body", "expected a JSON object")
    const b = body
    if (b.idempotencyKey !== undefined && (typeof b.idempotencyKey !== "string" || b.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
        throw invalid("idempotencyKey", `expected a string of at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`)
    }
    if (!Array.isArray(b.eventLogs) || b.eventLogs.length === 0) throw invalid("eventLogs", "expected a non-empty array")
    if (b.eventLogs.length > 10) throw invalid("eventLogs", "at most 10 event logs")
    const surveys: SurveyAnswers[] = []
    for (const [i, raw] of b.eventLogs.entries()) {
        const at = `eventLogs[${i}]`
        if (!isJsonObject(raw)) throw invalid(at, "expected an object")
        const log = raw
        if (typeof log.hasConsent !== "boolean") throw invalid(`${at}.hasConsent`, "expected true or false")
        if (typeof log.type !== "string") throw invalid(`${at}.type`, "expected a string")
        if (log.type !== SURVEY.eventType) throw invalid(`${at}.type`, `only "${SURVEY.eventType}" event logs are accepted`)
        // Validate even without consent, so a broken kiosk is noticed; then keep nothing of it.
        const answers = parseSurveyContent(log.content, at, now)
        if (log.hasConsent) surveys.push(answers)
    }
    return { idempotencyKey: typeof b.idempotencyKey === "string" ? b.idempotencyKey : undefined, surveys }
}

export interface EventLogDeps {
    storage: Storage
    guard: KioskGuard
    clock: () => number
}

export function eventLogHandler(deps: EventLogDeps) {
    // Retries within a day are answered without storing twice. Held in memory only (and only the
    // key and the count), so nothing durable can link an answer back to the kiosk's request.
    const recent = new Map<string, { stored: number; until: number }>()

    return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        await deps.guard(req)
        const now = deps.clock()
        const { idempotencyKey, surveys } = parseEventLogRequest(await readJson(req, MAX_EVENT_LOG_BODY_BYTES), now)
        for (const [k, v] of recent) {
            // insertion order = expiry order: stop at the first live entry
            if (v.until > now) break
            recent.delete(k)
        }
        const seen = idempotencyKey !== undefined ? recent.get(idempotencyKey) : undefined
        if (seen) {
            sendJson(res, 201, { stored: seen.stored })
            return
        }
        const day = Math.floor(now / DAY_MS)
        for (const s of surveys) await deps.storage.saveSurveyAnswer({ day, answers: JSON.stringify(s) })
        if (idempotencyKey !== undefined) recent.set(idempotencyKey, { stored: surveys.length, until: now + DAY_MS })
        sendJson(res, 201, { stored: surveys.length })
    }
}
