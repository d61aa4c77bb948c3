// The log's digest (services/token-sync.md, read_log_digest): per record its slot and the first 4
// bytes of its RPI, in pages of one sector whose first sightings lie within 2 hours, so that a kiosk
// finds its candidates from a few packets and reads the whole records of those only. Shown here
// against the contact log on the in-VM NOR flash (small sectors of 15 records) and through the
// token-sync server's answer (the fake hardware of helpers/fake-hardware.ts, a button the test presses).
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { deleteSetting } from "@devicescript/settings"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { ContactLog, DIGEST_ENTRY_BYTES, DigestPage, LOG_START, LogCursor } from "../../src/storage/contact-log"
import { RECORD_SIZE, decodeRecord } from "../../src/storage/contact-record"
import { MINUTES_PER_EN_INTERVAL, RETENTION_MINUTES, ROW_SIZE, recordsPerSector } from "../../src/storage/layout"
import { Token } from "../../src/token"
import { TokenSyncServer } from "../../src/sync/sync-server"
import { OwnerButton } from "../../src/sync/owner-button"
import { HOST_USB } from "../../src/sync/presence"
import { T0, testRecord } from "./helpers/fixtures"
import { Light, fakeHardware } from "./helpers/fake-hardware"

const SECTOR = 512
const SECTORS = 6
const PER_SECTOR = recordsPerSector(SECTOR) // 15
const REGION = { firstSector: 0, sectorCount: SECTORS }
const Layout = ds.TokenSyncLayout
const MAX_SPAN = Layout.DigestMaxSpanIntervals

const minute = (i: number) => T0 + i

function smallFlash() {
    return new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS })
}

async function appendRange(log: ContactLog, from: number, to: number, lastSeenOf: (i: number) => number) {
    for (let i = from; i < to; ++i) await log.append(testRecord(i, lastSeenOf(i)))
}

/** The record indices a full read_log hands out, as "3,4,5". */
async function readAllIndices(log: ContactLog) {
    let cursor: LogCursor = LOG_START
    const out: number[] = []
    for (let guard = 0; guard < 1000; ++guard) {
        const c = await log.readChunk(cursor, 7)
        for (let i = 0; i < c.count; ++i) out.push(c.records.getAt(i * RECORD_SIZE, "u32"))
        cursor = c.next
        if (c.done) return out.join(",")
    }
    throw new Error("readAllIndices: no end")
}

function range(from: number, to: number) {
    const out: number[] = []
    for (let i = from; i < to; ++i) out.push(i)
    return out.join(",")
}

/** readDigestPages' pages, each with a copy of its entries (the log hands out one buffer for all). */
async function digestPages(log: ContactLog, cursor: LogCursor, maxEntries: number, maxSpan: number, maxPages: number) {
    const pages: DigestPage[] = []
    await log.readDigestPages(cursor, maxEntries, maxSpan, maxPages, async p => {
        pages.push({
            entries: p.entries.slice(0, p.count * DIGEST_ENTRY_BYTES),
            count: p.count,
            from: p.from,
            next: p.next,
            done: p.done,
            firstInterval: p.firstInterval,
            span: p.span,
        })
    })
    return pages
}

/** The token-sync server's answer pages to read_log_digest with `arg`. */
async function serverPages(server: TokenSyncServer, arg: Buffer) {
    const pages: Buffer[] = []
    await server.readLogDigestPages(arg, HOST_USB, async p => {
        pages.push(p)
    })
    return pages
}

function sameCursor(a: LogCursor, b: LogCursor) {
    return a.seq === b.seq && a.slot === b.slot
}

/**
 * Reads the whole digest in bursts of `burst` pages of at most `maxEntries`, checking every page
 * against the records themselves: each entry's (sector, slot) is where read_log finds the record
 * whose RPI starts with the entry's prefix (the test records carry their index there), the page's
 * first interval and span cover its records' first sightings, a page stays within one sector and
 * the limits. With `dropLastOfBurst`, the last page of every burst of more than one is lost: the
 * reader asks again from the last page it kept. Returns the indices in digest order.
 */
