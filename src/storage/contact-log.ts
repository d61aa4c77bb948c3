// The contact log: an append-only ring of flash sectors on encrypted flash (docs/storage.md).
//
// - Each sector: a header row (log-sector.ts) and `recordsPerSector` record rows (one 32-byte row
//   per record: body and CRC-32, contact-record.ts). Every row is programmed once, whole, in one
//   command, after the sector's erase: only the newest sector (the head) takes new records, and the
//   next free row of the head is used up even when its program fails.
// - Which rows are empty or destroyed comes from the flash's row states, never from the bytes read
//   (through flash encryption both read as noise). A written row whose check value fails (a program
//   or destroy cut by a power loss, damage) is a bad row: counted once when found (`badRecords`),
//   destroyed, never returned.
// - The index in RAM is per sector (sequence number, newest and oldest record time, record count:
//   14 bytes per sector), never per record. Boot rebuilds it from every sector's row states and
//   header, plus one scan of the head sector (to find where writing resumes) and of any sector
//   whose newest time is not in its successor's header.
// - Expiry is per record: a sector is erased once its newest record is 14 days old, and before that
//   each of its records that is 14 days old is destroyed (raw zeros over its row), so a slowly
//   filling sector keeps nothing past its time. readChunk never hands out a record 14 days old,
//   even between housekeeping runs. When the log is full, the oldest sector is erased to make room.
//   A sector leaves the log by having its header row destroyed, then being erased.
import * as ds from "@devicescript/core"
import { Flash, FlashRegion, RowState, RowsRead, WipeReport, rowBytes, wipeRegion } from "./flash"
import {
    LOG_OUT_OF_ORDER_MINUTES,
    MAX_ROWS_PER_REQUEST,
    MINUTES_PER_EN_INTERVAL,
    RECORD_SIZE,
    RETENTION_MINUTES,
    ROW_SIZE,
    YIELD_EVERY,
    checkStorableMinute,
    recordsPerSector,
} from "./layout"
import { rowChecks } from "./checksum"
import { ContactRecord, encodeRecordRow, recordFirstSeen, recordLastSeen, rowToWireRecord } from "./contact-record"
import { decodeSectorHeader, encodeSectorHeader } from "./log-sector"
import { Mutex } from "./mutex"

/** A count that needs to read at most this many sectors runs in the asker's turn (about 0.4 s per
 *  sector at the runtime's send pace); a larger one runs in the background (countRecords). */
const INLINE_COUNT_SECTORS = 2

/** Where a reader is in the log: sector sequence number and slot. Survives reboots and appends. */
export interface LogCursor {
    seq: number
    slot: number
}

/** The oldest position: a cursor that reads the whole log. */
export const LOG_START: LogCursor = { seq: 0, slot: 0 }

export interface LogChunk {
    /** `count` verified records of RECORD_SIZE bytes each (read_log's wire record), oldest first. */
    records: Buffer
    count: number
    /** Pass to the next readChunk call. */
    next: LogCursor
    /** No more records after `next` for now (appends later will show up from `next`). */
    done: boolean
}

/**
 * One page of the log's digest (services/token-sync.md, read_log_digest): records of ONE sector,
 * the sector of `from`, each as its slot (u8) and the first RPI_PREFIX_BYTES of its RPI.
 */
export interface DigestPage {
    /** `count` entries of DIGEST_ENTRY_BYTES, in slot order; one buffer for every page of a read,
     *  valid only while readDigestPages' `take` has the page. */
    entries: Buffer
    count: number
    from: LogCursor
    next: LogCursor
    /** No more records after `next` for now. */
    done: boolean
    /** EN interval of the earliest first sighting among the entries' records (0 when none). */
    firstInterval: number
    /** Latest first sighting's EN interval minus firstInterval. */
    span: number
}

/** A digest entry (services/token-sync.md): the record's slot in its sector (u8), then the start of its RPI. */
export const DIGEST_ENTRY_BYTES = ds.TokenSyncLayout.DigestEntryBytes
/**
 * Rows the digest reads with one Flash.readRows: the rest of a sector, so a sector costs the VM one
 * flash command. Its 4 KB stay in the pieces they came in (Flash.RowsRead): one contiguous buffer of
 * even 1 KB ran a token out of memory in a crowd of 200 (test/token/crowd.test.ts, reading the
 * digest right after the log).
 */
const DIGEST_RUN_ROWS = MAX_ROWS_PER_REQUEST
/** How much of a record's RPI its digest entry carries: 4 bytes. */
export const RPI_PREFIX_BYTES = DIGEST_ENTRY_BYTES - 1

export interface LogStats {
    sectorCount: number
    recordsPerSector: number
    sectorsInUse: number
    /** Record rows used (records, destroyed and bad rows) in the sectors in use. */
    slotsUsed: number
    /**
     * Records held: rows holding a record, without destroyed (expired) and bad rows found so far,
     * as of the latest expiry run (the token's housekeeping, every minute): what a full read returns.
     * A bad row is counted here until a read, a boot or expiry meets it (it then goes to badRecords).
     */
    records: number
    /** Records held when every sector is full. */
    capacity: number
    /** Records always held once the log has wrapped (one sector is erased to make room). */
    guaranteedCapacity: number
    /** Record rows found failing their check value (torn or damaged) since boot, each once. */
    badRecords: number
    /** Sector headers that failed their check value at boot (the sector is then treated as free). */
    badHeaders: number
}

