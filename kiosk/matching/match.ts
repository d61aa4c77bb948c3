// Matching: which of the token's observed RPIs came from a diagnosis key, and how close they were.
// For each key: derive the RPIs of its period (as lib/gaen rpisForKey, batched), look each up, and
// accept a sighting only if the token heard it within ±2 h (12 intervals) of the interval the RPI
// belongs to; an RPI heard later or earlier than that is a replay and not a match. The AEM is
// decrypted with the key's AEMK for the sender's TX power; a TX power outside −50…+20 dBm means a
// forged or broken advertisement and is rejected (as the reference implementation does).
// Each RPI counts once: a record written twice by the token, a second record of the same RPI or a
// key published twice would otherwise add its exposure time again (the record with the most scans
// stands for the RPI).
import {
    deriveAemk,
    decryptMetadata,
    TEK_ROLLING_PERIOD,
    EN_INTERVAL_SECONDS,
    RPI_ACCEPTANCE_WINDOW_INTERVALS,
    ACCEPTED_TX_POWER_MIN_DBM,
    ACCEPTED_TX_POWER_MAX_DBM,
    RPI_BYTES,
} from "../../lib/gaen/index.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import type { DiagnosisKey } from "../downloads/export-cache.js"
import { DiagnosisKeySet } from "../downloads/key-set.js"
import { ObservedRpiIndex } from "./rpi-index.js"
import { RpiDeriver } from "./rpi-derivation.js"

const MINUTES_PER_INTERVAL = EN_INTERVAL_SECONDS / 60
const DAY_MS = 86_400_000
const PROGRESS_EVERY = 10_000

export interface ExposureMatch {
    record: EncounterRecord
    key: DiagnosisKey
    /** The EN interval the RPI was derived for. */
    intervalNumber: number
    /** Sender's calibrated TX power from the decrypted metadata, dBm. */
    txPower: number
    /** TX power − mean RSSI (≥ 0): the typical attenuation of the sightings, dB. */
    attenuationDb: number
    /** TX power − strongest RSSI (≥ 0), dB. */
    minAttenuationDb: number
    /** Exposure time the sightings stand for: scans × the token's scan period. */
    seconds: number
    /** UTC midnight (ms) of the day of the first sighting: the exposure's day, as in GAEN. */
    dayMs: number
}

export interface MatchOptions {
    scanPeriodSeconds: number
    /** Called every PROGRESS_EVERY keys and at the end. */
    onProgress?(keysDone: number, keysTotal: number): void
}

/** The minutes [from, to] in which a sighting of the RPI of `intervalNumber` is genuine. */
export function acceptanceWindowMinutes(intervalNumber: number): { from: number; to: number } {
    return {
        from: (intervalNumber - RPI_ACCEPTANCE_WINDOW_INTERVALS) * MINUTES_PER_INTERVAL,
        to: (intervalNumber + RPI_ACCEPTANCE_WINDOW_INTERVALS + 1) * MINUTES_PER_INTERVAL - 1,
    }
}

/** Keys as the parser gives them, or in columns as a check downloads them. */
export type DiagnosisKeys = readonly DiagnosisKey[] | DiagnosisKeySet

/** Key number k as an object (from a key set: made anew, so hold on to it while it is needed). */
export function keyReader(keys: DiagnosisKeys): (k: number) => DiagnosisKey {
    return keys instanceof DiagnosisKeySet ? k => keys.get(k) : k => keys[k]
}

/** How a check found its sightings: the native addon (kiosk/matching/native) or this file's JS path. */
export type MatchEngine = "native" | "javascript"

export interface MatchStats {
    keys: number
    /** Keys skipped because they are malformed (wrong length, rolling period out of range). */
    malformedKeys: number
    rpisChecked: number
    /** RPIs found in the log, before the checks below. */
    sightings: number
    rejectedAsReplay: number
    rejectedTxPower: number
    /** Sightings of an RPI that already counted (a duplicate record or a key published twice). */
    duplicateRpis: number
    matches: number
    engine: MatchEngine
}

export function emptyMatchStats(keys: number, engine: MatchEngine): MatchStats {
    return { keys, malformedKeys: 0, rpisChecked: 0, sightings: 0, rejectedAsReplay: 0, rejectedTxPower: 0, duplicateRpis: 0, matches: 0, engine }
}

/** Export files carry rolling period 144 when it was left unset (proto2 default); 0 means the same in COCOA. */
export function effectiveRollingPeriod(key: DiagnosisKey): number {
    return key.rollingPeriod || TEK_ROLLING_PERIOD
}

