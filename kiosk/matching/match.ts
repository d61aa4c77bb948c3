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
    deriveAemk, decryptMetadata, TEK_ROLLING_PERIOD, EN_INTERVAL_SECONDS,
    RPI_ACCEPTANCE_WINDOW_INTERVALS, ACCEPTED_TX_POWER_MIN_DBM, ACCEPTED_TX_POWER_MAX_DBM, RPI_BYTES,
} from "../../lib/gaen/index.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import type { DiagnosisKey } from "../downloads/export-cache.js"
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

export function matchDiagnosisKeys(
    keys: readonly DiagnosisKey[],
    records: readonly EncounterRecord[],
    o: MatchOptions,
): { matches: ExposureMatch[]; stats: MatchStats } {
    const index = new ObservedRpiIndex(records)
    const deriver = new RpiDeriver()
    const stats: MatchStats = { keys: keys.length, malformedKeys: 0, rpisChecked: 0, sightings: 0, rejectedAsReplay: 0, rejectedTxPower: 0, duplicateRpis: 0, matches: 0 }
    const matches: ExposureMatch[] = []
    /** RPI (hex) → its match in `matches`: one per RPI. */
    const matchOfRpi = new Map<string, number>()
    for (let k = 0; k < keys.length; k++) {
        if (k % PROGRESS_EVERY === 0) o.onProgress?.(k, keys.length)
        const key = keys[k]
        // Export files carry rolling period 144 when it was left unset (proto2 default); 0 means the same in COCOA.
        const period = key.rollingPeriod || TEK_ROLLING_PERIOD
        let rpis: Buffer
        try {
            // derive() refuses a key that is not 16 bytes (lib/gaen deriveRpik) or a bad period.
            rpis = deriver.derive(key.keyData, key.rollingStartIntervalNumber, period)
        } catch {
            stats.malformedKeys++
            continue
        }
        stats.rpisChecked += period
        let aemk: Buffer | undefined
        for (let i = 0; i < period; i++) {
            const hits = index.find(rpis, i * RPI_BYTES)
            if (hits.length === 0) continue
            const intervalNumber = key.rollingStartIntervalNumber + i
            const rpi = rpis.subarray(i * RPI_BYTES, (i + 1) * RPI_BYTES)
            for (const r of hits) {
                stats.sightings++
                const record = records[r]
                // The record sums up every sighting of the RPI: all of them must lie in the window,
                // since sightings inside and outside it cannot be told apart any more.
                const window = acceptanceWindowMinutes(intervalNumber)
                if (record.firstSeen < window.from || record.lastSeen > window.to) {
                    stats.rejectedAsReplay++
                    continue
                }
                aemk ??= deriveAemk(key.keyData)
                const { txPower } = decryptMetadata(aemk, rpi, record.aem)
                if (txPower < ACCEPTED_TX_POWER_MIN_DBM || txPower > ACCEPTED_TX_POWER_MAX_DBM) {
                    stats.rejectedTxPower++
                    continue
                }
                const match: ExposureMatch = {
                    record, key, intervalNumber, txPower,
                    attenuationDb: Math.max(0, txPower - record.rssiMean),
                    minAttenuationDb: Math.max(0, txPower - record.rssiMax),
                    seconds: record.scans * o.scanPeriodSeconds,
                    dayMs: Math.floor((record.firstSeen * 60_000) / DAY_MS) * DAY_MS,
                }
                const rpiHex = rpi.toString("hex")
                const earlier = matchOfRpi.get(rpiHex)
                if (earlier === undefined) {
                    matchOfRpi.set(rpiHex, matches.length)
                    matches.push(match)
                    continue
                }
                stats.duplicateRpis++
                if (match.record.scans > matches[earlier].record.scans) matches[earlier] = match
            }
        }
    }
    stats.matches = matches.length
    o.onProgress?.(keys.length, keys.length)
    return { matches, stats }
}