async function readDigest(log: ContactLog, maxEntries: number, burst: number, dropLastOfBurst = false) {
    let cursor: LogCursor = LOG_START
    const out: number[] = []
    for (let guard = 0; guard < 1000; ++guard) {
        let pages = await digestPages(log, cursor, maxEntries, MAX_SPAN, burst)
        if (dropLastOfBurst && pages.length > 1) pages = pages.slice(0, pages.length - 1)
        for (const page of pages) {
            expect(sameCursor(page.from, cursor)).toBe(true)
            await checkPage(log, page, maxEntries)
            for (let e = 0; e < page.count; ++e) out.push(page.entries.getAt(e * DIGEST_ENTRY_BYTES + 1, "u32"))
            cursor = page.next
            if (page.done) return out.join(",")
        }
    }
    throw new Error("readDigest: no end")
}

async function checkPage(log: ContactLog, page: DigestPage, maxEntries: number) {
    expect(page.count <= maxEntries).toBe(true)
    expect(page.entries.length >= page.count * DIGEST_ENTRY_BYTES).toBe(true)
    expect(page.span <= MAX_SPAN).toBe(true)
    let lowest = -1
    let highest = -1
    let previousSlot = -1
    for (let e = 0; e < page.count; ++e) {
        const at = e * DIGEST_ENTRY_BYTES
        const slot = page.entries[at]
        expect(slot > previousSlot && slot < PER_SECTOR).toBe(true)
        previousSlot = slot
        // The record at the page's sector and this slot is the one read_log hands out from there.
        const chunk = await log.readChunk({ seq: page.from.seq, slot }, 1)
        expect(chunk.count).toBe(1)
        expect(chunk.records.getAt(0, "u32")).toBe(page.entries.getAt(at + 1, "u32"))
        expect(chunk.next.seq).toBe(page.from.seq)
        expect(chunk.next.slot).toBe(slot + 1)
        const interval = Math.idiv(decodeRecord(chunk.records, 0).firstSeen, MINUTES_PER_EN_INTERVAL)
        if (lowest < 0 || interval < lowest) lowest = interval
        if (interval > highest) highest = interval
    }
    if (page.count > 0) {
        expect(page.firstInterval).toBe(lowest)
        expect(page.span).toBe(highest - lowest)
        // Within the sector: the next page starts in it, or at the start of another sector.
        expect(page.next.seq === page.from.seq || page.next.slot === 0).toBe(true)
    }
    if (page.count > 0 && page.next.seq === page.from.seq && !page.done) {
        // Ended early: the record it stopped before would break the span, or the page is full.
        const after = await log.readChunk(page.next, 1)
        expect(after.count).toBe(1)
        expect(after.next.slot).toBe(page.next.slot + 1)
        const interval = Math.idiv(decodeRecord(after.records, 0).firstSeen, MINUTES_PER_EN_INTERVAL)
        expect(page.count === maxEntries || Math.max(highest, interval) - Math.min(lowest, interval) > MAX_SPAN).toBe(true)
    }
}

/** The owner's button, pressed by the test. */
class TestButton implements OwnerButton {
    private pressHandler: () => Promise<void>
    onPress(handler: () => Promise<void>) {
        this.pressHandler = handler
    }
    onRelease(handler: () => Promise<void>) {}
    async press() {
        await this.pressHandler()
    }
}

function digestArg(cursor: LogCursor, pages: number, maxEntries: number) {
    if (!cursor) return Buffer.from([pages, maxEntries])
    const arg = Buffer.alloc(Layout.CursorBytes + 2)
    arg.setAt(0, "u32", cursor.seq)
    arg.setAt(4, "u16", cursor.slot)
    arg[6] = pages
    arg[7] = maxEntries
    return arg
}