const NOT_IN_LOG = 0xffffffff
/** Later than any time the log stores (Unix minutes). */
const MAX_MINUTE = 0xffffffff
/** Clock value meaning "time not known". */
const UNKNOWN_TIME = -1

export class ContactLog {
    private readonly slots: number
    private readonly sectorSize: number
    private readonly readBatch: number
    /** Per sector of the region: sequence number (NOT_IN_LOG when free), 4 bytes each. */
    private readonly seqOf: Buffer
    /** Per sector: written record rows (records, and bad rows not found yet), u16. */
    private readonly countOf: Buffer
    /** A count is running, and what the last one found (-1: none yet). */
    private counting = false
    private lastCount = -1
    /** Per sector: 1 when countOf is exactly its verified records (every row checked since boot). */
    private readonly countExact: Buffer

    // ---- Expiry bookkeeping: times by the token's clock, Unix minutes. A correction of the clock
    // (the clock moved by Δ) is applied here: these per-sector times and `expiredAt` are what
    // decide when records expire; the records in flash keep the times they were stored with.
    /** Per sector: lastSeen of its newest record (openedAt while it has none). */
    private readonly newestOf: Buffer
    /** Per sector: no live record in it was last seen before this. Exact after expiry has scanned
     *  the sector, else openedAt − LOG_OUT_OF_ORDER_MINUTES. */
    private readonly oldestOf: Buffer
    /** The token's time in Unix minutes (UNKNOWN_TIME while not set): readChunk's expiry filter. */
    private clock: () => number = () => UNKNOWN_TIME
    /** `now` of the latest expire(): the filter's time while the clock is unknown. */
    private expiredAt = UNKNOWN_TIME

    /** The sector taking new records (-1: log empty), and its next free slot. */
    private head = -1
    private headSlot = 0
    private nextSeq = 0
    private badRecords = 0
    private badHeaders = 0
    private readonly lock = new Mutex()
    private readonly image = Buffer.alloc(ROW_SIZE)
    /** Every flash access of the log: a write drops the digest's kept rows of its sector first. */
    private readonly flash: Flash
    /**
     * The digest's run of rows (the rest of a sector), kept from one read_log_digest burst to the
     * next while the read goes on inside it: a burst of 4 pages ends inside a sector's 3, and the
     * next burst takes the rest from here instead of reading it again (readDigestPages).
     */
    private readonly digestRows: SectorRows

    private constructor(
        flash: Flash,
        private readonly region: FlashRegion,
        sectorSize: number,
        maxTransfer: number
    ) {
        const self = this
        this.flash = new WatchedFlash(flash, sectorSize, (first, last) => {
            self.digestRows.dropSectors(first - region.firstSector, last - region.firstSector)
        })
        this.digestRows = new SectorRows(this.flash, DIGEST_RUN_ROWS)
        this.sectorSize = sectorSize
        this.slots = recordsPerSector(sectorSize)
        this.readBatch = Math.max(1, Math.idiv(maxTransfer, ROW_SIZE))
        this.seqOf = Buffer.alloc(region.sectorCount * 4)
        this.seqOf.fillAt(0, this.seqOf.length, 0xff)
        this.countOf = Buffer.alloc(region.sectorCount * 2)
        this.countExact = Buffer.alloc(region.sectorCount)
        this.newestOf = Buffer.alloc(region.sectorCount * 4)
        this.oldestOf = Buffer.alloc(region.sectorCount * 4)
    }

    /** Opens the log in `region` of `flash`, rebuilding the index from what flash holds. */
    static async open(flash: Flash, region: FlashRegion) {
        const g = await flash.geometry()
        if (g.rowSize !== ROW_SIZE) throw new RangeError(`log: the flash writes ${g.rowSize}-byte rows, the log needs ${ROW_SIZE}`)
        if (recordsPerSector(g.sectorSize) < 1) throw new RangeError("log: sector too small")
        const log = new ContactLog(flash, region, g.sectorSize, g.maxTransfer)
        await log.rebuildIndex()
        return log
    }

    /** Gives the log the token's clock (Unix minutes, or a negative number while unknown). */
    setClock(nowMinutes: () => number) {
        this.clock = nowMinutes
    }

    /** Appends one record to the head sector (opening a new sector, maybe erasing the oldest, when full). */
    async append(record: ContactRecord) {
        await this.lock.lock()
        try {
            // Encoded under the lock: the image is shared, and another append would overwrite it
            // while this one waits on flash. Still before any flash access, so a bad record
            // (encodeRecordRow throws) changes nothing.
            encodeRecordRow(record, this.image, 0)
            const lastSeen = recordLastSeen(this.image, 0)
            if (this.head < 0) await this.openSector(0, lastSeen)
            else if (this.headSlot >= this.slots || lastSeen < this.oldest(this.head))
                // Full, or the record is older than the head's header lets boot assume (the clock
                // went back): a new sector, so that expiry always finds it.
                await this.openSector((this.head + 1) % this.region.sectorCount, lastSeen)
            // The row is used up even if programming fails: a row is never programmed twice.
            const slot = this.headSlot++
            await this.flash.program(this.slotOffset(this.head, slot), this.image)
            this.addCount(this.head, 1)
            if (lastSeen > this.newest(this.head)) this.newestOf.setAt(this.head * 4, "u32", lastSeen)
        } finally {
            this.lock.unlock()
        }
    }