/**
 * The rules a found sighting must pass to count (replay window, TX power), applied in the order the
 * sightings are found: by key, then interval, then record. Both the JS path below and the native
 * path (fast-match.ts) feed their sightings here, so they count exactly the same matches.
 */
export class SightingJudge {
    readonly matches: ExposureMatch[] = []
    /** The AEMK of the last key judged: sightings of one key arrive together. */
    private aemkOf?: { key: DiagnosisKey; aemk: Buffer }
    /** RPI (hex) → its match in `matches`: one per RPI. */
    private readonly matchOfRpi = new Map<string, number>()

    constructor(
        private readonly stats: MatchStats,
        private readonly scanPeriodSeconds: number
    ) {}

    /** A record whose RPI equals the key's RPI for `intervalNumber`. */
    judge(key: DiagnosisKey, intervalNumber: number, record: EncounterRecord): void {
        const stats = this.stats
        stats.sightings++
        // The record sums up every sighting of the RPI: all of them must lie in the window,
        // since sightings inside and outside it cannot be told apart any more.
        const window = acceptanceWindowMinutes(intervalNumber)
        if (record.firstSeen < window.from || record.lastSeen > window.to) {
            stats.rejectedAsReplay++
            return
        }
        if (this.aemkOf?.key !== key) this.aemkOf = { key, aemk: deriveAemk(key.keyData) }
        const { txPower } = decryptMetadata(this.aemkOf.aemk, record.rpi, record.aem)
        if (txPower < ACCEPTED_TX_POWER_MIN_DBM || txPower > ACCEPTED_TX_POWER_MAX_DBM) {
            stats.rejectedTxPower++
            return
        }
        const match: ExposureMatch = {
            record,
            key,
            intervalNumber,
            txPower,
            attenuationDb: Math.max(0, txPower - record.rssiMean),
            minAttenuationDb: Math.max(0, txPower - record.rssiMax),
            seconds: record.scans * this.scanPeriodSeconds,
            dayMs: Math.floor((record.firstSeen * 60_000) / DAY_MS) * DAY_MS,
        }
        const rpiHex = Buffer.from(record.rpi).toString("hex")
        const earlier = this.matchOfRpi.get(rpiHex)
        if (earlier === undefined) {
            this.matchOfRpi.set(rpiHex, this.matches.length)
            this.matches.push(match)
            stats.matches++
            return
        }
        stats.duplicateRpis++
        if (match.record.scans > this.matches[earlier].record.scans) this.matches[earlier] = match
    }
}

/** Today's JavaScript path: one key at a time on this thread. The reference for the native path. */
export function matchDiagnosisKeys(keys: DiagnosisKeys, records: readonly EncounterRecord[], o: MatchOptions): { matches: ExposureMatch[]; stats: MatchStats } {
    const stats = emptyMatchStats(keys.length, "javascript")
    const judge = new SightingJudge(stats, o.scanPeriodSeconds)
    scanKeys(keys, new ObservedRpiIndex(records), stats, o.onProgress, (key, interval, r) => judge.judge(key, interval, records[r]))
    return { matches: judge.matches, stats }
}

/**
 * The JavaScript scan: derives each key's RPIs and looks each up in `index`; `found` gets every hit
 * (key, the interval the RPI was derived for, record number) in key, interval, record order.
 * Counts malformed keys and the RPIs checked into `stats`.
 */
export function scanKeys(
    keys: DiagnosisKeys,
    index: ObservedRpiIndex,
    stats: MatchStats,
    onProgress: MatchOptions["onProgress"],
    found: (key: DiagnosisKey, intervalNumber: number, record: number, keyNumber: number) => void
): void {
    const deriver = new RpiDeriver()
    const keyAt = keyReader(keys)
    for (let k = 0; k < keys.length; k++) {
        if (k % PROGRESS_EVERY === 0) onProgress?.(k, keys.length)
        const key = keyAt(k)
        const period = effectiveRollingPeriod(key)
        let rpis: Buffer
        try {
            // derive() refuses a key that is not 16 bytes (lib/gaen deriveRpik) or a bad period.
            rpis = deriver.derive(key.keyData, key.rollingStartIntervalNumber, period)
        } catch {
            stats.malformedKeys++
            continue
        }
        stats.rpisChecked += period
        for (let i = 0; i < period; i++) {
            const interval = key.rollingStartIntervalNumber + i
            for (const r of index.find(rpis, i * RPI_BYTES, interval)) found(key, interval, r, k)
        }
    }
    onProgress?.(keys.length, keys.length)
}
