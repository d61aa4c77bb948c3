// The exposure check's fast path (kiosk/matching/fast-match.ts + native/rpi_scan.cc) against the
// reference: lib/gaen's rpisForKey and today's JS matcher (matchDiagnosisKeys). On this machine the
// native addon must have been built by `npm ci` and be the one in use: a silent fallback fails here.
import { describe, test, expect } from "vitest"
import { randomBytes, randomInt } from "node:crypto"
import { deriveDailyKeys, identifiersFor, rpisForKey } from "../../lib/gaen/index.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import type { DiagnosisKey } from "../../kiosk/downloads/export-cache.js"
import { acceptanceWindowMinutes, matchDiagnosisKeys, type ExposureMatch, type MatchStats } from "../../kiosk/matching/match.js"
import { matchDiagnosisKeysFast, type FastMatchOptions } from "../../kiosk/matching/fast-match.js"
import { loadRpiScan } from "../../kiosk/matching/native/addon.js"
import { DiagnosisKeySet } from "../../kiosk/downloads/key-set.js"
import { vectors } from "../gaen/vectors.js"

const SCAN = { scanPeriodSeconds: 240 }
const native = loadRpiScan()

/** Every variant of the fast path; each must give exactly the reference's matches. */
const VARIANTS: [string, FastMatchOptions][] = [
    ["native, this thread", { ...SCAN, threads: 0 }],
    ["native, 2 worker threads", { ...SCAN, threads: 2 }],
    ["native, portable SHA-256", { ...SCAN, threads: 0, portableSha256: true }],
    ["native, portable SHA-256 on workers", { ...SCAN, threads: 2, portableSha256: true }],
    ["JavaScript fallback", { ...SCAN, engine: "javascript" }],
]

/** A match as comparable data: which key (by content), interval and record, and what was computed from them. */
function summary(matches: ExposureMatch[], records: readonly EncounterRecord[]) {
    return matches.map(m => [keyFields(m.key), m.intervalNumber, records.indexOf(m.record), m.txPower, m.attenuationDb, m.minAttenuationDb, m.seconds, m.dayMs])
}

/** A key's fields as one comparable string (the TEK as hex, whatever kind of byte array holds it). */
function keyFields(k: DiagnosisKey): string {
    const tek = k.keyData instanceof Uint8Array ? Buffer.from(k.keyData).toString("hex") : String(k.keyData)
    return JSON.stringify([
        tek,
        k.keyData?.length,
        k.rollingStartIntervalNumber,
        k.rollingPeriod,
        k.transmissionRiskLevel,
        k.reportType,
        k.daysSinceOnsetOfSymptoms,
        k.variantOfConcern,
    ])
}

function withoutEngine(s: MatchStats) {
    const { engine: _, ...rest } = s
    return rest
}