describe("the log's digest", () => {
    test("every record once, in log order, each entry naming its record's sector, slot and RPI prefix", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        // Four sectors and a part; a sighting every 3 minutes, so pages end at the sector's end.
        await appendRange(log, 0, 4 * PER_SECTOR + 6, i => minute(i * 3))
        const all = await readAllIndices(log)
        expect(all).toBe(range(0, 4 * PER_SECTOR + 6))
        expect(await readDigest(log, Layout.MaxDigestEntriesPerPage, 1)).toBe(all)
        expect(await readDigest(log, Layout.MaxDigestEntriesPerPage, Layout.MaxBurstPages)).toBe(all)
        expect(await readDigest(log, 4, 3)).toBe(all)
    })

    test("pages end at the span of 2 hours and at the host's maximum, never across a sector", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        // A sighting every 25 minutes: about 5 records fit in 2 hours, so the span ends pages.
        await appendRange(log, 0, 3 * PER_SECTOR, i => minute(i * 25))
        const pages = await digestPages(log, LOG_START, Layout.MaxDigestEntriesPerPage, MAX_SPAN, Layout.MaxBurstPages)
        expect(pages.length).toBe(Layout.MaxBurstPages)
        for (const page of pages) {
            await checkPage(log, page, Layout.MaxDigestEntriesPerPage)
            expect(page.count >= 1 && page.count < PER_SECTOR).toBe(true)
        }
        expect(await readDigest(log, Layout.MaxDigestEntriesPerPage, Layout.MaxBurstPages)).toBe(range(0, 3 * PER_SECTOR))
        expect(await readDigest(log, 2, Layout.MaxBurstPages)).toBe(range(0, 3 * PER_SECTOR))
    })

    test("records 14 days old, torn, damaged and destroyed rows never appear", async () => {
        const flash = smallFlash()
        const log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 40, i => minute(i * 30))
        // Records 0..9 are 14 days old by this clock (housekeeping has not run yet).
        log.setClock(() => minute(9 * 30) + RETENTION_MINUTES)
        // Record 12 (sector 0, slot 12) damaged; record 20 (sector 1, slot 5) destroyed raw.
        flash.damage(13 * ROW_SIZE + 8, 0x10)
        await flash.destroy(SECTOR + 6 * ROW_SIZE, 1)
        const expected = range(10, 12) + "," + range(13, 20) + "," + range(21, 40)
        expect(await readDigest(log, Layout.MaxDigestEntriesPerPage, Layout.MaxBurstPages)).toBe(expected)
        expect(await readAllIndices(log)).toBe(expected)
        expect(log.stats().badRecords).toBe(1)
        // A torn append: power cut in the middle of the next record's row.
        flash.armPowerCut(ROW_SIZE / 2)
        let cut = false
        try {
            await log.append(testRecord(40, minute(40 * 30)))
        } catch (e) {
            cut = true
        }
        expect(cut).toBe(true)
        flash.reboot()
        const again = await ContactLog.open(flash, REGION)
        again.setClock(() => minute(9 * 30) + RETENTION_MINUTES)
        expect(await readDigest(again, Layout.MaxDigestEntriesPerPage, 2)).toBe(expected)
    })

    test("a burst that loses its last page resumes from the last page kept: every record once", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        await appendRange(log, 0, 5 * PER_SECTOR, i => minute(i * 11))
        const all = await readAllIndices(log)
        expect(await readDigest(log, 5, Layout.MaxBurstPages, true)).toBe(all)
        // A reader that resumes from a cursor in the middle of a sector gets the rest once.
        const first = await digestPages(log, LOG_START, 3, MAX_SPAN, 2)
        const rest = await digestPages(log, first[1].next, 3, MAX_SPAN, 1)
        expect(sameCursor(rest[0].from, first[1].next)).toBe(true)
        expect(rest[0].entries.getAt(1, "u32")).toBe(6)
    })

    test("a cursor into a sector erased meanwhile, or from before a wipe, goes on at the oldest sector left", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        // Enough for the log to wrap: the oldest sectors are reclaimed.
        await appendRange(log, 0, 7 * PER_SECTOR, i => minute(i))
        const all = await readAllIndices(log)
        expect(all.indexOf("0,") === 0).toBe(false)
        const gone = await digestPages(log, { seq: 0, slot: 3 }, 43, MAX_SPAN, 1)
        expect(gone[0].count).toBe(0)
        expect(gone[0].next.slot).toBe(0)
        expect(await readDigest(log, 43, 1)).toBe(all)
        const stale = await digestPages(log, { seq: 1000, slot: 0 }, 43, MAX_SPAN, 2)
        expect(stale[0].count).toBe(0)
        expect("" + stale[1].entries.getAt(1, "u32")).toBe(all.split(",")[0])
    })
})

