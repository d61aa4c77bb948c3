// Units of the matching and risk code: the batched RPI derivation equals lib/gaen's reference, the
// prefix index finds exactly what is there, the acceptance window is ±12 intervals, COCOA's
// thresholds and weights come from the data files, and a bad configuration is named clearly.
import { describe, test, expect } from "vitest"
import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync, copyFileSync } from "node:fs"
import { join } from "node:path"
import { rpisForKey, deriveDailyKeys, rollingProximityIdentifier, associatedEncryptedMetadata, bluetoothMetadata } from "../../lib/gaen/index.js"
import { RpiDeriver } from "../../kiosk/matching/rpi-derivation.js"
import { ObservedRpiIndex } from "../../kiosk/matching/rpi-index.js"
import { acceptanceWindowMinutes, matchDiagnosisKeys, type ExposureMatch } from "../../kiosk/matching/match.js"
import { attenuationBucket, dailyRisk, windowScore } from "../../kiosk/matching/risk.js"
import { exposureDaysFromCheck } from "../../kiosk/decommission/survey.js"
import { loadRiskConfig, DEFAULT_CONFIG_DIR, EXPOSURE_CONFIG_FILE, RISK_CALCULATION_FILE } from "../../kiosk/matching/risk-config.js"
import { KioskError } from "../../kiosk/errors.js"
import { tempDir } from "./fixtures.js"

describe("matching units", () => {
    test("batched RPI derivation gives exactly lib/gaen's rpisForKey, for full and cut keys", () => {
        const deriver = new RpiDeriver()
        for (const period of [144, 144, 37, 1]) {
            const tek = randomBytes(16)
            const start = 2_950_000 - (2_950_000 % 144)
            const ref = Buffer.concat(rpisForKey(tek, start, period).map(r => r.rpi))
            expect(deriver.derive(tek, start, period).equals(ref)).toBe(true)
        }
        expect(() => deriver.derive(randomBytes(15), 0, 144)).toThrow()
        expect(() => deriver.derive(randomBytes(16), 0, 145)).toThrow()
    })

    test("the prefix index finds every observed RPI (also several records of one RPI) and nothing else", () => {
        const observed = Array.from({ length: 5000 }, () => ({ rpi: randomBytes(16) }))
        observed.push({ rpi: Buffer.from(observed[7].rpi) })
        const twin = Buffer.from(observed[9].rpi)
        twin[15] ^= 1 // same bucket, different RPI
        observed.push({ rpi: twin })
        const index = new ObservedRpiIndex(observed)
        expect([...index.find(observed[7].rpi)].sort((a, b) => a - b)).toEqual([7, 5000])
        expect(index.find(observed[9].rpi)).toEqual([9])
        expect(index.find(twin)).toEqual([5001])
        const haystack = Buffer.concat([randomBytes(3), observed[42].rpi])
        expect(index.find(haystack, 3)).toEqual([42])
        let stray = 0
        for (let i = 0; i < 20_000; i++) stray += index.find(randomBytes(16)).length
        expect(stray).toBe(0)
        expect(() => new ObservedRpiIndex([{ rpi: randomBytes(15) }])).toThrow(/16 bytes/)
    })

    test("an RPI is accepted within ±12 intervals of its own", () => {
        const w = acceptanceWindowMinutes(1000)
        expect(w).toEqual({ from: (1000 - 12) * 10, to: (1000 + 13) * 10 - 1 })
    })

    test("COCOA's configuration: buckets 46/60/65 dB, weights 1.0/2.5/1.3/0.01, 1350 and 900", () => {
        const c = loadRiskConfig()
        expect(c.attenuationThresholdsDb).toEqual([46, 60, 65])
        expect(c.attenuationWeights).toEqual([1.0, 2.5, 1.3, 0.01])
        expect(c.dayCriteria.scoreSum).toEqual({ op: ">=", value: 1350 })
        expect(c.dayCriteria.secondsSum).toEqual({ op: ">=", value: 900 })
        expect([40, 46, 47, 60, 61, 65, 66].map(a => attenuationBucket(a, c.attenuationThresholdsDb))).toEqual([0, 0, 1, 1, 2, 2, 3])
        expect(c.infectiousnessForDaysSinceOnset.get(-3)).toBe(2)
        expect(c.infectiousnessForDaysSinceOnset.get(11)).toBe(0)
        expect(c.infectiousnessWhenOnsetMissing).toBe(2)
    })

    test("infectiousness from days since onset; missing onset counts as high; a day needs both score and seconds", () => {
        const c = loadRiskConfig()
        const m = (dso: number | undefined, seconds: number, attenuationDb: number, day = 0): ExposureMatch => ({
            record: {} as any,
            intervalNumber: 0,
            txPower: -8,
            minAttenuationDb: attenuationDb,
            attenuationDb,
            seconds,
            dayMs: day * 86_400_000,
            key: { keyData: new Uint8Array(16), rollingStartIntervalNumber: 0, rollingPeriod: 144, daysSinceOnsetOfSymptoms: dso, reportType: 1 },
        })
        expect(windowScore(m(0, 600, 50), c)).toBe(1500)
        expect(windowScore(m(undefined, 600, 50), c)).toBe(1500)
        expect(windowScore(m(12, 600, 50), c)).toBe(0) // not infectious
        expect(windowScore(m(0, 600, 40), c)).toBe(600) // immediate: weight 1.0
        // 600 s near = 1500 ≥ 1350 but only 600 s < 900: not high risk. Adding 300 s makes it.
        expect(dailyRisk([m(0, 600, 50)], c)[0].highRisk).toBe(false)
        expect(dailyRisk([m(0, 600, 50), m(0, 300, 80)], c)[0].highRisk).toBe(true)
        // 1200 s immediate = 1200 < 1350: not high risk (COCOA weighted "near" above "immediate").
        expect(dailyRisk([m(0, 1200, 40)], c)[0].highRisk).toBe(false)
        const two = dailyRisk([m(0, 1200, 50, 3), m(0, 100, 50, 1)], c)
        expect(two.map(d => [d.date, d.highRisk])).toEqual([
            ["1970-01-02", false],
            ["1970-01-04", true],
        ])
    })

    test("--config <dir>: other thresholds are used; a broken file is named", () => {
        const dir = tempDir("kiosk-config-")
        try {
            copyFileSync(join(DEFAULT_CONFIG_DIR, EXPOSURE_CONFIG_FILE), join(dir.path, EXPOSURE_CONFIG_FILE))
            writeFileSync(
                join(dir.path, RISK_CALCULATION_FILE),
                JSON.stringify({
                    DailySummary_DaySummary_ScoreSum: { op: ">=", value: 500 },
                    DailySummary_DaySummary_WeightedDurationAverage: { op: "NOP", value: 0 },
                    ExposureWindow_ScanInstance_SecondsSinceLastScanSum: { op: ">=", value: 300 },
                    ExposureWindow_ScanInstance_TypicalAttenuationDb_Max: { op: "NOP", value: 0 },
                    ExposureWindow_ScanInstance_TypicalAttenuationDb_Min: { op: "NOP", value: 0 },
                })
            )
            expect(loadRiskConfig(dir.path).dayCriteria.scoreSum.value).toBe(500)
            writeFileSync(join(dir.path, RISK_CALCULATION_FILE), JSON.stringify({ DailySummary_DaySummary_ScoreSum: { op: "~", value: 1 } }))
            const e = (() => {
                try {
                    loadRiskConfig(dir.path)
                } catch (e) {
                    return e as KioskError
                }
            })()!
            expect(e.code).toBe("config")
            expect(e.message).toContain(`${RISK_CALCULATION_FILE}: DailySummary_DaySummary_ScoreSum.op`)
            mkdirSync(join(dir.path, "empty"))
            expect(() => loadRiskConfig(join(dir.path, "empty"))).toThrow(/cannot read .*cocoa-exposure-configuration\.json \(ENOENT\)/)
        } finally {
            dir.remove()
        }
    })
})