    /**
     * Destroys every record 14 days old or more at `now` (Unix minutes): a record last seen at t is
     * kept while now − t < 14 days. Sectors whose newest record is that old are erased; older
     * records in younger sectors are destroyed (raw zeros over their rows). Returns the number of
     * sectors erased. Throws (changing nothing) for a time the log cannot hold.
     */
    async expire(now: number) {
        checkStorableMinute(now, "expiry time")
        await this.lock.lock()
        try {
            // Housekeeping (every minute while the clock is set) bounds how long the digest's kept
            // rows stay in RAM after a host went away in the middle of a digest read.
            this.digestRows.drop()
            if (now > this.expiredAt) this.expiredAt = now
            const cutoff = now - RETENTION_MINUTES
            let erased = 0
            for (let i = 0; i < this.region.sectorCount; ++i) {
                if (i === this.head || !this.inLog(i) || this.newest(i) > cutoff) continue
                await this.retireAndErase(i)
                erased++
                if (erased % YIELD_EVERY === 0) await ds.sleep(0)
            }
            if (this.head >= 0 && this.newest(this.head) <= cutoff) {
                // Everything is expired. The head is reopened empty rather than left blank, so that
                // sequence numbers (and sync cursors) keep counting up across a reboot.
                await this.openSector(this.head, now)
                erased++
            }
            for (let i = 0; i < this.region.sectorCount; ++i) if (this.inLog(i) && this.oldest(i) <= cutoff) await this.destroyExpired(i, cutoff)
            return erased
        } finally {
            this.lock.unlock()
        }
    }

    /**
     * The clock was set back to `now` (Unix minutes): expiry's latest time follows it at once, so that
     * records heard from now on are not hidden behind a time that never was. With `dropLater` (the
     * owner's press confirmed `now`), records last seen after `now` are destroyed in place (their
     * true time is not known: docs/threat-model.md, "The clock"), a sector left with none is erased,
     * and a head sector opened in the false future is followed by a new one opened at `now`, so that
     * no time after `now` is left in the index or, after a reboot, in a header. Returns the records
     * destroyed.
     */
    async followClockBack(now: number, dropLater: boolean): Promise<number> {
        checkStorableMinute(now, "corrected time")
        await this.lock.lock()
        try {
            if (this.expiredAt > now) this.expiredAt = now
            if (!dropLater) return 0
            let dropped = 0
            let headKept = -1
            for (let i = 0; i < this.region.sectorCount; ++i) {
                if (!this.inLog(i) || this.newest(i) <= now) continue
                const outcome = await this.destroyOutside(i, -1, now)
                dropped += outcome.destroyed
                this.newestOf.setAt(i * 4, "u32", outcome.newest)
                if (i === this.head) headKept = outcome.kept
                else if (outcome.kept === 0) await this.retireAndErase(i)
            }
            if (headKept === 0) await this.openSector(this.head, now)
            else if (headKept > 0) await this.openSector((this.head + 1) % this.region.sectorCount, now)
            return dropped
        } finally {
            this.lock.unlock()
        }
    }

    /**
     * The records a full read from LOG_START hands out now: verified, not 14 days old (bad,
     * destroyed and erased rows do not count). Kept per sector as records are appended, expired and
     * erased; a sector whose rows were not all checked since boot, or one holding records near their
     * expiry, is read (its rows' states, then its written rows).
     */
    async countRecords(): Promise<number> {
        // A count that must read more than a couple of sectors (after a restart every sector is
        // read: minutes at the runtime's 50 packets a second) runs in the background: the token
        // serves one command at a time, so a count in the asker's turn would hold up set_time and
        // every other command, and each asker waiting for it would hold a fiber on the 64 KB heap
        // (a host that keeps asking could run the token out of memory). Meanwhile, and while any
        // count runs, an asker gets the last finished count (before the first, the index's count
        // of written rows).
        if (this.counting) return this.lastKnownCount()
        if (this.sectorsToRead() > INLINE_COUNT_SECTORS) {
            const self = this
            ;(async () => {
                await self.countAll()
            }).start()
            return this.lastKnownCount()
        }
        return await this.countAll()
    }

    private lastKnownCount(): number {
        return this.lastCount >= 0 ? this.lastCount : this.stats().records
    }

    /** Sectors whose count is not known exactly (not read since boot, or a record in it near 14 days). */
    private sectorsToRead(): number {
        const cutoff = Math.max(this.clock(), this.expiredAt) - RETENTION_MINUTES
        let n = 0
        for (let i = 0; i < this.region.sectorCount; ++i) if (this.inLog(i) && (this.oldest(i) <= cutoff || !this.countExact[i])) n++
        return n
    }