/** The record indices (their RPI prefixes) of `pages`, as "3,4,5". */
function indicesOf(pages: DigestPage[]) {
    const out: number[] = []
    for (const page of pages) for (let e = 0; e < page.count; ++e) out.push(page.entries.getAt(e * DIGEST_ENTRY_BYTES + 1, "u32"))
    return out.join(",")
}

/** The whole digest from `cursor` in bursts of `burst` pages of at most `maxEntries`, reading nothing
 *  else between them (a whole-record read would let the kept rows go). */
async function digestOnly(log: ContactLog, cursor: LogCursor, maxEntries: number, burst: number) {
    const all: DigestPage[] = []
    for (let guard = 0; guard < 1000; ++guard) {
        const pages = await digestPages(log, cursor, maxEntries, MAX_SPAN, burst)
        for (const page of pages) all.push(page)
        const last = pages[pages.length - 1]
        if (last.done) return indicesOf(all)
        cursor = last.next
    }
    throw new Error("digestOnly: no end")
}

describe("the digest's rows kept from one burst to the next", () => {
    test("a whole digest in bursts that end inside sectors reads each sector once", async () => {
        const flash = smallFlash()
        const log = await ContactLog.open(flash, REGION)
        await appendRange(log, 0, 3 * PER_SECTOR + 7, i => minute(i))
        // 5 entries a page: 3 pages a sector, so every burst of 4 ends inside a sector.
        const before = flash.stats.readRowsRequests
        expect(await digestOnly(log, LOG_START, 5, Layout.MaxBurstPages)).toBe(range(0, 3 * PER_SECTOR + 7))
        expect(flash.stats.readRowsRequests - before).toBe(4)
        // Dropped (the session ended): the next burst reads its sector again.
        const first = await digestPages(log, LOG_START, 5, MAX_SPAN, 1)
        const reads = flash.stats.readRowsRequests
        log.forgetDigestRows()
        expect(indicesOf(await digestPages(log, first[0].next, 5, MAX_SPAN, 1))).toBe(range(5, 10))
        expect(flash.stats.readRowsRequests - reads).toBe(1)
    })

    test("a record destroyed, expired or written between two bursts of the same sector is seen as it is now", async () => {
        const flash = smallFlash()
        const log = await ContactLog.open(flash, REGION)
        // Record 8 carries a time in the clock's false future (within the page's 2 hours); the
        // owner's press will drop it.
        await appendRange(log, 0, PER_SECTOR + 6, i => (i === 8 ? minute(60) : minute(i)))
        let pages = await digestPages(log, LOG_START, 5, MAX_SPAN, 1)
        expect(indicesOf(pages)).toBe(range(0, 5))
        // Destroyed in place (followClockBack): the next burst in the same sector does not show it.
        expect(await log.followClockBack(minute(30), true)).toBe(1)
        pages = await digestPages(log, pages[0].next, 5, MAX_SPAN, 1)
        expect(indicesOf(pages)).toBe("5,6,7,9,10")
        // 14 days old by the clock (housekeeping not run): gone from the next burst.
        log.setClock(() => minute(11) + RETENTION_MINUTES)
        pages = await digestPages(log, pages[0].next, 5, MAX_SPAN, 1)
        expect(indicesOf(pages)).toBe(range(12, 15))
        log.setClock(() => minute(0))
        // Written into the head sector between bursts: the next burst has it.
        pages = await digestPages(log, pages[0].next, 3, MAX_SPAN, 1)
        expect(indicesOf(pages)).toBe(range(PER_SECTOR, PER_SECTOR + 3))
        await log.append(testRecord(PER_SECTOR + 6, minute(PER_SECTOR + 6)))
        expect(await digestOnly(log, pages[0].next, 3, 1)).toBe(range(PER_SECTOR + 3, PER_SECTOR + 7))
    })

    test("a sector erased and reused between two bursts is read anew", async () => {
        const log = await ContactLog.open(smallFlash(), REGION)
        await appendRange(log, 0, PER_SECTOR + 6, i => minute(i))
        const first = await digestPages(log, LOG_START, 5, MAX_SPAN, 1)
        expect(indicesOf(first)).toBe(range(0, 5))
        // The log wraps: sector 0's place is erased and takes records 90, 91 and 92 under a new sequence number.
        await appendRange(log, PER_SECTOR + 6, SECTORS * PER_SECTOR + 3, i => minute(i))
        const newest = await digestPages(log, { seq: SECTORS, slot: 0 }, 43, MAX_SPAN, 1)
        expect(indicesOf(newest)).toBe(range(SECTORS * PER_SECTOR, SECTORS * PER_SECTOR + 3))
    })
})

