// The risk configuration: COCOA's last shipped settings (data/cocoa-exposure-configuration.json and
// data/cocoa-risk-calculation-configuration.json) by default; `--config <dir>` reads the same two
// files from another folder. Anything missing or malformed is refused naming the file and field.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { KioskError } from "../errors.js"

export const EXPOSURE_CONFIG_FILE = "cocoa-exposure-configuration.json"
export const RISK_CALCULATION_FILE = "cocoa-risk-calculation-configuration.json"
export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL("../../data/", import.meta.url))

/** COCOA writes equality as "=" (V1ExposureRiskCalculationConfiguration.Threshold); "==" is read as the same. */
export type ComparisonOp = ">=" | ">" | "<=" | "<" | "=" | "NOP"
export interface Criterion {
    op: ComparisonOp
    value: number
}
const COMPARISON_OPS: readonly ComparisonOp[] = [">=", ">", "<=", "<", "=", "NOP"]
/** Other spellings a configuration file may use for one of COCOA's operators. */
const OP_SPELLINGS: Readonly<Record<string, ComparisonOp>> = { "==": "=" }

/** GAEN's Infectiousness: 0 none, 1 standard, 2 high. */
export type Infectiousness = 0 | 1 | 2

export interface RiskConfig {
    /** Attenuation thresholds (dB) between immediate / near / medium / other. */
    attenuationThresholdsDb: [number, number, number]
    attenuationWeights: [number, number, number, number]
    infectiousnessForDaysSinceOnset: Map<number, Infectiousness>
    infectiousnessWhenOnsetMissing: Infectiousness
    infectiousnessWeights: { standard: number; high: number }
    /** By report type: 1 confirmed test, 2 clinical diagnosis, 3 self report, 4 recursive. */
    reportTypeWeights: Record<number, number>
    reportTypeWhenMissing: number
    minimumWindowScore: number
    /** A day is high risk when every criterion that is not NOP holds; when all five are NOP, no day is. */
    dayCriteria: {
        scoreSum: Criterion
        secondsSum: Criterion
        typicalAttenuationMax: Criterion
        typicalAttenuationMin: Criterion
        weightedDurationAverage: Criterion
    }
}