    private async countAll(): Promise<number> {
        this.counting = true
        try {
            let total = 0
            // The log's lock is taken one sector at a time, so that a set_time or an append never
            // waits for a whole count.
            for (let i = 0; i < this.region.sectorCount; ++i) total += await this.countOne(i)
            this.lastCount = total
            return total
        } finally {
            this.counting = false
        }
    }

    /** Sector i's share of countRecords: from the index when exact, else read (under the lock). */
    private async countOne(i: number): Promise<number> {
        await this.lock.lock()
        try {
            if (!this.inLog(i)) return 0
            const cutoff = Math.max(this.clock(), this.expiredAt) - RETENTION_MINUTES
            if (this.oldest(i) > cutoff && this.countExact[i]) return this.countOf.getAt(i * 2, "u16")
            const n = await this.countSector(i, cutoff)
            // Only a count with nothing expired in it stays exact as records come and go.
            if (this.oldest(i) > cutoff) this.setExactCount(i, n)
            return n
        } finally {
            this.lock.unlock()
        }
    }

    /** Reads up to `maxRecords` verified records from `cursor` on (see LogChunk). */
    async readChunk(cursor: LogCursor, maxRecords: number): Promise<LogChunk> {
        return (await this.readPages(cursor, maxRecords, 1))[0]
    }

    /**
     * Up to `maxPages` chunks of up to `perPage` records, exactly as that many readChunk calls
     * would give them one after the other (each page's `next` is where the following page starts;
     * only the last may be short), under one lock: a kiosk's burst read (services/token-sync.md,
     * read_log). Holds the pages and one run of rows with their states (at most perPage × maxPages
     * rows: 28 rows, 900 bytes, for a burst).
     */
    async readPages(cursor: LogCursor, perPage: number, maxPages: number): Promise<LogChunk[]> {
        await this.lock.lock()
        try {
            // The digest's kept rows make room for this read's (a crowd leaves little heap).
            this.digestRows.drop()
            let sector = this.sectorAtOrAfter(cursor.seq)
            let slot = sector >= 0 && this.seq(sector) === cursor.seq ? cursor.slot : 0
            if (cursor.seq > this.nextSeq) {
                // A cursor from before a wipe (sequence numbers restarted): read everything.
                sector = this.sectorAtOrAfter(0)
                slot = 0
            }
            if (sector < 0) return [{ records: Buffer.alloc(0), count: 0, next: cursor, done: true }]
            // Records last seen at or before this are expired, whether or not housekeeping has run.
            const cutoff = Math.max(this.clock(), this.expiredAt) - RETENTION_MINUTES
            const pages: LogChunk[] = []
            let page = Buffer.alloc(perPage * RECORD_SIZE)
            let count = 0
            // Enough rows for the burst when none is empty or expired; more runs when some are.
            const rows = new SectorRows(this.flash, Math.min(MAX_ROWS_PER_REQUEST, perPage * maxPages))
            while (pages.length < maxPages) {
                const limit = this.slotLimit(sector)
                if (slot >= limit) {
                    const following = this.sectorAtOrAfter(this.seq(sector) + 1)
                    if (following < 0) break
                    sector = following
                    slot = 0
                    continue
                }
                const at = await rows.row(this.slotOffset(sector, 0), sector, slot, limit)
                slot++
                // Rows holding nothing (destroyed, or erased after a torn append) are passed over.
                if (at < 0) continue
                const buf = rows.batch
                if (!rowChecks(buf, at)) {
                    await this.destroyBadRow(sector, slot - 1)
                    rows.forget(slot - 1)
                    continue
                }
                if (recordLastSeen(buf, at) <= cutoff) continue
                rowToWireRecord(buf, at, page, count * RECORD_SIZE)
                if (++count < perPage) continue
                pages.push({ records: page, count, next: { seq: this.seq(sector), slot }, done: false })
                page = Buffer.alloc(perPage * RECORD_SIZE)
                count = 0
            }
            const end: LogCursor = { seq: this.seq(sector), slot }
            // What is left after the last full page; or, with nothing left, the last page reaches
            // as far as was read (the rows after it hold nothing to hand out).
            if (count > 0 || pages.length === 0) pages.push({ records: page.slice(0, count * RECORD_SIZE), count, next: end, done: false })
            else pages[pages.length - 1].next = end
            pages[pages.length - 1].done = slot >= this.slotLimit(sector) && this.sectorAtOrAfter(this.seq(sector) + 1) < 0
            return pages
        } finally {
            this.lock.unlock()
        }
    }

