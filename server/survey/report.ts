// `npm run server -- survey-report`: aggregates of the shutdown survey, for publication. Counts
// only, and every count below `minCount` (default 10) is shown as "<10" so that no small group
// (one kiosk's morning, a rare age bracket) can be singled out. No row is ever printed.
import type { Storage } from "../storage/storage.js"
import type { SurveyAnswers } from "./event-log.js"
import { SURVEY } from "../../lib/cocoa/protocol.js"

export const DEFAULT_MIN_REPORTED_COUNT = 10

const AGE_BRACKETS = ["≤14", "15–19", "20–24", "25–29", "30–39", "40–49", "50–59", "60–69", "70+"]
const COMMUTING = ["none", "not by public transport", "by public transport"]

export interface SurveyReport {
    minCount: number
    /** Each value is a count, or null when it is below minCount (suppressed). */
    total: number | null
    ageBracket: Record<string, number | null>
    commuting: Record<string, number | null>
    /** Surveys whose daily exposure list has at least one day with a detected exposure. */
    exposureDetected: { yes: number | null; no: number | null; notShared: number | null }
}

export async function surveyReport(storage: Storage, minCount = DEFAULT_MIN_REPORTED_COUNT): Promise<SurveyReport> {
    const shown = (n: number) => (n >= minCount ? n : null)
    const rows = (await storage.listSurveyAnswers()).map(r => JSON.parse(r.answers) as SurveyAnswers)
    const count = (pred: (a: SurveyAnswers) => boolean) => shown(rows.filter(pred).length)
    const byValue = (labels: string[], pick: (a: SurveyAnswers) => number) =>
        Object.fromEntries([...labels.map((label, i) => [label, count(a => pick(a) === i + 1)]), ["no answer", count(a => pick(a) === SURVEY.noAnswer)]])
    return {
        minCount,
        total: shown(rows.length),
        ageBracket: byValue(AGE_BRACKETS, a => a.ageBracket),
        commuting: byValue(COMMUTING, a => a.commuting),
        exposureDetected: {
            yes: count(a => !!a.dailyExposure?.some(d => d.detected)),
            no: count(a => !!a.dailyExposure && !a.dailyExposure.some(d => d.detected)),
            notShared: count(a => a.dailyExposure === null),
        },
    }
}

export function formatSurveyReport(r: SurveyReport): string {
    const cell = (n: number | null) => (n === null ? `<${r.minCount}` : String(n))
    const section = (title: string, values: Record<string, number | null>) =>
        [title, ...Object.entries(values).map(([k, v]) => `  ${k}\t${cell(v)}`)].join("\n")
    return [
        `shutdown survey: ${cell(r.total)} answers (counts below ${r.minCount} are suppressed)`,
        section("age bracket (q1)", r.ageBracket),
        section("commuting (q2)", r.commuting),
        section("exposure detected (daily exposure data)", {
            yes: r.exposureDetected.yes,
            no: r.exposureDetected.no,
            "not shared": r.exposureDetected.notShared,
        }),
    ].join("\n")
}
