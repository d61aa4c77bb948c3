// Contact log behaviour against the in-VM NOR flash (test mode has no outside services).
// Small sectors (512 bytes = 16 records) keep the suite fast under test mode's GC stress; the real
// 4 KiB × 254 geometry is covered by log-capacity.test.ts.
import { describe, test, expect } from "@devicescript/test"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { ContactLog, LOG_START, LogCursor } from "../../src/storage/contact-log"
import { decodeRecord, RECORD_SIZE } from "../../src/storage/contact-record"
import { LOG_HEADER_SIZE, RETENTION_MINUTES, recordsPerSector } from "../../src/storage/layout"
import { T0, recordImage, recordIndex, sameBytes, testRecord } from "./helpers/fixtures"
import { expectRejectionMentioning } from "./expect-error"

const SECTOR = 512
const SECTORS = 6
const PER_SECTOR = recordsPerSector(SECTOR) // 16
const REGION = { firstSector: 0, sectorCount: SECTORS }

function smallFlash() {
    return new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS })
}

/** Reads the whole log in chunks of `chunk` records; returns the records back to back. */
async function readAll(log: ContactLog, chunk = 7) {
    let cursor: LogCursor = LOG_START
    let all = Buffer.alloc(0)
    for (let guard = 0; guard < 1000; ++guard) {
        const c = await log.readChunk(cursor, chunk)
        all = all.concat(c.records)
        cursor = c.next
        if (c.done) return all
    }
    throw new Error("readAll: no end")
}

async function appendRange(log: ContactLog, from: number, to: number, lastSeenOf: (i: number) => number) {
    for (let i = from; i < to; ++i) await log.append(testRecord(i, lastSeenOf(i)))
}

/** Indices carried by the records, as a string like "3,4,5" (easy to compare and to print). */
function indices(records: Buffer) {
    const out: number[] = []
    for (let i = 0; i < records.length / RECORD_SIZE; ++i) out.push(recordIndex(records, i))
    return out.join(",")
}

function range(from: number, to: number) {
    const out: number[] = []
    for (let i = from; i < to; ++i) out.push(i)
    return out.join(",")
}

const minute = (i: number) => T0 + i