    /**
     * Up to `maxPages` digest pages from `cursor` on (services/token-sync.md, read_log_digest), each
     * following the one before, under one lock. A page holds the records of one sector (its `from`
     * cursor's) in slot order, at most `maxEntries`, whose first sightings lie within `maxSpan` EN
     * intervals of each other; the same records readPages hands out (verified, not 14 days old; a
     * bad row met here is counted and destroyed). A page that starts in a sector no longer in the log
     * is empty and points at the first sector after it. Each page goes to `take` as soon as it is
     * made, all in one entries buffer: a reader that sends it on at once holds one page and one run
     * of rows (DIGEST_RUN_ROWS) with their states, never more (a crowd leaves little heap).
     *
     * The run stays after the burst when the next one starts inside it (the burst ended inside a
     * sector), so that a whole digest reads each sector once. What the kept run shows stays true:
     * every program, destroy and erase of its sector drops it first (WatchedFlash), so a record
     * written, destroyed or erased meanwhile is read from flash again; the 14 days are checked at
     * each burst against the time of that burst. It also goes with a whole-record read
     * (readPages), the end of the digest, housekeeping (expire) and the session's end
     * (forgetDigestRows), so that it holds the heap only while a digest read goes on.
     */
    async readDigestPages(cursor: LogCursor, maxEntries: number, maxSpan: number, maxPages: number, take: (page: DigestPage) => Promise<void>) {
        await this.lock.lock()
        try {
            const cutoff = Math.max(this.clock(), this.expiredAt) - RETENTION_MINUTES
            const rows = this.digestRows
            const entries = Buffer.alloc(maxEntries * DIGEST_ENTRY_BYTES)
            let from = cursor
            let last: DigestPage = undefined
            try {
                for (let made = 0; made < maxPages; made++) {
                    last = await this.digestPage(from, entries, maxEntries, maxSpan, cutoff, rows)
                    await take(last)
                    if (last.done) break
                    from = last.next
                }
            } finally {
                const goesOn = last && !last.done && rows.sector >= 0 && this.seq(rows.sector) === last.next.seq && rows.holds(rows.sector, last.next.slot)
                if (!goesOn) rows.drop()
            }
        } finally {
            this.lock.unlock()
        }
    }

    /** Drops the digest's kept rows (a session ends: the rows leave RAM with it). */
    forgetDigestRows() {
        this.digestRows.drop()
    }

    private async digestPage(from: LogCursor, entries: Buffer, maxEntries: number, maxSpan: number, cutoff: number, rows: SectorRows): Promise<DigestPage> {
        const page: DigestPage = { entries, count: 0, from, next: from, done: false, firstInterval: 0, span: 0 }
        // A cursor from before a wipe (sequence numbers restarted) names no sector: read everything.
        const stale = from.seq > this.nextSeq
        const sector = stale ? -1 : this.sectorWithSeq(from.seq, 0)
        if (sector < 0) {
            const following = this.sectorAtOrAfter(stale ? 0 : from.seq)
            if (following < 0) page.done = true
            else page.next = { seq: this.seq(following), slot: 0 }
            return page
        }
        const limit = this.slotLimit(sector)
        let lowest = 0
        let highest = 0
        let slot = from.slot
        let ended = false
        while (slot < limit && !ended) {
            const at = await rows.row(this.slotOffset(sector, 0), sector, slot, limit)
            if (at < 0) {
                slot++
                continue
            }
            const buf = rows.batch
            if (!rowChecks(buf, at)) {
                // The destroy drops the run (WatchedFlash): the next row reads the rest again.
                await this.destroyBadRow(sector, slot)
                slot++
                continue
            }
            if (recordLastSeen(buf, at) <= cutoff) {
                slot++
                continue
            }
            const interval = Math.idiv(recordFirstSeen(buf, at), MINUTES_PER_EN_INTERVAL)
            if (page.count > 0 && (page.count >= maxEntries || Math.max(highest, interval) - Math.min(lowest, interval) > maxSpan)) {
                ended = true
                break
            }
            if (page.count === 0 || interval < lowest) lowest = interval
            if (page.count === 0 || interval > highest) highest = interval
            const e = page.count * DIGEST_ENTRY_BYTES
            page.entries[e] = slot
            page.entries.blitAt(e + 1, buf, at, RPI_PREFIX_BYTES)
            page.count++
            slot++
        }
        if (page.count > 0) {
            page.firstInterval = lowest
            page.span = highest - lowest
        }
        if (ended) page.next = { seq: this.seq(sector), slot }
        else {
            const following = this.sectorAtOrAfter(this.seq(sector) + 1)
            if (following >= 0) page.next = { seq: this.seq(following), slot: 0 }
            else {
                page.next = { seq: this.seq(sector), slot: limit }
                page.done = true
            }
        }
        return page
    }

    /** Erases every log sector and reads their row states back: the proof of erasure for decommissioning. */
    async wipe(): Promise<WipeReport> {
        await this.lock.lock()
        try {
            this.seqOf.fillAt(0, this.seqOf.length, 0xff)
            this.countOf.fillAt(0, this.countOf.length, 0)
            this.countExact.fillAt(0, this.countExact.length, 0)
            this.head = -1
            this.headSlot = 0
            this.nextSeq = 0
            return await wipeRegion(this.flash, this.region)
        } finally {
            this.lock.unlock()
        }
    }

    stats(): LogStats {
        let inUse = 0
        let records = 0
        for (let i = 0; i < this.region.sectorCount; ++i)
            if (this.inLog(i)) {
                inUse++
                records += this.countOf.getAt(i * 2, "u16")
            }
        const n = this.region.sectorCount
        return {
            sectorCount: n,
            recordsPerSector: this.slots,
            sectorsInUse: inUse,
            slotsUsed: inUse ? (inUse - 1) * this.slots + this.headSlot : 0,
            records,
            capacity: n * this.slots,
            guaranteedCapacity: (n - 1) * this.slots,
            badRecords: this.badRecords,
            badHeaders: this.badHeaders,
        }
    }

