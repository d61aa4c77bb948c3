// COCOA's final risk rule, per day. Each match (one RPI's sightings: at most ~20 minutes, like one of
// GAEN's exposure windows) scores
//     seconds × attenuation-bucket weight × infectiousness weight × report-type weight
// where the bucket comes from the typical attenuation (46 / 60 / 65 dB → immediate / near / medium /
// other) and infectiousness from the key's days since onset (missing onset: high; "none" days do not
// count at all). A day is high risk when its score sum ≥ 1350 AND its summed seconds ≥ 900, with the
// numbers and operators taken from the configuration.
// The day rule is COCOA's own (cocoa-mhlw/cocoa, Covid19Radar/Covid19Radar/Services/
// ExposureRiskCalculationService.cs, CalcRiskLevel; operators in Model/ExposureRiskCalculationConfiguration.cs,
// Threshold.Cond): every criterion must hold, a NOP criterion always holds, and a configuration whose
// five criteria are all NOP gives low risk for every day, so the kiosk answers as the app would.
import type { ExposureMatch } from "./match.js"
import type { Criterion, RiskConfig, Infectiousness } from "./risk-config.js"

export interface DayRisk {
    /** YYYY-MM-DD (UTC day, as GAEN dates exposures) and its UTC midnight in ms. */
    date: string
    dayMs: number
    scoreSum: number
    /** Highest single-window score of the day (what COCOA's survey compared with 1350). */
    maxScore: number
    seconds: number
    matches: number
    typicalAttenuationMinDb: number
    typicalAttenuationMaxDb: number
    highRisk: boolean
}

export function attenuationBucket(attenuationDb: number, thresholds: readonly number[]): 0 | 1 | 2 | 3 {
    if (attenuationDb <= thresholds[0]) return 0
    if (attenuationDb <= thresholds[1]) return 1
    if (attenuationDb <= thresholds[2]) return 2
    return 3
}

function infectiousnessOf(match: ExposureMatch, c: RiskConfig): Infectiousness {
    const dso = match.key.daysSinceOnsetOfSymptoms
    if (dso === undefined) return c.infectiousnessWhenOnsetMissing
    return c.infectiousnessForDaysSinceOnset.get(dso) ?? 0
}

/** The score of one match; 0 when it does not count (not infectious, unknown report type). */
export function windowScore(match: ExposureMatch, c: RiskConfig): number {
    const inf = infectiousnessOf(match, c)
    if (inf === 0) return 0
    const infWeight = inf === 2 ? c.infectiousnessWeights.high : c.infectiousnessWeights.standard
    const reportWeight = c.reportTypeWeights[match.key.reportType || c.reportTypeWhenMissing] ?? 0
    const bucketWeight = c.attenuationWeights[attenuationBucket(match.attenuationDb, c.attenuationThresholdsDb)]
    return match.seconds * bucketWeight * infWeight * reportWeight
}

/** Whether `v` meets one criterion of the configuration (NOP: always). */
export function criterionHolds(cr: Criterion, v: number): boolean {
    switch (cr.op) {
        case "NOP":
            return true
        case ">=":
            return v >= cr.value
        case ">":
            return v > cr.value
        case "<=":
            return v <= cr.value
        case "<":
            return v < cr.value
        case "=":
            return v === cr.value
    }
}

/** Day summaries of every day with a counted match, oldest first. */
export function dailyRisk(matches: readonly ExposureMatch[], c: RiskConfig): DayRisk[] {
    const days = new Map<number, DayRisk>()
    for (const m of matches) {
        const score = windowScore(m, c)
        if (score <= 0 || score < c.minimumWindowScore) continue
        let d = days.get(m.dayMs)
        if (!d) {
            d = {
                date: new Date(m.dayMs).toISOString().slice(0, 10),
                dayMs: m.dayMs,
                scoreSum: 0,
                maxScore: 0,
                seconds: 0,
                matches: 0,
                typicalAttenuationMinDb: Infinity,
                typicalAttenuationMaxDb: -Infinity,
                highRisk: false,
            }
            days.set(m.dayMs, d)
        }
        d.scoreSum += score
        d.maxScore = Math.max(d.maxScore, score)
        d.seconds += m.seconds
        d.matches++
        d.typicalAttenuationMinDb = Math.min(d.typicalAttenuationMinDb, m.attenuationDb)
        d.typicalAttenuationMaxDb = Math.max(d.typicalAttenuationMaxDb, m.attenuationDb)
    }
    const k = c.dayCriteria
    const allNop = Object.values(k).every(cr => cr.op === "NOP")
    for (const d of days.values()) {
        d.highRisk =
            !allNop &&
            criterionHolds(k.scoreSum, d.scoreSum) &&
            criterionHolds(k.secondsSum, d.seconds) &&
            criterionHolds(k.typicalAttenuationMax, d.typicalAttenuationMaxDb) &&
            criterionHolds(k.typicalAttenuationMin, d.typicalAttenuationMinDb)
    }
    return [...days.values()].sort((a, b) => a.dayMs - b.dayMs)
}