describe("read_log_digest, the token-sync server's answer", () => {
    test("within the session only, the state answers outside it, any other argument refused", async () => {
        await deleteSetting("stopped")
        await deleteSetting("wipe_proof")
        const flash = smallFlash()
        const token = await Token.boot(fakeHardware(flash, new Light()))
        await token.setTime(minute(100) * 60)
        for (let i = 0; i < 20; ++i) await token.storage.log.append(testRecord(i, minute(i)))
        const button = new TestButton()
        const server = new TokenSyncServer(token, button)
        const fromStart = digestArg(undefined, 2, 0)
        expect(hexOf(await serverPages(server, fromStart))).toBe(hexOf([Buffer.from([ds.TokenSyncAnswer.NotRequested])]))
        expect(server.requestSessionFrom(HOST_USB)).toBe(true)
        expect(hexOf(await serverPages(server, fromStart))).toBe(hexOf([Buffer.from([ds.TokenSyncAnswer.WaitingForButton])]))
        await button.press()
        const pages = await serverPages(server, fromStart)
        expect(pages.length).toBe(2)
        let cursor: LogCursor = LOG_START
        let seen = 0
        for (const page of pages) {
            expect(page[0]).toBe(ds.TokenSyncAnswer.Ready)
            expect(page.length).toBe(Layout.DigestPageHeaderBytes + page[1] * DIGEST_ENTRY_BYTES)
            expect(page.getAt(9, "u32")).toBe(cursor.seq)
            expect(page.getAt(13, "u16")).toBe(cursor.slot)
            for (let e = 0; e < page[1]; ++e) expect(page.getAt(Layout.DigestPageHeaderBytes + e * DIGEST_ENTRY_BYTES + 1, "u32")).toBe(seen++)
            cursor = { seq: page.getAt(3, "u32"), slot: page.getAt(7, "u16") }
        }
        // The first page is sector 0's 15 records; the second, from sector 1, the other 5, then the end.
        expect(pages[0][1]).toBe(PER_SECTOR)
        expect(pages[0].getAt(15, "u32")).toBe(Math.idiv(testRecord(0, minute(0)).firstSeen, MINUTES_PER_EN_INTERVAL))
        expect(pages[1][2]).toBe(1)
        expect(seen).toBe(20)
        // The host's maximum per page is kept; more than fits counts as what fits.
        const small = await serverPages(server, digestArg(LOG_START, 1, 4))
        expect(small[0][1]).toBe(4)
        const big = await serverPages(server, digestArg(LOG_START, 1, 200))
        expect(big[0][1]).toBe(PER_SECTOR)
        for (const bad of [Buffer.alloc(0), Buffer.from([1]), Buffer.alloc(Layout.CursorBytes), Buffer.alloc(Layout.CursorBytes + 1), Buffer.alloc(9)])
            expect(hexOf(await serverPages(server, bad))).toBe(hexOf([Buffer.from([ds.TokenSyncAnswer.Refused])]))
        server.endSessionOf(HOST_USB)
        expect(hexOf(await serverPages(server, fromStart))).toBe(hexOf([Buffer.from([ds.TokenSyncAnswer.NotRequested])]))
    })
})

function hexOf(pages: Buffer[]) {
    return pages.map(p => p.toString("hex")).join("|")
}
