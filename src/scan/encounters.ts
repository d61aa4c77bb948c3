// Per-identifier aggregates of what the token hears, kept in RAM while an identifier is in range and
// written to the contact log as one record when it is no longer heard (the scan after it went
// quiet). One record per RPI, thresholds applied later at the kiosk: risk rules change by
// configuration, as COCOA's did three times.
//
// Memory is fixed and small: one table of `capacity` slots of 32 bytes, allocated once (12.8 KB for
// 400 identifiers), no object per identifier. When the table is full, the stalest identifier is
// written early to make room, so RAM stays bounded however crowded the room.
//
// Two fibers use the tracker at once: the scanner (addScan) and a kiosk's log read (commitAll).
// No slot index is ever held across an await: deciding which identifiers leave only marks their
// slots (synchronously), and one writer at a time takes a marked slot out of the table and writes
// it, so each slot becomes exactly one record, and commitAll returns only once everything marked
// before it is in the log.
import * as ds from "@devicescript/core"
import { AEM_BYTES, RPI_BYTES, findGaenIdentifiers } from "../gaen"
import { HeardView, ScanBatch, forEachHeard } from "../hardware/radio"
import { ContactRecord } from "../storage/contact-record"
import { Mutex } from "../storage/mutex"

// Slot layout (32 bytes).
const SLOT_BYTES = 32
const AT_RPI = 0
const AT_AEM = 16
const AT_FIRST_SEEN = 20 // u32 Unix minutes
const AT_SEEN_FOR = 24 // u16 minutes from first to last seen
const AT_SCANS = 26 // u8
const AT_RSSI_MAX = 27 // i8
const AT_RSSI_MIN = 28 // i8
const AT_RSSI_SUM = 29 // i16 (255 scans × −128 still fits)
const AT_LAST_SCAN = 31 // u8: scan number mod 256 that last heard it

export const DEFAULT_TRACKED_IDENTIFIERS = 400

export interface ScanOutcome {
    /** GAEN identifiers heard in this scan. */
    heard: number
    /** Advertisements that were not GAEN, or malformed: ignored and counted, never logged. */
    ignored: number
    /** Records written to the log after this scan (identifiers no longer heard). */
    committed: number
}

/** Heard entries folded between yields: each searches the whole table without yielding (so no
 *  other fiber moves slots meanwhile), so one per slice keeps the VM well under its InfiniteLoop
 *  limit with 400 identifiers tracked (8 per slice crashed a simulated token in a crowd of 200). */
const YIELD_EVERY = 1

export class EncounterTracker {
    private readonly table: Buffer
    /** Per slot: 1 when the identifier is done and waits to be written (moves with its slot). */
    private readonly leaving: Buffer
    /** One fiber writes marked slots at a time. */
    private readonly writer = new Mutex()
    private count = 0
    private scanNumber = 0
    /** Totals since boot, for status. */
    ignoredTotal = 0
    committedTotal = 0
    failedWrites = 0

    /** @param commit writes one record (the contact log's append) */
    constructor(
        private readonly commit: (r: ContactRecord) => Promise<void>,
        readonly capacity = DEFAULT_TRACKED_IDENTIFIERS
    ) {
        this.table = Buffer.alloc(capacity * SLOT_BYTES)
        this.leaving = Buffer.alloc(capacity)
    }

    inRange(): number {
        return this.count
    }

    /** Folds one scan window in; writes identifiers that this scan no longer heard. */
    async addScan(batch: ScanBatch, nowMinutes: number): Promise<ScanOutcome> {
        this.scanNumber = (this.scanNumber + 1) & 0xff
        const scan = this.scanNumber
        let heard = 0
        let ignored = 0
        let seen = 0
        const self = this
        await forEachHeard(batch, async (e: HeardView) => {
            if (++seen % YIELD_EVERY === 0) await ds.sleep(0)
            const at = findGaenIdentifiers(e.page, e.payloadAt, e.payloadLength)
            if (at < 0 || e.rssi < -127 || e.rssi > 20) {
                ignored++
                return
            }
            heard++
            let slot = self.find(e.page, at)
            if (slot < 0 && self.count >= self.capacity) {
                // Full: the stalest identifier is written early to make room; slots move meanwhile.
                self.leaving[self.stalest()] = 1
                await self.writeLeaving()
                slot = self.find(e.page, at)
            }
            self.fold(e.page, at, e.rssi, nowMinutes, scan, slot)
        })
        this.ignoredTotal += ignored
        let committed = 0
        for (let i = 0; i < this.count; i++) {
            if (this.leaving[i] || this.table[i * SLOT_BYTES + AT_LAST_SCAN] === scan) continue
            this.leaving[i] = 1
            committed++
        }
        await this.writeLeaving()
        return { heard, ignored, committed }
    }

    /** Writes every identifier still open (when a kiosk reads the log); returns once they are in
     *  the log, with everything another fiber had marked before. */
    async commitAll(): Promise<number> {
        let n = 0
        for (let i = 0; i < this.count; i++) {
            if (this.leaving[i]) continue
            this.leaving[i] = 1
            n++
        }
        await this.writeLeaving()
        return n
    }

