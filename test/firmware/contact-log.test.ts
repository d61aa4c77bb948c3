// Contact log behaviour against the in-VM NOR flash (test mode has no outside services).
// The RAM flash enforces the encrypted-flash rules (whole rows, each programmed once per erase;
// erased and destroyed rows read as noise), so every test here also shows the log never issues a
// program the flash service would refuse. Small sectors (512 bytes = 15 records) keep the suite fast under test mode's GC stress; the real
// 4 KiB × 253 geometry is covered by log-capacity.test.ts.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { ContactLog, LOG_START, LogCursor } from "../../src/storage/contact-log"
import { decodeRecord, recordLastSeen, RECORD_SIZE } from "../../src/storage/contact-record"
import { rowChecks } from "../../src/storage/checksum"
import { Flash, RowState } from "../../src/storage/flash"
import { MAX_RECORD_TIME, RETENTION_MINUTES, ROW_SIZE, canStoreTime, recordsPerSector } from "../../src/storage/layout"
import { T0, recordImage, recordIndex, sameBytes, testRecord } from "./helpers/fixtures"
import { expectRejectionMentioning } from "./expect-error"

const SECTOR = 512
const SECTORS = 6
const PER_SECTOR = recordsPerSector(SECTOR) // 15
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
const UNKNOWN = -1

/** lastSeen of the oldest record anywhere in the flash (every written row that checks, header
 *  rows or not, as someone with the chip and its key would find), or -1 when there is none. */
async function oldestInFlash(flash: RamNorFlash) {
    const g = await flash.geometry()
    const rows = g.sectorSize / ROW_SIZE
    let oldest = -1
    for (let sector = 0; sector < g.sectorCount; ++sector) {
        const states = await flash.rowStates(sector * g.sectorSize, rows)
        const buf = await flash.readRaw(sector * g.sectorSize, g.sectorSize)
        for (let row = 1; row < rows; ++row) {
            if (row % 16 === 15) await ds.sleep(0) // stay within the VM's time slice
            const at = row * ROW_SIZE
            if (states[row] !== RowState.Written || !rowChecks(buf, at)) continue
            const t = recordLastSeen(buf, at)
            if (oldest < 0 || t < oldest) oldest = t
        }
    }
    return oldest
}

/** The RAM flash, with a power cut armed when the next sector erase starts (`cutEraseAfter` bytes into it). */
class CutInErase implements Flash {
    cutEraseAfter = -1
    constructor(readonly ram: RamNorFlash) {}
    async geometry() {
        return await this.ram.geometry()
    }
    async read(offset: number, length: number) {
        return await this.ram.read(offset, length)
    }
    async program(offset: number, data: Buffer) {
        await this.ram.program(offset, data)
    }
    async destroy(offset: number, rows: number) {
        await this.ram.destroy(offset, rows)
    }
    async rowStates(offset: number, rows: number) {
        return await this.ram.rowStates(offset, rows)
    }
    async readRows(offset: number, rows: number) {
        return await this.ram.readRows(offset, rows)
    }
    async eraseSector(sector: number) {
        if (this.cutEraseAfter >= 0) this.ram.armPowerCut(this.cutEraseAfter)
        this.cutEraseAfter = -1
        await this.ram.eraseSector(sector)
    }
}

/** Records a full read returns: what records_held must say. */
async function recordsRead(log: ContactLog) {
    return (await readAll(log)).length / RECORD_SIZE
}