    /** The latest time the log knows of, Unix minutes (0 when empty): its newest record's last
     *  sighting, or when its newest sector was opened. A clock earlier than this is wrong. */
    latestMinute(): number {
        let latest = 0
        for (let i = 0; i < this.region.sectorCount; ++i) if (this.inLog(i)) latest = Math.max(latest, this.newest(i))
        return latest
    }

    // ---- index ------------------------------------------------------------------------------

    private seq(i: number) {
        return this.seqOf.getAt(i * 4, "u32")
    }

    private inLog(i: number) {
        return this.seq(i) !== NOT_IN_LOG
    }

    private newest(i: number) {
        return this.newestOf.getAt(i * 4, "u32")
    }

    private oldest(i: number) {
        return this.oldestOf.getAt(i * 4, "u32")
    }

    private addCount(i: number, delta: number) {
        this.countOf.setAt(i * 2, "u16", Math.max(0, this.countOf.getAt(i * 2, "u16") + delta))
    }

    private setExactCount(i: number, n: number) {
        this.countOf.setAt(i * 2, "u16", n)
        this.countExact[i] = 1
    }

    /** Sector i's verified records last seen after `cutoff`, read without changing anything. */
    /**
     * The records of sector i last seen after `cutoff`. A sector other than the head also learns its
     * exact oldest record (as expiry does), replacing the bound a boot takes from its header (opened
     * at, less a day), so that it is read again only once a record in it nears its 14 days. The
     * head keeps its bound: a record committed late may still arrive with an older time.
     */
    private async countSector(i: number, cutoff: number): Promise<number> {
        const limit = this.slotLimit(i)
        if (limit === 0) return 0
        // One flash command for the sector's rows and their states (Flash.readRows), so that a count
        // after a restart costs the runtime's send budget one packet per sector, not twenty.
        const run = await this.flash.readRows(this.slotOffset(i, 0), limit)
        let n = 0
        let oldest = MAX_MINUTE
        for (let slot = 0; slot < limit; ++slot) {
            if (run.states[slot] !== RowState.Written) continue
            const row = rowBytes(run, slot, ROW_SIZE)
            if (!rowChecks(row.piece, row.at)) continue
            const lastSeen = recordLastSeen(row.piece, row.at)
            if (lastSeen < oldest) oldest = lastSeen
            if (lastSeen > cutoff) n++
            if (slot % YIELD_EVERY === 0) await ds.sleep(0)
        }
        if (i !== this.head) this.oldestOf.setAt(i * 4, "u32", oldest < MAX_MINUTE ? oldest : this.newest(i))
        return n
    }

    private slotLimit(i: number) {
        return i === this.head ? this.headSlot : this.slots
    }

    /** The sector in the log with the smallest sequence number ≥ seq, or -1. */
    private sectorAtOrAfter(seq: number) {
        let best = -1
        let bestSeq = 0
        for (let i = 0; i < this.region.sectorCount; ++i) {
            const s = this.seq(i)
            if (s !== NOT_IN_LOG && s >= seq && (best < 0 || s < bestSeq)) {
                best = i
                bestSeq = s
            }
        }
        return best
    }

    private sectorOffset(i: number) {
        return (this.region.firstSector + i) * this.sectorSize
    }

    /** Slot s is the sector's row s + 1 (row 0 is the header). */
    private slotOffset(i: number, slot: number) {
        return this.sectorOffset(i) + (slot + 1) * ROW_SIZE
    }

    // ---- flash operations ---------------------------------------------------------------------

    /** Makes sector i the new head: retire and erase it if needed, then write a fresh header. */
    private async openSector(i: number, openedAt: number) {
        const previousNewest = this.head >= 0 && this.head !== i ? this.newest(this.head) : -1
        // Checked before anything is erased: a time the header cannot hold throws here.
        const header = encodeSectorHeader(this.nextSeq, openedAt, previousNewest)
        if (this.inLog(i)) await this.retireAndErase(i)
        else await this.flash.eraseSector(this.region.firstSector + i)
        if (i === this.head) this.head = -1
        await this.flash.program(this.sectorOffset(i), header)
        this.seqOf.setAt(i * 4, "u32", this.nextSeq++)
        this.setExactCount(i, 0)
        this.newestOf.setAt(i * 4, "u32", openedAt)
        this.oldestOf.setAt(i * 4, "u32", openedAt - LOG_OUT_OF_ORDER_MINUTES)
        this.head = i
        this.headSlot = 0
    }

    /** A written row that fails its check (torn by a power cut, damaged): counted once, destroyed. */
    private async destroyBadRow(i: number, slot: number) {
        this.badRecords++
        this.addCount(i, -1)
        await this.flash.destroy(this.slotOffset(i, slot), 1)
    }

    /** Destroys every row of sector i holding a record 14 days old (last seen at or before
     *  `cutoff`) or a bad one; then knows the sector's exact oldest record and count. */
    private async destroyExpired(i: number, cutoff: number) {
        const outcome = await this.destroyOutside(i, cutoff, MAX_MINUTE)
        this.oldestOf.setAt(i * 4, "u32", outcome.kept > 0 ? outcome.oldest : this.newest(i))
    }

