// Encounter records synthesized as a token logs them, from real GAEN keys through lib/gaen: what a
// listening token near a positive person holds, and strangers' records that match nothing. Shared
// by the kiosk and server tests and by bench/kiosk.bench.ts.
import { randomBytes } from "node:crypto"
import { deriveDailyKeys, identifiersFor, generateTemporaryExposureKey, type TemporaryExposureKey } from "../lib/gaen/index.js"
import type { EncounterRecord } from "../lib/token-sync/records.js"

export const DAY_MS = 86_400_000
export const SCAN_PERIOD_SECONDS = 240

/** A positive person's key for the UTC day `daysAgo` days before `now`. */
export function keyOfDay(now: number, daysAgo: number): TemporaryExposureKey {
    const dayStartMs = (Math.floor(now / DAY_MS) - daysAgo) * DAY_MS
    return generateTemporaryExposureKey(dayStartMs / 600_000)
}

export interface ContactOptions {
    /** When the meeting began (ms) and how long it lasted. */
    startMs: number
    minutes: number
    /** RSSI the listener measured, dBm (per-scan strongest). */
    rssi: number
    txPower?: number
    scanPeriodSeconds?: number
    /** Shift every sighting by this many minutes: a replay of the identifiers at another time. */
    heardLaterByMinutes?: number
}

/**
 * What a listening token logs while near a person broadcasting `key`: the sender's RPI changes at
 * each 10-minute interval here, the listener scans every scan period, and each RPI's scans are
 * summed into one record (first/last seen in Unix minutes, scans, RSSI max/mean/min).
 */
export function contactRecords(key: TemporaryExposureKey, o: ContactOptions): EncounterRecord[] {
    const daily = deriveDailyKeys(key.keyData)
    const period = (o.scanPeriodSeconds ?? SCAN_PERIOD_SECONDS) * 1000
    const byInterval = new Map<number, EncounterRecord>()
    for (let t = o.startMs; t < o.startMs + o.minutes * 60_000; t += period) {
        const enin = Math.floor(t / 600_000)
        const heardAt = Math.floor(t / 60_000) + (o.heardLaterByMinutes ?? 0)
        let r = byInterval.get(enin)
        if (!r) {
            const { rpi, aem } = identifiersFor(daily, enin, o.txPower ?? -8)
            r = { rpi, aem, firstSeen: heardAt, lastSeen: heardAt, scans: 0, rssiMax: o.rssi, rssiMean: o.rssi, rssiMin: o.rssi }
            byInterval.set(enin, r)
        }
        r.lastSeen = heardAt
        r.scans++
    }
    return [...byInterval.values()]
}

/** Strangers' identifiers: records that match no published key. */
export function strangerRecords(count: number, aroundMs: number): EncounterRecord[] {
    return Array.from({ length: count }, (_, i) => {
        const minute = Math.floor(aroundMs / 60_000) + (i % 600)
        return { rpi: randomBytes(16), aem: randomBytes(4), firstSeen: minute, lastSeen: minute + 4, scans: 2, rssiMax: -70, rssiMean: -75, rssiMin: -80 }
    })
}