describe("COCOA's day rule (ExposureRiskCalculationService.CalcRiskLevel)", () => {
    const match = (seconds: number, attenuationDb: number, day: number): ExposureMatch => ({
        record: {} as any,
        intervalNumber: 0,
        txPower: -8,
        minAttenuationDb: attenuationDb,
        attenuationDb,
        seconds,
        dayMs: Date.UTC(2022, 4, day),
        key: { keyData: new Uint8Array(16), rollingStartIntervalNumber: 0, rollingPeriod: 144, daysSinceOnsetOfSymptoms: 0, reportType: 1 },
    })
    // Day 1: 1500 score in 600 s (below 900 s); day 2: 1500 + 3 = 1503 in 900 s (high risk); day 3: 900 s immediate = 900 score.
    const matches = [match(600, 50, 1), match(600, 50, 2), match(300, 80, 2), match(900, 40, 3)]
    const criteria = (ops: Record<string, [string, number]>) =>
        Object.fromEntries(
            Object.entries({
                DailySummary_DaySummary_ScoreSum: ["NOP", 0],
                DailySummary_DaySummary_WeightedDurationAverage: ["NOP", 0],
                ExposureWindow_ScanInstance_SecondsSinceLastScanSum: ["NOP", 0],
                ExposureWindow_ScanInstance_TypicalAttenuationDb_Max: ["NOP", 0],
                ExposureWindow_ScanInstance_TypicalAttenuationDb_Min: ["NOP", 0],
                ...ops,
            }).map(([k, [op, value]]) => [k, { op, value }])
        )
    const withCriteria = (file: object) => {
        const dir = tempDir("kiosk-config-")
        try {
            copyFileSync(join(DEFAULT_CONFIG_DIR, EXPOSURE_CONFIG_FILE), join(dir.path, EXPOSURE_CONFIG_FILE))
            writeFileSync(join(dir.path, RISK_CALCULATION_FILE), JSON.stringify({ format_version: 1, ...file }))
            return loadRiskConfig(dir.path)
        } finally {
            dir.remove()
        }
    }
    const highDays = (c: ReturnType<typeof loadRiskConfig>) =>
        dailyRisk(matches, c)
            .filter(d => d.highRisk)
            .map(d => d.date)

    test("COCOA's shipped files load and mark only the day with score ≥ 1350 and ≥ 900 s", () => {
        expect(highDays(loadRiskConfig())).toEqual(["2022-05-02"])
    })

    test("all five criteria NOP: low risk on every day, as COCOA answers, although every day has counted matches", () => {
        const c = withCriteria(criteria({}))
        const days = dailyRisk(matches, c)
        expect(days.map(d => d.matches)).toEqual([1, 2, 1])
        expect(days.some(d => d.highRisk)).toBe(false)
        // One criterion that always holds is no longer "all NOP": every day counts then.
        expect(highDays(withCriteria(criteria({ DailySummary_DaySummary_ScoreSum: [">=", 0] })))).toEqual(["2022-05-01", "2022-05-02", "2022-05-03"])
    })

    test('COCOA\'s "=" is equality and gives what "==" gives; an unknown operator is refused by name', () => {
        for (const [scoreOp, secondsOp] of [
            ["=", "="],
            ["==", "=="],
            ["=", "=="],
        ]) {
            const c = withCriteria(
                criteria({ DailySummary_DaySummary_ScoreSum: [scoreOp, 1503], ExposureWindow_ScanInstance_SecondsSinceLastScanSum: [secondsOp, 900] })
            )
            expect(c.dayCriteria.scoreSum).toEqual({ op: "=", value: 1503 })
            expect(highDays(c)).toEqual(["2022-05-02"])
        }
        // The shipped criteria written into a file of their own give the shipped file's days.
        const shipped = criteria({ DailySummary_DaySummary_ScoreSum: [">=", 1350], ExposureWindow_ScanInstance_SecondsSinceLastScanSum: [">=", 900] })
        expect(highDays(withCriteria(shipped))).toEqual(highDays(loadRiskConfig()))
        expect(() => withCriteria(criteria({ DailySummary_DaySummary_ScoreSum: ["=>", 1] }))).toThrow(
            /DailySummary_DaySummary_ScoreSum\.op: expected one of >= > <= < = NOP/
        )
    })

    test("the survey's exposure flag: COCOA's score-sum criterion on the day's highest window, whatever the check's configuration", () => {
        const days = dailyRisk(matches, withCriteria(criteria({})))
        // Day 1: one window of 1500 (≥ 1350, flagged although the day is not high risk); day 2: highest window 1500;
        // day 3: 900 (not flagged).
        expect(exposureDaysFromCheck(days)!.map(d => d.detected)).toEqual([true, true, false])
        expect(exposureDaysFromCheck(days, { op: "=", value: 900 })!.map(d => d.detected)).toEqual([false, false, true])
    })
})