    /**
     * Keeps the records of sector i last seen in (`from`, `to`] (Unix minutes), destroys the others
     * and the bad rows (whose time cannot be trusted), and knows the sector's exact count. Adjacent
     * rows go in one destroy. A power cut while destroying leaves a bad row, destroyed at the next expiry
     * (after a boot the sector is scanned again: see oldestOf).
     */
    private async destroyOutside(i: number, from: number, to: number): Promise<{ kept: number; destroyed: number; oldest: number; newest: number }> {
        const limit = this.slotLimit(i)
        let oldest = MAX_MINUTE
        let newest = 0
        let kept = 0
        let destroyed = 0
        if (limit > 0) {
            const states = await this.flash.rowStates(this.slotOffset(i, 0), limit)
            let runFrom = 0
            let runLength = 0
            for (let slot = 0; slot < limit; slot += this.readBatch) {
                const n = Math.min(this.readBatch, limit - slot)
                if (!anyWritten(states, slot, n)) continue
                const buf = await this.flash.read(this.slotOffset(i, slot), n * ROW_SIZE)
                for (let k = 0; k < n; ++k) {
                    if (states[slot + k] !== RowState.Written) continue
                    const at = k * ROW_SIZE
                    if (rowChecks(buf, at)) {
                        const lastSeen = recordLastSeen(buf, at)
                        if (lastSeen > from && lastSeen <= to) {
                            if (lastSeen < oldest) oldest = lastSeen
                            if (lastSeen > newest) newest = lastSeen
                            kept++
                            continue
                        }
                        destroyed++
                    } else this.badRecords++
                    if (runLength > 0 && runFrom + runLength === slot + k) runLength++
                    else {
                        if (runLength > 0) await this.flash.destroy(this.slotOffset(i, runFrom), runLength)
                        runFrom = slot + k
                        runLength = 1
                    }
                }
                await ds.sleep(0)
            }
            if (runLength > 0) await this.flash.destroy(this.slotOffset(i, runFrom), runLength)
        }
        this.setExactCount(i, kept)
        return { kept, destroyed, oldest, newest }
    }

    /** Drops sector i from the index, destroys its header row (it never checks again, whatever
     *  an interrupted erase leaves), then erases it. */
    private async retireAndErase(i: number) {
        this.seqOf.setAt(i * 4, "u32", NOT_IN_LOG)
        this.countOf.setAt(i * 2, "u16", 0)
        this.countExact[i] = 0
        await this.flash.destroy(this.sectorOffset(i), 1)
        await this.flash.eraseSector(this.region.firstSector + i)
    }

    // ---- boot ---------------------------------------------------------------------------------

    private async rebuildIndex() {
        const n = this.region.sectorCount
        const rows = this.slots + 1
        // previousNewest from each header, until it is copied to its predecessor (boot only).
        const previousNewest = Buffer.alloc(n * 4)
        let maxSeq = -1
        for (let i = 0; i < n; ++i) {
            const states = await this.flash.rowStates(this.sectorOffset(i), rows)
            if (states[0] === RowState.Written) {
                const h = decodeSectorHeader(await this.flash.read(this.sectorOffset(i), ROW_SIZE))
                if (h) {
                    let written = 0
                    for (let r = 1; r < rows; ++r) if (states[r] === RowState.Written) written++
                    this.seqOf.setAt(i * 4, "u32", h.seq)
                    this.countOf.setAt(i * 2, "u16", written)
                    this.newestOf.setAt(i * 4, "u32", h.openedAt)
                    this.oldestOf.setAt(i * 4, "u32", h.openedAt - LOG_OUT_OF_ORDER_MINUTES)
                    previousNewest.setAt(i * 4, "i32", h.previousNewest)
                    if (h.seq > maxSeq) {
                        maxSeq = h.seq
                        this.head = i
                    }
                } else this.badHeaders++
            }
            if (i % YIELD_EVERY === YIELD_EVERY - 1) await ds.sleep(0)
        }
        this.nextSeq = maxSeq + 1
        for (let i = 0; i < n; ++i) {
            if (!this.inLog(i)) continue
            const successor = i === this.head ? -1 : this.sectorWithSeq(this.seq(i) + 1, (i + 1) % n)
            const known = successor >= 0 ? previousNewest.getAt(successor * 4, "i32") : -1
            // The head, and a sector whose successor's header is lost, are scanned instead.
            if (known >= 0) this.newestOf.setAt(i * 4, "u32", known)
            else await this.scanSector(i)
            if (i % YIELD_EVERY === YIELD_EVERY - 1) await ds.sleep(0)
        }
    }

    /** Index of the sector with sequence number `seq` (trying `guess` first), or -1. */
    private sectorWithSeq(seq: number, guess: number) {
        if (this.seq(guess) === seq) return guess
        for (let i = 0; i < this.region.sectorCount; ++i) if (this.seq(i) === seq) return i
        return -1
    }