describe("contact log", () => {
    test("appends records and reads them back byte for byte", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        await appendRange(log, 0, 40, minute)
        const all = await readAll(log)
        expect(indices(all)).toBe(range(0, 40))
        for (let i = 0; i < 40; ++i) expect(sameBytes(all, i * RECORD_SIZE, recordImage(testRecord(i, minute(i))), 0, RECORD_SIZE)).toBe(true)
        const r = decodeRecord(all, 5 * RECORD_SIZE)
        const want = testRecord(5, minute(5))
        expect(r.firstSeen).toBe(want.firstSeen)
        expect(r.lastSeen).toBe(want.lastSeen)
        expect(r.scans).toBe(want.scans)
        expect(r.rssiMax).toBe(want.rssiMax)
        expect(r.rssiMean).toBe(want.rssiMean)
        expect(r.rssiMin).toBe(want.rssiMin)
        expect(r.aem.toString("hex")).toBe(want.aem.toString("hex"))
    })

    test("rejects a record it cannot store, without touching flash", async () => {
        const flash = smallFlash()
        const log = await ContactLog.open(flash, REGION)
        const r = testRecord(1, minute(1))
        r.lastSeen = r.firstSeen - 1
        // The reason, not just any error (a flash fault would also throw).
        await expectRejectionMentioning(async () => { await log.append(r) }, "lastSeen before firstSeen")
        expect(flash.stats.programs).toBe(0)
    })

    test("a reboot rebuilds the index: records, write position and order survive", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 37, minute)
        log = await ContactLog.open(flash, REGION)
        expect(log.stats().slotsUsed).toBe(37)
        await appendRange(log, 37, 42, minute)
        log = await ContactLog.open(flash, REGION)
        expect(indices(await readAll(log, 5))).toBe(range(0, 42))
        expect(log.stats().sectorsInUse).toBe(3)
    })

    test("a cursor resumes chunk by chunk, across sectors, appends and reboots", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 20, minute)
        let c = await log.readChunk(LOG_START, 6)
        expect(indices(c.records)).toBe(range(0, 6))
        expect(c.done).toBe(false)
        c = await log.readChunk(c.next, 100)
        expect(indices(c.records)).toBe(range(6, 20))
        expect(c.done).toBe(true)
        const saved = c.next
        await appendRange(log, 20, 30, minute)
        log = await ContactLog.open(flash, REGION)
        c = await log.readChunk(saved, 100)
        expect(indices(c.records)).toBe(range(20, 30))
        c = await log.readChunk(c.next, 100)
        expect(c.count).toBe(0)
        expect(c.done).toBe(true)
    })

    test("a full log reclaims the oldest sector first", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        const capacity = SECTORS * PER_SECTOR
        expect(log.stats().capacity).toBe(capacity)
        await appendRange(log, 0, capacity, minute)
        expect(indices(await readAll(log))).toBe(range(0, capacity))
        await log.append(testRecord(capacity, minute(capacity)))
        // The oldest sector (records 0..15) made room; everything newer is still there.
        expect(indices(await readAll(log))).toBe(range(PER_SECTOR, capacity + 1))
        await appendRange(log, capacity + 1, capacity + 40, minute)
        expect(indices(await readAll(log))).toBe(range(3 * PER_SECTOR, capacity + 40))
        expect(log.stats().guaranteedCapacity).toBe((SECTORS - 1) * PER_SECTOR)
    })

    test("a cursor into a reclaimed sector continues at the oldest record left", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        await appendRange(log, 0, 10, minute)
        const c = await log.readChunk(LOG_START, 3)
        await appendRange(log, 10, SECTORS * PER_SECTOR + 20, minute)
        const rest = await log.readChunk(c.next, 4)
        expect(indices(rest.records)).toBe(range(2 * PER_SECTOR, 2 * PER_SECTOR + 4))
    })

    test("expiry: a sector goes exactly when its newest record is 14 days old", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        // Sector A: records 0..15 last seen at T0..T0+15; sector B: 16..31 one day later.
        await appendRange(log, 0, PER_SECTOR, minute)
        await appendRange(log, PER_SECTOR, 2 * PER_SECTOR, i => T0 + 1440 + i)
        const newestA = T0 + PER_SECTOR - 1
        expect(await log.expire(newestA + RETENTION_MINUTES - 1)).toBe(0)
        expect(indices(await readAll(log))).toBe(range(0, 2 * PER_SECTOR))
        // The same after a reboot: the newest time of a full sector comes from its successor's header.
        log = await ContactLog.open(flash, REGION)
        expect(await log.expire(newestA + RETENTION_MINUTES - 1)).toBe(0)
        expect(await log.expire(newestA + RETENTION_MINUTES)).toBe(1)
        expect(indices(await readAll(log))).toBe(range(PER_SECTOR, 2 * PER_SECTOR))
        expect(flash.stats.erases > 0).toBe(true)
    })

    test("expiry of everything keeps sequence numbers (and sync cursors) counting up", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 20, minute)
        const c = await log.readChunk(LOG_START, 100)
        const newest = minute(19)
        expect(await log.expire(minute(PER_SECTOR - 1) + RETENTION_MINUTES - 1)).toBe(0)
        expect(await log.expire(newest + RETENTION_MINUTES)).toBe(2)
        expect((await readAll(log)).length).toBe(0)
        log = await ContactLog.open(flash, REGION)
        expect((await readAll(log)).length).toBe(0)
        await appendRange(log, 100, 103, i => newest + RETENTION_MINUTES + i)
        // The cursor saved before expiry finds exactly the new records.
        const after = await log.readChunk(c.next, 100)
        expect(indices(after.records)).toBe(range(100, 103))
    })

    test("a damaged record or header is skipped and counted, never returned", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 40, minute)
        // Clear bits (all NOR can do) in record 3's RPI, and in sector 1's header magic.
        await flash.program(LOG_HEADER_SIZE + 3 * RECORD_SIZE + 8, Buffer.alloc(1))
        await flash.program(SECTOR, Buffer.alloc(1))
        log = await ContactLog.open(flash, REGION)
        expect(log.stats().badHeaders).toBe(1)
        const all = await readAll(log)
        expect(indices(all)).toBe(range(0, 3) + "," + range(4, PER_SECTOR) + "," + range(2 * PER_SECTOR, 40))
        expect(log.stats().badRecords).toBe(1)
        // And the log goes on working.
        await appendRange(log, 40, 45, minute)
        expect(indices(await readAll(log))).toBe(range(0, 3) + "," + range(4, PER_SECTOR) + "," + range(2 * PER_SECTOR, 45))
    })

    test("wipe erases every sector and proves it by reading every byte back", async () => {
        const flash = smallFlash()
        const log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 70, minute)
        const report = await log.wipe()
        expect(report.sectorsErased).toBe(SECTORS)
        expect(report.bytesChecked).toBe(SECTORS * SECTOR)
        expect(report.bytesNotErased).toBe(0)
        expect((await readAll(log)).length).toBe(0)
        const reopened = await ContactLog.open(flash, REGION)
        expect(reopened.stats().sectorsInUse).toBe(0)
        await appendRange(reopened, 0, 3, minute)
        expect(indices(await readAll(reopened))).toBe(range(0, 3))
    })

    test("a reboot keeps each sector's expiry: the head sector is not erased early", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        // Five records in the head sector, seen at minutes 0..40; the newest at 40.
        for (let i = 0; i < 5; ++i) await log.append(testRecord(i, minute(i * 10)))
        log = await ContactLog.open(flash, REGION) // power cycle
        expect(await log.expire(minute(40) + RETENTION_MINUTES - 2)).toBe(0)
        expect(indices(await readAll(log))).toBe(range(0, 5))
        expect(await log.expire(minute(40) + RETENTION_MINUTES)).toBe(1)
        expect(indices(await readAll(log))).toBe("")
    })
})