describe("each RPI counts once", () => {
    // A key of 2026-04-01 and a record of its interval 60 heard for 3 scans (12 minutes at 240 s).
    const tek = randomBytes(16)
    const start = Math.floor(Date.UTC(2026, 3, 1) / 600_000)
    const keys = deriveDailyKeys(tek)
    const enin = start + 60
    const rpi = rollingProximityIdentifier(keys, enin)
    const aem = associatedEncryptedMetadata(keys, rpi, bluetoothMetadata(-8))
    const record = { rpi, aem, firstSeen: enin * 10 + 1, lastSeen: enin * 10 + 9, scans: 3, rssiMax: -50, rssiMean: -55, rssiMin: -60 }
    const key = { keyData: Buffer.from(tek), rollingStartIntervalNumber: start, rollingPeriod: 144 }
    const opts = { scanPeriodSeconds: 240 }
    const seconds = (r: ReturnType<typeof matchDiagnosisKeys>) => r.matches.reduce((s, m) => s + m.seconds, 0)

    test("a record written twice, or a key published twice, adds no exposure time", () => {
        const once = matchDiagnosisKeys([key], [record], opts)
        expect(seconds(once)).toBe(720)
        const twiceWritten = matchDiagnosisKeys([key], [record, { ...record }], opts)
        expect(seconds(twiceWritten)).toBe(720)
        expect(twiceWritten.stats).toMatchObject({ matches: 1, duplicateRpis: 1 })
        const twicePublished = matchDiagnosisKeys([key, { ...key }], [record], opts)
        expect(seconds(twicePublished)).toBe(720)
        expect(twicePublished.stats).toMatchObject({ matches: 1, duplicateRpis: 1 })
    })

    test("of several records of one RPI, the one with the most scans stands for it", () => {
        const partial = { ...record, lastSeen: record.firstSeen + 4, scans: 2 }
        for (const log of [
            [partial, record],
            [record, partial],
        ]) {
            const r = matchDiagnosisKeys([key], log, opts)
            expect(r.matches).toHaveLength(1)
            expect(r.matches[0].record.scans).toBe(3)
        }
    })
})