describe("contact log", () => {
    test("appends records and reads them back byte for byte", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        await appendRange(log, 0, 40, minute)
        const all = await readAll(log)
        expect(indices(all)).toBe(range(0, 40))
        expect(log.stats().records).toBe(40)
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
        await expectRejectionMentioning(async () => {
            await log.append(r)
        }, "lastSeen before firstSeen")
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

    test("expiry: a sector goes exactly when its newest record is 14 days old, older records before it", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        // Sector A: records 0..14 last seen at T0..T0+14; sector B: 15..29 one day later.
        await appendRange(log, 0, PER_SECTOR, minute)
        await appendRange(log, PER_SECTOR, 2 * PER_SECTOR, i => T0 + 1440 + i)
        const newestA = T0 + PER_SECTOR - 1
        expect(await log.expire(newestA + RETENTION_MINUTES - 5)).toBe(0)
        // Records 0..9 (last seen at or before newestA − 5) are destroyed in flash; the sector stays.
        expect(indices(await readAll(log))).toBe(range(PER_SECTOR - 5, 2 * PER_SECTOR))
        expect(await oldestInFlash(flash)).toBe(minute(PER_SECTOR - 5))
        expect(log.stats().records).toBe(PER_SECTOR + 5)
        // The same after a reboot: the newest time of a full sector comes from its successor's header.
        log = await ContactLog.open(flash, REGION)
        expect(log.stats().badRecords).toBe(0)
        expect(await log.expire(newestA + RETENTION_MINUTES - 1)).toBe(0)
        expect(indices(await readAll(log))).toBe(range(PER_SECTOR - 1, 2 * PER_SECTOR))
        expect(await log.expire(newestA + RETENTION_MINUTES)).toBe(1)
        expect(indices(await readAll(log))).toBe(range(PER_SECTOR, 2 * PER_SECTOR))
        expect(log.stats().records).toBe(PER_SECTOR)
        expect(flash.stats.erases > 0).toBe(true)
        // Destroyed rows are not damage: nothing counted as a bad record.
        expect(log.stats().badRecords).toBe(0)
    })

    test("read_log hands out no record 14 days old, even before housekeeping runs", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        await appendRange(log, 0, 10, i => minute(i * 60))
        let now = minute(4 * 60) + RETENTION_MINUTES
        log.setClock(() => now)
        // Records 0..4 (last seen at or before now − 14 days) are hidden although still in flash.
        expect(indices(await readAll(log))).toBe(range(5, 10))
        now = UNKNOWN
        expect(indices(await readAll(log))).toBe(range(0, 10))
        // With the clock unknown, the time of the latest expiry still holds.
        await log.expire(minute(6 * 60) + RETENTION_MINUTES)
        expect(indices(await readAll(log))).toBe(range(7, 10))
    })

    test("a slow-trickle owner (3 contacts a day, 60 days): nothing in flash past 15 days, nothing read past 14", async () => {
        // Real 4 KiB sectors: 127 records each, so one sector takes 42 days to fill at this rate.
        const flash = new RamNorFlash({ sectorSize: 4096, sectorCount: 4 })
        const region = { firstSector: 0, sectorCount: 4 }
        let log = await ContactLog.open(flash, region)
        let now = T0
        log.setClock(() => now)
        let index = 0
        for (let day = 0; day < 60; ++day) {
            // Contacts at 08:10, 12:40 and 19:05; housekeeping every 6 hours (the token: every minute).
            for (let h = 0; h < 24; h += 6) {
                for (const at of [490, 760, 1145]) if (at >= h * 60 && at < (h + 6) * 60) await log.append(testRecord(index++, T0 + day * 1440 + at))
                now = T0 + day * 1440 + (h + 6) * 60 - 1
                await log.expire(now)
                const inFlash = await oldestInFlash(flash)
                if (inFlash >= 0 && now - inFlash > 15 * 1440) throw new Error(`day ${day}: a record ${now - inFlash} minutes old is still in flash`)
                const read = await readAll(log)
                if (log.stats().records !== read.length / RECORD_SIZE)
                    throw new Error(`day ${day}: records_held says ${log.stats().records}, a full read returns ${read.length / RECORD_SIZE}`)
                for (let i = 0; i < read.length / RECORD_SIZE; ++i)
                    if (decodeRecord(read, i * RECORD_SIZE).lastSeen <= now - RETENTION_MINUTES)
                        throw new Error(`day ${day}: read_log handed out a record 14 days old`)
            }
            // A reboot now and then: expiry must still find the old records from the headers alone.
            if (day % 17 === 16) {
                log = await ContactLog.open(flash, region)
                log.setClock(() => now)
            }
        }
        // What is younger than 14 days remains readable: days 46..59 (it is day 59, 23:59).
        expect((await readAll(log)).length / RECORD_SIZE).toBe(14 * 3)
        expect(log.stats().badRecords).toBe(0)
    })

    test("a clock jump forward: records 14 days old by the new time go, younger ones stay", async () => {
        const flash = smallFlash()
        const log = await ContactLog.open(flash, REGION)
        // Records over 3 days, one every 6 hours.
        await appendRange(log, 0, 12, i => minute(i * 360))
        const jumped = minute(5 * 360) + RETENTION_MINUTES
        await log.expire(jumped)
        expect(indices(await readAll(log))).toBe(range(6, 12))
        expect(await oldestInFlash(flash)).toBe(minute(6 * 360))
    })

    test("a record older than its sector's header allows (clock set back) is still expired after a reboot", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 3, i => minute(10 * 1440 + i))
        await log.append(testRecord(3, minute(0))) // ten days back
        await appendRange(log, 4, 6, i => minute(10 * 1440 + i))
        log = await ContactLog.open(flash, REGION)
        await log.expire(minute(0) + RETENTION_MINUTES)
        expect(indices(await readAll(log))).toBe("0,1,2,4,5")
        expect(await oldestInFlash(flash)).toBe(minute(10 * 1440))
    })

    test("times a record cannot hold (after 2051-11) are refused loudly, nothing written", async () => {
        const flash = smallFlash()
        const log = await ContactLog.open(flash, REGION)
        const late = Math.idiv(MAX_RECORD_TIME, 60) + 1
        expect(canStoreTime(MAX_RECORD_TIME)).toBe(true)
        expect(canStoreTime(MAX_RECORD_TIME + 1)).toBe(false)
        expect(canStoreTime(1577836799)).toBe(false)
        let message = ""
        try {
            await log.append(testRecord(1, late))
        } catch (e: any) {
            message = e.message
        }
        expect(message.includes("outside 2020-01-01..2051-11-25")).toBe(true)
        message = ""
        try {
            await log.expire(late)
        } catch (e: any) {
            message = e.message
        }
        expect(message.includes("expiry time")).toBe(true)
        expect(flash.stats.programs).toBe(0)
        expect(flash.stats.erases).toBe(0)
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

    test("a damaged record or header is skipped and counted once, never returned", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 50, minute)
        // Flip bits in record 3's RPI (row 4 of sector 0), in sector 1's header magic, and in
        // record 33 (row 4 of sector 2). Sector 0 loses its successor's header, so boot scans it
        // and meets record 3; sector 2's successor is intact, so record 33 is first met by a read.
        flash.damage(4 * ROW_SIZE + 8, 0x10)
        flash.damage(SECTOR, 0x01)
        flash.damage(2 * SECTOR + 4 * ROW_SIZE + 20, 0x04)
        log = await ContactLog.open(flash, REGION)
        expect(log.stats().badHeaders).toBe(1)
        expect(log.stats().badRecords).toBe(1)
        const survivors = range(0, 3) + "," + range(4, PER_SECTOR) + "," + range(2 * PER_SECTOR, 33) + "," + range(34, 50)
        const all = await readAll(log)
        expect(indices(all)).toBe(survivors)
        expect(log.stats().badRecords).toBe(2)
        // Bad rows are destroyed when found: counted once, and records_held matches the read.
        expect(log.stats().records).toBe(all.length / RECORD_SIZE)
        expect(indices(await readAll(log))).toBe(survivors)
        expect(log.stats().badRecords).toBe(2)
        expect((await flash.rowStates(4 * ROW_SIZE, 1))[0]).toBe(RowState.Destroyed)
        expect((await flash.rowStates(2 * SECTOR + 4 * ROW_SIZE, 1))[0]).toBe(RowState.Destroyed)
        // And the log goes on working.
        await appendRange(log, 50, 55, minute)
        expect(indices(await readAll(log))).toBe(survivors + "," + range(50, 55))
        expect(flash.stats.refused).toBe(0)
    })

    test("a power cut anywhere in retiring an expired sector: once its header row is destroyed, it never comes back", async () => {
        // Sector A (records 0..14) expires; sector B (15..19) does not. Retiring A destroys its
        // header row, then erases it. A cut in the destroy may leave the row as it was (nothing
        // happened yet): then A is whole, as before the expiry. A cut anywhere in the erase, even at
        // its very start (nothing erased yet), leaves A gone for good.
        const cuts: { inErase: boolean; at: number }[] = []
        for (const at of [0, 1, 16, 31]) cuts.push({ inErase: false, at })
        for (const at of [0, 1, 100, 300, 511]) cuts.push({ inErase: true, at })
        for (const cut of cuts) {
            const ram = smallFlash()
            const flash = new CutInErase(ram)
            let log = await ContactLog.open(flash, REGION)
            await appendRange(log, 0, PER_SECTOR, minute)
            await appendRange(log, PER_SECTOR, PER_SECTOR + 5, i => minute(1440 + i))
            if (cut.inErase) flash.cutEraseAfter = cut.at
            else ram.armPowerCut(cut.at)
            try {
                await log.expire(minute(PER_SECTOR - 1) + RETENTION_MINUTES)
            } catch {}
            const where = `cut ${cut.at} bytes into the ${cut.inErase ? "erase" : "header destroy"}`
            if (!ram.isPowerOff()) throw new Error(`${where}: the cut did not happen`)
            ram.reboot()
            log = await ContactLog.open(ram, REGION) // the clock is unknown after the restart
            const read = indices(await readAll(log))
            const gone = read === range(PER_SECTOR, PER_SECTOR + 5)
            const untouched = read === range(0, PER_SECTOR + 5)
            if (!(gone || (untouched && !cut.inErase))) throw new Error(`${where}: read ${read} after the restart`)
            expect(log.stats().records).toBe(gone ? 5 : PER_SECTOR + 5)
        }
    })

    test("every write is whole rows into erased rows: the flash never has to refuse one", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        log.setClock(() => UNKNOWN)
        // Appends over several wraps, expiry of single records and of sectors, reboots between.
        for (let round = 0; round < 4; ++round) {
            await appendRange(log, round * 50, round * 50 + 50, i => minute(i * 100))
            await log.expire(minute((round * 50 + 20) * 100) + RETENTION_MINUTES)
            log = await ContactLog.open(flash, REGION)
        }
        expect(flash.stats.refused).toBe(0)
        expect(flash.stats.destroys > 0).toBe(true)
        expect(log.stats().records).toBe(await recordsRead(log))
    })

    test("an erased or destroyed row reads as noise, and the log never takes it for a record", async () => {
        const flash = smallFlash()
        const log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 5, minute)
        // Through flash encryption, an erased row is not 0xFF and a destroyed one not 0x00.
        const erasedRow = await flash.read(SECTOR - ROW_SIZE, ROW_SIZE)
        let ff = 0
        for (let i = 0; i < ROW_SIZE; ++i) if (erasedRow[i] === 0xff) ff++
        expect(ff < ROW_SIZE).toBe(true)
        await log.expire(minute(1) + RETENTION_MINUTES)
        const destroyedRow = await flash.read(ROW_SIZE, ROW_SIZE)
        let zeros = 0
        for (let i = 0; i < ROW_SIZE; ++i) if (destroyedRow[i] === 0) zeros++
        expect(zeros < ROW_SIZE).toBe(true)
        expect((await flash.readRaw(ROW_SIZE, ROW_SIZE)).toString("hex")).toBe(Buffer.alloc(ROW_SIZE).toString("hex"))
        expect(indices(await readAll(log))).toBe("2,3,4")
        expect(log.stats().records).toBe(3)
        expect(log.stats().badRecords).toBe(0)
    })

    test("the record count is what a full read hands out: damaged, destroyed and expired rows do not count", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        const held = async () => (await readAll(log)).length / RECORD_SIZE
        await appendRange(log, 0, 40, minute)
        expect(await log.countRecords()).toBe(40)
        // Damaged rows (their check value no longer matches): one in a full sector, one in the head
        // (a sector's row 0 is its header).
        flash.damage(ROW_SIZE + 3 * ROW_SIZE + 8, 0x10)
        flash.damage(2 * SECTOR + ROW_SIZE + 2 * ROW_SIZE + 8, 0x10)
        log = await ContactLog.open(flash, REGION)
        expect(await log.countRecords()).toBe(38)
        expect(await held()).toBe(38)
        // Expiry destroys records 0..10 in place; the sector stays with its younger records.
        await log.expire(minute(10) + RETENTION_MINUTES)
        expect(await held()).toBe(28)
        expect(await log.countRecords()).toBe(28)
        // The token's clock hides records 14 days old before housekeeping runs: not counted either.
        let now = minute(20) + RETENTION_MINUTES
        log.setClock(() => now)
        expect(await held()).toBe(18)
        expect(await log.countRecords()).toBe(18)
        // Clock unknown again: the latest expiry's time is the filter (records 11..20 are back).
        now = UNKNOWN
        await appendRange(log, 40, 45, i => minute(30 + i))
        expect(await log.countRecords()).toBe(await held())
        expect(await log.countRecords()).toBe(33)
        // A sector erased whole by expiry takes its records with it.
        await log.expire(minute(PER_SECTOR - 1) + RETENTION_MINUTES)
        expect(await log.countRecords()).toBe(await held())
    })

    test("a clock corrected back with the press: records from the false future go, expiry follows at once, new records are read, and no future time survives a reboot", async () => {
        const flash = smallFlash()
        let log = await ContactLog.open(flash, REGION)
        // 10 records at true times, then 30 stamped 10 days ahead (the clock ran ahead).
        const ahead = 10 * 1440
        await appendRange(log, 0, 10, minute)
        await appendRange(log, 10, 40, i => minute(ahead + i))
        await log.expire(minute(ahead + 40)) // housekeeping ran by the false clock
        const now = minute(20)
        expect(await log.followClockBack(now, true)).toBe(30)
        expect(indices(await readAll(log))).toBe(range(0, 10))
        expect(log.latestMinute() <= now).toBe(true)
        expect(await log.countRecords()).toBe(10)
        // Heard after the repair: read back (the latest expiry time came back with the clock).
        await appendRange(log, 40, 45, i => minute(i))
        expect(indices(await readAll(log))).toBe(range(0, 10) + "," + range(40, 45))
        log = await ContactLog.open(flash, REGION)
        expect(log.latestMinute() <= minute(44)).toBe(true)
        expect(indices(await readAll(log))).toBe(range(0, 10) + "," + range(40, 45))
        // An unpressed correction back only brings expiry's time back: nothing is destroyed.
        await appendRange(log, 45, 47, i => minute(i + 5))
        expect(await log.followClockBack(minute(46), false)).toBe(0)
        expect(indices(await readAll(log))).toBe(range(0, 10) + "," + range(40, 47))
        // 15 days ahead, housekeeping's latest time would hide every record of the day after the
        // repair; it comes back with the clock.
        log = await ContactLog.open(smallFlash(), REGION)
        await appendRange(log, 0, 5, i => minute(15 * 1440 + i))
        await log.expire(minute(15 * 1440 + 10))
        await log.followClockBack(minute(100), true)
        await appendRange(log, 5, 9, i => minute(100 + i))
        expect(indices(await readAll(log))).toBe(range(5, 9))
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
        // The sector stays; only its records 14 days old are gone.
        expect(indices(await readAll(log))).toBe("4")
        expect(await log.expire(minute(40) + RETENTION_MINUTES)).toBe(1)
        expect(indices(await readAll(log))).toBe("")
    })
})
