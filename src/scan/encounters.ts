// Per-identifier aggregates of what the token hears, kept in RAM while an identifier is in range and
// written to the contact log as one record when it is no longer heard (the scan after it went
// quiet). One record per RPI, thresholds applied later at the kiosk: risk rules change by
// configuration, as COCOA's did three times.
import * as ds from "@devicescript/core"
import { AEM_BYTES, RPI_BYTES, parseGaenAdvertisement } from "../gaen"
import { HeardEntry } from "../hardware/radio"
import { ContactRecord } from "../storage/contact-record"

interface Encounter {
    rpi: Buffer
    aem: Buffer
    /** Unix minutes. */
    firstSeen: number
    lastSeen: number
    scans: number
    rssiMax: number
    rssiMin: number
    rssiSum: number
    /** Number of the last scan that heard it. */
    lastScan: number
}

export interface ScanOutcome {
    /** GAEN identifiers heard in this scan. */
    heard: number
    /** Advertisements that were not GAEN, or malformed: ignored and counted, never logged. */
    ignored: number
    /** Records written to the log after this scan (identifiers no longer heard). */
    committed: number
}

/** Entries processed between yields: keeps a slice of VM work well under the InfiniteLoop limit. */
const YIELD_EVERY = 16

export class EncounterTracker {
    private open: Record<string, Encounter> = {}
    private openCount = 0
    private scanNumber = 0
    /** Totals since boot, for status. */
    ignoredTotal = 0
    committedTotal = 0
    failedWrites = 0

    /**
     * @param commit writes one record (the contact log's append)
     * @param maxOpen identifiers tracked at once; beyond it the stalest are committed early, so RAM
     *   stays bounded however crowded the room
     */
    constructor(
        private readonly commit: (r: ContactRecord) => Promise<void>,
        private readonly maxOpen = 400
    ) {}

    inRange(): number {
        return this.openCount
    }

    /** Folds one scan window's batch in; commits identifiers that this scan no longer heard. */
    async addScan(entries: HeardEntry[], nowMinutes: number): Promise<ScanOutcome> {
        const scan = ++this.scanNumber
        let heard = 0
        let ignored = 0
        for (let i = 0; i < entries.length; i++) {
            if (i % YIELD_EVERY === YIELD_EVERY - 1) await ds.sleep(0)
            const e = entries[i]
            const ids = parseGaenAdvertisement(e.payload)
            if (!ids || e.rssi < -127 || e.rssi > 20) {
                ignored++
                continue
            }
            heard++
            const key = ids.rpi.toString("hex")
            const enc = this.open[key]
            if (enc) {
                if (enc.lastScan === scan) continue
                enc.lastScan = scan
                enc.lastSeen = nowMinutes
                enc.scans++
                enc.rssiSum += e.rssi
                if (e.rssi > enc.rssiMax) enc.rssiMax = e.rssi
                if (e.rssi < enc.rssiMin) enc.rssiMin = e.rssi
                // AEM is bound to the RPI; keep the first one (a changed AEM would fail to decrypt).
            } else {
                this.open[key] = {
                    rpi: ids.rpi,
                    aem: ids.aem,
                    firstSeen: nowMinutes,
                    lastSeen: nowMinutes,
                    scans: 1,
                    rssiMax: e.rssi,
                    rssiMin: e.rssi,
                    rssiSum: e.rssi,
                    lastScan: scan,
                }
                this.openCount++
            }
        }
        this.ignoredTotal += ignored
        const committed = await this.commitWhere(enc => enc.lastScan !== scan)
        if (this.openCount > this.maxOpen) await this.commitStalest(this.openCount - this.maxOpen)
        return { heard, ignored, committed }
    }

    /** Writes every open encounter (before a planned stop, and when the time jumps). */
    async commitAll(): Promise<number> {
        return await this.commitWhere(() => true)
    }

    private async commitWhere(pred: (e: Encounter) => boolean): Promise<number> {
        let n = 0
        const keys = Object.keys(this.open)
        for (let i = 0; i < keys.length; i++) {
            const enc = this.open[keys[i]]
            if (!pred(enc)) continue
            await this.write(enc)
            delete this.open[keys[i]]
            this.openCount--
            n++
        }
        return n
    }

    private async commitStalest(count: number) {
        const open = this.open
        const all = Object.keys(open).map(k => open[k])
        all.sort((a, b) => a.lastScan - b.lastScan)
        const stale: Record<string, boolean> = {}
        for (let i = 0; i < count; i++) stale[all[i].rpi.toString("hex")] = true
        await this.commitWhere(e => !!stale[e.rpi.toString("hex")])
    }

    private async write(enc: Encounter) {
        try {
            await this.commit({
                rpi: enc.rpi,
                aem: enc.aem,
                firstSeen: enc.firstSeen,
                lastSeen: enc.lastSeen,
                scans: enc.scans,
                rssiMax: enc.rssiMax,
                rssiMean: Math.round(enc.rssiSum / enc.scans),
                rssiMin: enc.rssiMin,
            })
            this.committedTotal++
        } catch (err) {
            // A flash failure must not stop the token; the record is lost and counted.
            this.failedWrites++
            console.log(`encounters: record not written: ${err}`)
        }
    }
}

export const ENCOUNTER_ID_BYTES = RPI_BYTES + AEM_BYTES
