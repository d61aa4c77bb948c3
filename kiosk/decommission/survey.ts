// COCOA 3.0.0's shutdown survey (PUT /v1/event_log), every item optional and sent only with its own
// consent: age bracket (1–9), commuting (1–3), the date use began, and per day whether an exposure was
// detected, from 2022-04-07 on. The flag is COCOA's survey rule (cocoa-mhlw/cocoa,
// Covid19Radar/Covid19Radar/Services/SurveyService.cs): the score-sum criterion (≥ 1350) applied to the
// day's highest single window score, taken from COCOA's own default configuration whatever
// configuration the kiosk's check uses (the app's survey did the same).
import { randomUUID } from "node:crypto"
import { FieldError, dateField, wholeNumberField } from "../fields.js"
import { putJson, KIOSK_PLATFORM, KIOSK_APP_PACKAGE, type RetryPolicy } from "../http/server-client.js"
import type { ProgressListener } from "../progress.js"
import type { UploadTarget } from "../registration/upload.js"
import { criterionHolds, type DayRisk } from "../matching/risk.js"
import { loadRiskConfig, type Criterion } from "../matching/risk-config.js"
import { PATHS, SURVEY } from "../../lib/cocoa/protocol.js"

export interface SurveyAnswers {
    /** 1 (≤14) … 9 (70+); undefined: no answer. */
    ageBracket?: number
    /** 1 none, 2 not public transport, 3 public transport; undefined: no answer. */
    commuting?: number
    /** Only with its consent: the day use of the token began, YYYY-MM-DD. */
    startDate?: string
    /** Only with its consent: the days of the check (COCOA sent only days with an exposure record). */
    exposureDays?: { dayMs: number; detected: boolean }[]
}

export interface PreparedSurvey {
    readonly body: string
    readonly idempotencyKey: string
}

/** The survey's items as typed (web form or command line), each optional; the start date needs its consent. */
export function parseSurveyOptions(o: { age?: string; commute?: string; consentStartDate?: boolean; startDate?: string }, now: number): SurveyAnswers {
    const answers: SurveyAnswers = {
        ageBracket: wholeNumberField("age", o.age, SURVEY.ageBrackets.min, SURVEY.ageBrackets.max),
        commuting: wholeNumberField("commute", o.commute, SURVEY.commuting.min, SURVEY.commuting.max),
    }
    if (o.startDate !== undefined && !o.consentStartDate) throw new FieldError("startDate", { kind: "needs-consent", consent: "consentStartDate" })
    if (o.consentStartDate) {
        if (o.startDate === undefined) throw new FieldError("startDate", { kind: "needed-with", other: "consentStartDate" })
        const ms = dateField("startDate", o.startDate)
        if (ms > now) throw new FieldError("startDate", { kind: "future", value: o.startDate })
        answers.startDate = o.startDate
    }
    return answers
}

/** Per-day exposure flags from a check's day summaries: the score-sum criterion on the day's maximum score. */
export function exposureDaysFromCheck(days: readonly DayRisk[], scoreSum: Criterion = loadRiskConfig().dayCriteria.scoreSum): SurveyAnswers["exposureDays"] {
    return days.filter(d => d.dayMs >= SURVEY.exposureDataStartMs).map(d => ({ dayMs: d.dayMs, detected: criterionHolds(scoreSum, d.maxScore) }))
}

/** The event_log body, or undefined when the person answered nothing (then nothing is sent). */
export function prepareSurvey(a: SurveyAnswers, now: number): PreparedSurvey | undefined {
    if (a.ageBracket === undefined && a.commuting === undefined && a.startDate === undefined && a.exposureDays === undefined) return undefined
    const idempotencyKey = randomUUID()
    const body = JSON.stringify({
        idempotencyKey,
        platform: KIOSK_PLATFORM,
        appPackageName: KIOSK_APP_PACKAGE,
        deviceVerificationPayload: "",
        eventLogs: [
            {
                hasConsent: true,
                epoch: Math.floor(now / 1000),
                type: SURVEY.eventType,
                subtype: "survey",
                content: {
                    q1: a.ageBracket ?? SURVEY.noAnswer,
                    q2: a.commuting ?? SURVEY.noAnswer,
                    start_date: a.startDate === undefined ? null : Date.parse(`${a.startDate}T00:00:00Z`) / 1000,
                    exposure_data:
                        a.exposureDays === undefined
                            ? null
                            : { daily_summaries: a.exposureDays.map(d => ({ DateMillisSinceEpoch: d.dayMs, ExposureDetected: d.detected ? 1 : 0 })) },
                },
            },
        ],
    })
    return { body, idempotencyKey }
}

export async function sendSurvey(
    survey: PreparedSurvey,
    target: UploadTarget,
    o: { retry?: RetryPolicy; onProgress?: ProgressListener } = {}
): Promise<{ stored: number }> {
    return putJson(
        `${target.server}${PATHS.eventLog}`,
        { body: survey.body, apiKey: target.apiKey, okStatus: 201, what: "sending the survey" },
        a => ({ stored: Number(a.json?.stored ?? 0) }),
        { retry: o.retry, onRetry: (attempt, delayMs, e) => o.onProgress?.({ step: "retry", what: "survey", attempt, delayMs, reason: e.message }) }
    )
}