    /** Forgets every open identifier without writing it (decommission). */
    discardAll() {
        this.count = 0
        this.table.fillAt(0, this.table.length, 0)
        this.leaving.fillAt(0, this.leaving.length, 0)
    }

    /** Synchronous (see the file header). `slot`: find()'s answer, taken with no await since. */
    private fold(page: Buffer, idsAt: number, rssi: number, now: number, scan: number, slot: number) {
        const t = this.table
        if (slot >= 0) {
            const o = slot * SLOT_BYTES
            if (t[o + AT_LAST_SCAN] === scan) return
            t[o + AT_LAST_SCAN] = scan
            t.setAt(o + AT_SEEN_FOR, "u16", Math.min(0xffff, now - t.getAt(o + AT_FIRST_SEEN, "u32")))
            t[o + AT_SCANS] = Math.min(255, t[o + AT_SCANS] + 1)
            if (t[o + AT_SCANS] < 255) t.setAt(o + AT_RSSI_SUM, "i16", t.getAt(o + AT_RSSI_SUM, "i16") + rssi)
            if (rssi > t.getAt(o + AT_RSSI_MAX, "i8")) t.setAt(o + AT_RSSI_MAX, "i8", rssi)
            if (rssi < t.getAt(o + AT_RSSI_MIN, "i8")) t.setAt(o + AT_RSSI_MIN, "i8", rssi)
            // The AEM is bound to the RPI; the first one is kept.
            return
        }
        if (this.count >= this.capacity) return // every slot is leaving: another fiber is writing them
        this.leaving[this.count] = 0
        const o = this.count++ * SLOT_BYTES
        t.blitAt(o + AT_RPI, page, idsAt, RPI_BYTES + AEM_BYTES)
        t.setAt(o + AT_FIRST_SEEN, "u32", now)
        t.setAt(o + AT_SEEN_FOR, "u16", 0)
        t[o + AT_SCANS] = 1
        t.setAt(o + AT_RSSI_MAX, "i8", rssi)
        t.setAt(o + AT_RSSI_MIN, "i8", rssi)
        t.setAt(o + AT_RSSI_SUM, "i16", rssi)
        t[o + AT_LAST_SCAN] = scan
    }

    /** The open (not leaving) slot holding this RPI, or -1. Compares the first 4 bytes, then the
     *  rest. Synchronous: ≤ 400 slots are a few thousand VM opcodes. */
    private find(page: Buffer, rpiAt: number): number {
        const t = this.table
        const head = page.getAt(rpiAt, "u32")
        for (let i = 0; i < this.count; i++) {
            const o = i * SLOT_BYTES
            if (t.getAt(o, "u32") !== head || this.leaving[i]) continue
            let same = true
            for (let k = 4; k < RPI_BYTES && same; k++) if (t[o + k] !== page[rpiAt + k]) same = false
            if (same) return i
        }
        return -1
    }

    private stalest(): number {
        const t = this.table
        let best = 0
        let bestLast = Infinity
        for (let i = 0; i < this.count; i++) {
            if (this.leaving[i]) continue
            const o = i * SLOT_BYTES
            const last = t.getAt(o + AT_FIRST_SEEN, "u32") + t.getAt(o + AT_SEEN_FOR, "u16")
            if (last < bestLast) {
                bestLast = last
                best = i
            }
        }
        return best
    }

    /** Writes every slot marked leaving, one at a time, each taken out of the table before the
     *  write awaits. Returns when none is left (also those another fiber marked). */
    private async writeLeaving() {
        await this.writer.lock()
        try {
            for (;;) {
                let i = this.count - 1
                while (i >= 0 && !this.leaving[i]) i--
                if (i < 0) return
                await this.writeAndRemove(i)
            }
        } finally {
            this.writer.unlock()
        }
    }

    /** Takes slot i out of the table (the last slot moves into its place), then writes its record. */
    private async writeAndRemove(i: number) {
        const t = this.table
        const o = i * SLOT_BYTES
        const scans = t[o + AT_SCANS]
        const firstSeen = t.getAt(o + AT_FIRST_SEEN, "u32")
        const record: ContactRecord = {
            rpi: t.slice(o + AT_RPI, o + AT_RPI + RPI_BYTES),
            aem: t.slice(o + AT_AEM, o + AT_AEM + AEM_BYTES),
            firstSeen,
            lastSeen: firstSeen + t.getAt(o + AT_SEEN_FOR, "u16"),
            scans,
            rssiMax: t.getAt(o + AT_RSSI_MAX, "i8"),
            // The sum stops at 254 scans (it would overflow); the mean is of those.
            rssiMean: Math.round(t.getAt(o + AT_RSSI_SUM, "i16") / Math.min(scans, 254)),
            rssiMin: t.getAt(o + AT_RSSI_MIN, "i8"),
        }
        const last = (this.count - 1) * SLOT_BYTES
        if (o !== last) {
            t.blitAt(o, t, last, SLOT_BYTES)
            this.leaving[i] = this.leaving[this.count - 1]
        }
        this.leaving[this.count - 1] = 0
        this.count--
        try {
            await this.commit(record)
            this.committedTotal++
        } catch (err) {
            // A flash failure must not stop the token; the record is lost and counted.
            this.failedWrites++
            console.log(`encounters: record not written: ${err}`)
        }
    }
}