function readJson(dir: string, name: string): any {
    const file = join(dir, name)
    let text: string
    try {
        text = readFileSync(file, "utf8")
    } catch (e) {
        throw new KioskError("config", `risk configuration: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
    }
    try {
        return JSON.parse(text)
    } catch (e) {
        throw new KioskError("config", `risk configuration: ${file} is not JSON (${(e as Error).message})`)
    }
}

export function loadRiskConfig(dir: string = DEFAULT_CONFIG_DIR): RiskConfig {
    const exposure = readJson(dir, EXPOSURE_CONFIG_FILE)
    const calc = readJson(dir, RISK_CALCULATION_FILE)
    const bad = (file: string, field: string, what: string) => new KioskError("config", `risk configuration: ${join(dir, file)}: ${field}: ${what}`)
    const numbers = (file: string, field: string, v: unknown, n: number): number[] => {
        if (!Array.isArray(v) || v.length !== n || !v.every(x => typeof x === "number" && Number.isFinite(x))) throw bad(file, field, `expected ${n} numbers`)
        return v
    }
    const num = (file: string, field: string, v: unknown): number => {
        if (typeof v !== "number" || !Number.isFinite(v)) throw bad(file, field, "expected a number")
        return v
    }
    const infectiousness = (file: string, field: string, v: unknown): Infectiousness => {
        if (v !== 0 && v !== 1 && v !== 2) throw bad(file, field, "expected 0 (none), 1 (standard) or 2 (high)")
        return v
    }

    const E = EXPOSURE_CONFIG_FILE
    const daily = exposure?.google_daily_summaries_config
    const mapping = exposure?.google_diagnosis_keys_data_mapping_config
    if (typeof daily !== "object" || daily === null) throw bad(E, "google_daily_summaries_config", "missing")
    if (typeof mapping !== "object" || mapping === null) throw bad(E, "google_diagnosis_keys_data_mapping_config", "missing")
    const thresholds = numbers(E, "google_daily_summaries_config.attenuation_bucket_threshold_db", daily.attenuation_bucket_threshold_db, 3)
    if (!(thresholds[0] <= thresholds[1] && thresholds[1] <= thresholds[2]))
        throw bad(E, "google_daily_summaries_config.attenuation_bucket_threshold_db", "must be ascending")
    const weights = numbers(E, "google_daily_summaries_config.attenuation_bucket_weights", daily.attenuation_bucket_weights, 4)

    const byDay = new Map<number, Infectiousness>()
    const table = mapping.infectiousness_for_days_since_onset_of_symptoms
    if (typeof table !== "object" || table === null)
        throw bad(E, "google_diagnosis_keys_data_mapping_config.infectiousness_for_days_since_onset_of_symptoms", "missing")
    for (const [day, v] of Object.entries(table)) {
        const d = Number(day)
        if (!Number.isInteger(d)) throw bad(E, `infectiousness_for_days_since_onset_of_symptoms["${day}"]`, "key must be a whole number of days")
        byDay.set(d, infectiousness(E, `infectiousness_for_days_since_onset_of_symptoms["${day}"]`, v))
    }
    const rtw = daily.report_type_weights ?? {}
    const reportTypeWeights: Record<number, number> = {
        1: num(E, "report_type_weights.ConfirmedTest", rtw.ConfirmedTest),
        2: num(E, "report_type_weights.ConfirmedClinicalDiagnosis", rtw.ConfirmedClinicalDiagnosis),
        3: num(E, "report_type_weights.SelfReport", rtw.SelfReport),
        4: num(E, "report_type_weights.Recursive", rtw.Recursive),
    }

    const R = RISK_CALCULATION_FILE
    const criterion = (field: string): Criterion => {
        const c = calc?.[field]
        const op: ComparisonOp | undefined = typeof c === "object" && c !== null ? (OP_SPELLINGS[c.op] ?? c.op) : undefined
        if (op === undefined || !COMPARISON_OPS.includes(op)) throw bad(R, `${field}.op`, `expected one of ${COMPARISON_OPS.join(" ")} (or == for =)`)
        return { op, value: num(R, `${field}.value`, c.value) }
    }
    const config: RiskConfig = {
        attenuationThresholdsDb: thresholds as RiskConfig["attenuationThresholdsDb"],
        attenuationWeights: weights as RiskConfig["attenuationWeights"],
        infectiousnessForDaysSinceOnset: byDay,
        infectiousnessWhenOnsetMissing: infectiousness(E, "infectiousness_when_days_since_onset_missing", mapping.infectiousness_when_days_since_onset_missing),
        infectiousnessWeights: {
            high: num(E, "infectiousness_weights.High", daily.infectiousness_weights?.High),
            standard: num(E, "infectiousness_weights.Standard", daily.infectiousness_weights?.Standard),
        },
        reportTypeWeights,
        reportTypeWhenMissing: num(E, "report_type_when_missing", mapping.report_type_when_missing),
        minimumWindowScore: num(E, "minimum_window_score", daily.minimum_window_score ?? 0),
        dayCriteria: {
            scoreSum: criterion("DailySummary_DaySummary_ScoreSum"),
            weightedDurationAverage: criterion("DailySummary_DaySummary_WeightedDurationAverage"),
            secondsSum: criterion("ExposureWindow_ScanInstance_SecondsSinceLastScanSum"),
            typicalAttenuationMax: criterion("ExposureWindow_ScanInstance_TypicalAttenuationDb_Max"),
            typicalAttenuationMin: criterion("ExposureWindow_ScanInstance_TypicalAttenuationDb_Min"),
        },
    }
    if (config.dayCriteria.weightedDurationAverage.op !== "NOP")
        throw bad(R, "DailySummary_DaySummary_WeightedDurationAverage", "only NOP is supported by this kiosk")
    return config
}