describe("exposure check fast path", () => {
    test("the native matcher is built and in use on this machine (a silent fallback fails here)", async () => {
        expect(native.addon ? "loaded" : native.reason).toBe("loaded")
        const r = await matchDiagnosisKeysFast([], [], SCAN)
        expect(r.stats.engine).toBe("native")
        expect(r.fallbackReason).toBeUndefined()
    })

    test("native RPIs equal the official vectors and rpisForKey, with and without the CPU's SHA extensions", () => {
        const addon = native.addon!
        const before = addon.useShaExtensions()
        try {
            for (const sha of [true, false]) {
                addon.useShaExtensions(sha)
                const rpis = addon.deriveRpis(vectors.tek, vectors.rollingStart, vectors.rollingPeriod)
                expect(rpis.length).toBe(16 * vectors.rollingPeriod)
                for (const [i, row] of vectors.intervals.entries())
                    expect(
                        rpis.subarray(16 * (row.enin - vectors.rollingStart), 16 * (row.enin - vectors.rollingStart + 1)).toString("hex"),
                        `interval ${i}`
                    ).toBe(row.rpi.toString("hex"))
                for (const period of [144, 143, 9, 8, 7, 1]) {
                    const tek = randomBytes(16)
                    const start = randomInt(0, 2 ** 32 - 144)
                    expect(addon.deriveRpis(tek, start, period).equals(Buffer.concat(rpisForKey(tek, start, period).map(r => r.rpi)))).toBe(true)
                }
            }
        } finally {
            addon.useShaExtensions(before)
        }
        expect(() => addon.deriveRpis(randomBytes(15), 0, 144)).toThrow(/16 bytes/)
        expect(() => addon.deriveRpis(randomBytes(16), 0, 145)).toThrow(/1\.\.\.144/)
    })

    test("the official vectors' key is matched on all its advertised intervals by every path", async () => {
        const key: DiagnosisKey = {
            keyData: vectors.tek,
            rollingStartIntervalNumber: vectors.rollingStart,
            rollingPeriod: vectors.rollingPeriod,
            daysSinceOnsetOfSymptoms: 0,
            reportType: 1,
        }
        const records: EncounterRecord[] = vectors.intervals.map(row => {
            const minute = row.enin * 10 + 3
            return { rpi: row.rpi, aem: row.aem, firstSeen: minute, lastSeen: minute + 4, scans: 2, rssiMax: -60, rssiMean: -65, rssiMin: -70 }
        })
        const keys = [...Array.from({ length: 500 }, () => ({ ...key, keyData: randomBytes(16) })), key]
        const ref = matchDiagnosisKeys(keys, records, SCAN)
        expect(ref.stats.matches).toBe(vectors.intervals.length)
        expect(ref.matches.every(m => m.txPower === vectors.txPower)).toBe(true)
        for (const [name, o] of VARIANTS) {
            const r = await matchDiagnosisKeysFast(keys, records, o)
            expect(summary(r.matches, records), name).toEqual(summary(ref.matches, records))
        }
    })

    test("10,000 random keys with planted contacts: every path finds exactly rpisForKey's sightings and today's matches", async () => {
        const world = plantedWorld(10_000)
        const { keys, records } = world

        // Independent oracle for the sightings: lib/gaen's rpisForKey and a plain Map.
        const byRpi = new Map<string, number[]>()
        records.forEach((r, i) => byRpi.set(Buffer.from(r.rpi).toString("hex"), [...(byRpi.get(Buffer.from(r.rpi).toString("hex")) ?? []), i]))
        let sightings = 0,
            malformed = 0
        for (const k of keys) {
            let rpis
            try {
                rpis = rpisForKey(k.keyData, k.rollingStartIntervalNumber, k.rollingPeriod || 144)
            } catch {
                malformed++
                continue
            }
            for (const { rpi } of rpis) sightings += byRpi.get(rpi.toString("hex"))?.length ?? 0
        }

        const ref = matchDiagnosisKeys(keys, records, SCAN)
        expect(ref.stats.sightings).toBe(sightings)
        expect(ref.stats.malformedKeys).toBe(malformed)
        expect(malformed).toBe(world.expected.malformed)
        expect(sightings).toBe(world.expected.sightings)
        expect(ref.stats.rejectedAsReplay).toBe(world.expected.replays)
        expect(ref.stats.rejectedTxPower).toBe(world.expected.badTxPower)
        expect(ref.stats.duplicateRpis).toBe(world.expected.duplicates)
        expect(ref.stats.matches).toBe(world.expected.matches)

        // As a check downloads them: in a column set (malformed keys are kept whole there).
        const set = DiagnosisKeySet.from(keys)
        for (const [name, o] of [...VARIANTS.map(([n, v]) => [`${n}, key list`, v] as const), ...VARIANTS.map(([n, v]) => [`${n}, key set`, v] as const)]) {
            const progress: number[] = []
            const r = await matchDiagnosisKeysFast(name.endsWith("set") ? set : keys, records, { ...o, onProgress: done => progress.push(done) })
            expect(r.stats.engine, name).toBe(o.engine === "javascript" ? "javascript" : "native")
            expect(withoutEngine(r.stats), name).toEqual(withoutEngine(ref.stats))
            expect(summary(r.matches, records), name).toEqual(summary(ref.matches, records))
            expect(progress.at(-1), name).toBe(keys.length)
        }
    }, 120_000)

    test("fallback: an addon that cannot be loaded is named, and the JS path gives the same result", async () => {
        const missing = loadRpiScan("/nonexistent/rpi_scan.node")
        expect(missing.addon).toBeUndefined()
        expect(!missing.addon && missing.reason).toMatch(/native matcher not loaded.*npm ci/)
        const world = plantedWorld(2_000)
        const fast = await matchDiagnosisKeysFast(world.keys, world.records, SCAN)
        const fallback = await matchDiagnosisKeysFast(world.keys, world.records, { ...SCAN, engine: "javascript" })
        expect(fallback.stats.engine).toBe("javascript")
        expect(fallback.fallbackReason).toMatch(/JavaScript/)
        expect(summary(fallback.matches, world.records)).toEqual(summary(fast.matches, world.records))
        expect(fallback.stats.matches).toBe(world.expected.matches)
    })

    test("a key set gives back every key as it was given, malformed ones included", () => {
        const { keys } = plantedWorld(3_000)
        keys[5] = { ...keys[5], transmissionRiskLevel: 4, variantOfConcern: 2, daysSinceOnsetOfSymptoms: -14, reportType: undefined }
        keys[6] = { ...keys[6], rollingPeriod: 0 }
        keys[7] = { ...keys[7], reportType: 2 ** 40 } // not an int32: kept whole
        const set = DiagnosisKeySet.from(keys)
        expect(set.length).toBe(keys.length)
        expect([...set].map(keyFields)).toEqual(keys.map(keyFields))
        expect(set.get(7)).toBe(keys[7])
        expect(set.keptWhole().size).toBe(7) // the 6 malformed keys and the odd one
        expect(() => set.get(keys.length)).toThrow(/outside the set/)
    })

    test("a record whose RPI is not 16 bytes is refused by name, as by the JS path", async () => {
        const records = [{ rpi: randomBytes(15), aem: randomBytes(4), firstSeen: 0, lastSeen: 0, scans: 1, rssiMax: -60, rssiMean: -60, rssiMin: -60 }]
        await expect(matchDiagnosisKeysFast([], records, SCAN)).rejects.toThrow(/observed record 0: RPI must be 16 bytes/)
    })
})