    /**
     * Reads every row of sector i: its newest lastSeen, its exact record count and (for the head)
     * where writing resumes: after the last row that is not erased. Bad rows (a torn append) are
     * counted and destroyed.
     */
    private async scanSector(i: number) {
        const states = await this.flash.rowStates(this.slotOffset(i, 0), this.slots)
        let newest = this.newest(i)
        let used = 0
        let count = 0
        for (let slot = 0; slot < this.slots; slot += this.readBatch) {
            const n = Math.min(this.readBatch, this.slots - slot)
            for (let k = 0; k < n; ++k) if (states[slot + k] !== RowState.Erased) used = slot + k + 1
            if (!anyWritten(states, slot, n)) continue
            const buf = await this.flash.read(this.slotOffset(i, slot), n * ROW_SIZE)
            for (let k = 0; k < n; ++k) {
                if (states[slot + k] !== RowState.Written) continue
                if (rowChecks(buf, k * ROW_SIZE)) {
                    count++
                    newest = Math.max(newest, recordLastSeen(buf, k * ROW_SIZE))
                } else {
                    this.badRecords++
                    await this.flash.destroy(this.slotOffset(i, slot + k), 1)
                }
            }
            await ds.sleep(0)
        }
        this.setExactCount(i, count)
        this.newestOf.setAt(i * 4, "u32", newest)
        if (i === this.head) this.headSlot = used
    }
}

/**
 * One sector's rows as a reader walks them in slot order: read with their states a run at a time
 * (Flash.readRows: over the flash service one command for up to 128 rows, whatever they hold).
 */
class SectorRows {
    /** The piece of the run holding the row `row` last found (at the place it returned). */
    batch: Buffer = undefined
    /** The latest run read: `rows` rows of `sector` from slot `from`. */
    private run: RowsRead = undefined
    private states: Buffer = undefined
    /** The sector of the run held (-1: none). */
    sector = -1
    private from = 0
    private rows = 0

    constructor(
        private readonly flash: Flash,
        private readonly runRows: number
    ) {}

    /**
     * Where slot `slot` of `sector` (slots from flash offset `slotsAt`, `limit` of them in use) is
     * in `batch`, reading the run from it when needed; -1 when the row holds nothing (erased or
     * destroyed). Yields every YIELD_EVERY rows, so that a run's checks stay within a VM slice.
     */
    async row(slotsAt: number, sector: number, slot: number, limit: number): Promise<number> {
        if (this.holds(sector, slot) && (slot - this.from) % YIELD_EVERY === 0) await ds.sleep(0)
        // Asked again after the yield: the run may have been dropped meanwhile (forgetDigestRows).
        if (!this.holds(sector, slot)) {
            const n = Math.min(limit - slot, this.runRows)
            // The run before goes first: the heap never holds two (a crowd leaves little of it).
            this.drop()
            this.run = await this.flash.readRows(slotsAt + slot * ROW_SIZE, n)
            this.states = this.run.states
            this.sector = sector
            this.from = slot
            this.rows = n
        }
        if (this.states[slot - this.from] !== RowState.Written) return -1
        const where = rowBytes(this.run, slot - this.from, ROW_SIZE)
        this.batch = where.piece
        return where.at
    }

    /** The row at `slot` was destroyed: it holds nothing from now on. */
    forget(slot: number) {
        if (this.states && slot >= this.from && slot < this.from + this.rows) this.states[slot - this.from] = RowState.Destroyed
    }

    /** True when slot `slot` of sector `sector` is in the run held. */
    holds(sector: number, slot: number) {
        return this.sector >= 0 && sector === this.sector && slot >= this.from && slot < this.from + this.rows
    }

    /** Lets the run go. */
    drop() {
        this.batch = undefined
        this.run = undefined
        this.states = undefined
        this.sector = -1
    }

    /** Lets the run go if it is of a sector from `first` to `last` (a write there makes it stale). */
    dropSectors(first: number, last: number) {
        if (this.sector >= first && this.sector <= last) this.drop()
    }
}

/**
 * The log's flash: tells `written` which sectors (flash sector numbers, first to last) every program,
 * destroy and erase touches, before it starts. The one place the log's writes pass, so that no write
 * can leave the digest's kept rows (ContactLog.digestRows) showing what flash no longer holds.
 */
class WatchedFlash implements Flash {
    constructor(
        private readonly flash: Flash,
        private readonly sectorSize: number,
        private readonly written: (first: number, last: number) => void
    ) {}

    async geometry() {
        return await this.flash.geometry()
    }

    async read(offset: number, length: number) {
        return await this.flash.read(offset, length)
    }

    async program(offset: number, data: Buffer) {
        this.touches(offset, data.length)
        await this.flash.program(offset, data)
    }

    async eraseSector(sector: number) {
        this.written(sector, sector)
        await this.flash.eraseSector(sector)
    }

    async destroy(offset: number, rows: number) {
        this.touches(offset, rows * ROW_SIZE)
        await this.flash.destroy(offset, rows)
    }

    async rowStates(offset: number, rows: number) {
        return await this.flash.rowStates(offset, rows)
    }

    async readRows(offset: number, rows: number) {
        return await this.flash.readRows(offset, rows)
    }

    private touches(offset: number, length: number) {
        this.written(Math.idiv(offset, this.sectorSize), Math.idiv(offset + Math.max(1, length) - 1, this.sectorSize))
    }
}

/** True when one of the `n` row states from `from` is RowState.Written. */
function anyWritten(states: Buffer, from: number, n: number) {
    for (let k = from; k < from + n; ++k) if (states[k] === RowState.Written) return true
    return false
}
