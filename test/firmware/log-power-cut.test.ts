// Hundreds of power cuts at random bytes of programs and erases (appends, sector reclaims, expiry),
// with the log reopened and checked after each one. One log lives through all trials, so damage
// from earlier cuts (torn slots, half-erased sectors) is still around when later ones happen.
//
// After every reboot:
// - every record returned is byte-identical to one that was appended (never a corrupted record),
//   in append order, without duplicates;
// - every record whose append completed is still there, unless the log was entitled to drop it
//   (older than the newest (sectors − 1) × recordsPerSector appends, or expired by an expire()
//   call that had started); at most the record being written when power went is lost;
// - between two records returned, nothing committed is missing;
// - records_held (stats().records) equals the number a full read returned;
// - the flash never had to refuse a write (whole rows, each programmed once per erase).
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { RamNorFlash, POWER_CUT_MESSAGE } from "../../src/storage/ram-flash"
import { ContactLog, LOG_START, LogCursor } from "../../src/storage/contact-log"
import { RECORD_SIZE } from "../../src/storage/contact-record"
import { RETENTION_MINUTES, recordsPerSector } from "../../src/storage/layout"
import { Rng, T0, recordImage, recordIndex, sameBytes, testRecord } from "./helpers/fixtures"

const SECTOR = 512
const SECTORS = 6
const PER_SECTOR = recordsPerSector(SECTOR)
const REGION = { firstSector: 0, sectorCount: SECTORS }
const TRIALS = 300
const SEED = 20240301
/** The log can only hold records among the last SECTORS × PER_SECTOR appends: remember that many (and more). */
const WINDOW = 256

/** Facts about the most recent WINDOW records, indexed by append number, in fixed memory. */
class RecentRecords {
    private readonly lastSeenOf = Buffer.alloc(WINDOW * 4)
    private readonly lostFlag = Buffer.alloc(WINDOW)
    count = 0
    maybeLostCount = 0
    add(lastSeen: number) {
        const i = this.count++
        this.lastSeenOf.setAt((i % WINDOW) * 4, "u32", lastSeen)
        this.lostFlag[i % WINDOW] = 0
        return i
    }
    known(i: number) {
        return i >= 0 && i < this.count && i >= this.count - WINDOW
    }
    lastSeen(i: number) {
        return this.lastSeenOf.getAt((i % WINDOW) * 4, "u32")
    }
    /** Power went while record i was being appended: it may or may not have been stored. */
    markMaybeLost(i: number) {
        this.lostFlag[i % WINDOW] = 1
        this.maybeLostCount++
    }
    maybeLost(i: number) {
        return this.lostFlag[i % WINDOW] === 1
    }
}

describe("contact log under power cuts", () => {
    test(`${TRIALS} random power cuts lose at most the record being written`, async () => {
        const rng = new Rng(SEED)
        const flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS, damageSeed: rng.int(0x7fffffff) })
        let log = await ContactLog.open(flash, REGION)
        const records = new RecentRecords()
        let now = T0
        let expiredUpTo = -1 // the largest `now` any expire() call started with
        let cutsInAppend = 0
        let cutsInExpire = 0
        let badSlotsSeen = 0

        for (let trial = 0; trial < TRIALS; ++trial) {
            // Bytes of work before the cut: up to two erases plus a few records.
            flash.armPowerCut(rng.int(2 * SECTOR + 400))
            for (let step = 0; step < 200 && !flash.isPowerOff(); ++step) {
                now += 1 + rng.int(400) // minutes; the log spans days to weeks, so expiry matters
                let appending = -1
                try {
                    if (rng.int(10) === 0) {
                        expiredUpTo = now
                        await log.expire(now)
                    } else {
                        appending = records.add(now)
                        await log.append(testRecord(appending, now))
                    }
                } catch (e) {
                    if ((e as Error).message !== POWER_CUT_MESSAGE) throw e
                    if (appending >= 0) {
                        records.markMaybeLost(appending)
                        cutsInAppend++
                    } else cutsInExpire++
                }
            }
            flash.reboot()
            log = await ContactLog.open(flash, REGION)

            // Read everything back, in random chunk sizes; check each record's bytes and order.
            const badBefore = log.stats().badRecords
            let previous = -1
            let firstHeld = -1
            let held = 0
            let cursor: LogCursor = LOG_START
            for (;;) {
                const c = await log.readChunk(cursor, 1 + rng.int(20))
                for (let i = 0; i < c.count; ++i) {
                    const index = recordIndex(c.records, i)
                    const intact =
                        records.known(index) && sameBytes(c.records, i * RECORD_SIZE, recordImage(testRecord(index, records.lastSeen(index))), 0, RECORD_SIZE)
                    if (!intact) throw new Error(`trial ${trial}: a record that was never written came back (index ${index})`)
                    if (index <= previous) throw new Error(`trial ${trial}: order broken at ${previous} → ${index}`)
                    // Nothing committed may be missing between two records returned...
                    for (let k = previous < 0 ? index : previous + 1; k < index; ++k)
                        if (!records.maybeLost(k)) throw new Error(`trial ${trial}: committed record ${k} missing before ${index}`)
                    if (firstHeld < 0) firstHeld = index
                    previous = index
                    held++
                }
                cursor = c.next
                if (c.done) break
            }
            badSlotsSeen += log.stats().badRecords - badBefore
            if (log.stats().records !== held) throw new Error(`trial ${trial}: records_held says ${log.stats().records}, a full read returned ${held}`)
            // ...nor after the last one, nor anything the log had no right to drop yet.
            let mustFrom = Math.max(0, records.count - (SECTORS - 1) * PER_SECTOR)
            while (mustFrom < records.count && records.lastSeen(mustFrom) + RETENTION_MINUTES <= expiredUpTo) mustFrom++
            const first = held ? firstHeld : records.count
            for (let k = Math.max(mustFrom, previous + 1); k < records.count; ++k)
                if (!records.maybeLost(k)) throw new Error(`trial ${trial}: committed record ${k} lost at the end (newest held ${previous})`)
            if (held && mustFrom < first) {
                for (let k = mustFrom; k < first; ++k)
                    if (!records.maybeLost(k)) throw new Error(`trial ${trial}: committed record ${k} lost at the start (${held} held)`)
            }
            await ds.sleep(0)
        }
        console.log(
            `power cuts: ${cutsInAppend} in appends, ${cutsInExpire} in expiry, ${flash.stats.powerCutsInErase} of them inside an erase; ${records.count} records appended, ${records.maybeLostCount} in flight at a cut; bad slots skipped ${badSlotsSeen}; bad headers at last boot ${log.stats().badHeaders}`
        )
        expect(cutsInAppend + cutsInExpire > TRIALS * 0.9).toBe(true)
        expect(cutsInExpire > 5).toBe(true)
        expect(flash.stats.powerCuts).toBe(cutsInAppend + cutsInExpire)
        expect(flash.stats.refused).toBe(0)
        // Cuts really landed inside erases too (an erase is SECTOR bytes of work, a record 32).
        expect(flash.stats.powerCutsInErase > TRIALS / 10).toBe(true)
    })
})