/**
 * Random diagnosis keys over 14 days (full, cut and unset rolling periods, and some malformed
 * ones), a log of strangers, and planted sightings of some keys: genuine, at the edges of the ±12
 * interval window, just outside it, replayed hours later, with TX power at and beyond the accepted
 * −50…+20 dBm, and one RPI logged twice (it counts once). Returns what each rule should count.
 */
function plantedWorld(keyCount: number) {
    const today = 20_000 // a fixed UTC day: the matcher has no notion of "now"
    const keys: DiagnosisKey[] = Array.from({ length: keyCount }, (_, k) => ({
        keyData: randomBytes(16),
        rollingStartIntervalNumber: (today - (k % 14)) * 144,
        rollingPeriod: [144, 144, 144, 0, 37, 1][k % 6],
        daysSinceOnsetOfSymptoms: (k % 14) - 3,
        reportType: 1,
    }))
    const malformed: Partial<DiagnosisKey>[] = [
        { keyData: randomBytes(15) },
        { rollingPeriod: 145 },
        { rollingPeriod: -1 },
        { rollingStartIntervalNumber: -144 },
        { rollingStartIntervalNumber: 2.5 },
        { rollingStartIntervalNumber: 2 ** 32 - 100, rollingPeriod: 144 },
    ]
    malformed.forEach((m, i) => Object.assign(keys[17 + i * 101], m))

    const records: EncounterRecord[] = Array.from({ length: 5_000 }, () => {
        const minute = randomInt(today - 14, today + 1) * 1440 + randomInt(0, 1440)
        return { rpi: randomBytes(16), aem: randomBytes(4), firstSeen: minute, lastSeen: minute + 4, scans: 2, rssiMax: -70, rssiMean: -75, rssiMin: -80 }
    })
    const expected = { malformed: malformed.length, sightings: 0, replays: 0, badTxPower: 0, duplicates: 0, matches: 0 }
    const scenarios = [
        "genuine",
        "window edges",
        "one minute early",
        "one minute late",
        "replayed",
        "tx -50",
        "tx +20",
        "tx -51",
        "tx +21",
        "logged twice",
    ] as const
    const planted = new Set<number>()
    while (planted.size < Math.min(300, keyCount / 10)) {
        const k = randomInt(0, keyCount)
        if (!malformed.some((_, i) => 17 + i * 101 === k)) planted.add(k)
    }
    let n = 0
    for (const k of planted) {
        const key = keys[k]
        const scenario = scenarios[n++ % scenarios.length]
        const period = key.rollingPeriod || 144
        const enin = key.rollingStartIntervalNumber + randomInt(0, period)
        const tx = scenario.startsWith("tx ") ? Number(scenario.slice(3)) : randomInt(-30, 10)
        const { rpi, aem } = identifiersFor(deriveDailyKeys(key.keyData), enin, tx)
        const w = acceptanceWindowMinutes(enin)
        const heard = enin * 10 + randomInt(0, 10)
        let [first, last] = [heard, heard + randomInt(0, 30)]
        if (scenario === "window edges") [first, last] = [w.from, w.to]
        if (scenario === "one minute early") [first, last] = [w.from - 1, heard]
        if (scenario === "one minute late") [first, last] = [heard, w.to + 1]
        if (scenario === "replayed") [first, last] = [heard + 600, heard + 610]
        const record = { rpi, aem, firstSeen: first, lastSeen: last, scans: randomInt(1, 6), rssiMax: -55, rssiMean: -62, rssiMin: -70 }
        records.splice(randomInt(0, records.length + 1), 0, record)
        const copies = scenario === "logged twice" ? 2 : 1
        if (copies === 2) records.splice(randomInt(0, records.length + 1), 0, { ...record, rpi: Buffer.from(rpi), scans: 1 })
        expected.sightings += copies
        if (["one minute early", "one minute late", "replayed"].includes(scenario)) expected.replays += copies
        else if (scenario === "tx -51" || scenario === "tx +21") expected.badTxPower += copies
        else {
            expected.matches++
            expected.duplicates += copies - 1
        } // an RPI counts once
    }
    return { keys, records, expected }
}
