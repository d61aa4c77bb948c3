// The contact log: an append-only ring of flash sectors (docs/storage.md).
//
// - Each sector: a header (log-sector.ts) and `recordsPerSector` 30-byte record slots
//   (contact-record.ts). Only the newest sector (the head) takes new records; a sector is never
//   rewritten, only erased whole.
// - The index in RAM is per sector (sequence number and newest record time, 8 bytes per sector),
//   never per record. Boot rebuilds it from the headers, plus one scan of the head sector (to find
//   where writing resumes) and of any sector whose newest time is not in its successor's header.
// - Expiry is per record: a sector is erased once its newest record is 14 days old, and before that
//   each of its records that is 14 days old is destroyed in place by programming its slot to zeros
//   (NOR allows it), so a slowly filling sector keeps nothing past its time. readChunk never hands
//   out a record 14 days old, even between housekeeping runs. When the log is full, the oldest
//   sector is erased to make room. Before an erase the sector is marked retired in its header.
// - Power safety: a record is programmed body first, check value last, into a slot nobody else
//   uses; a power cut can only leave that one slot torn, which reads back as a bad slot (skipped
//   and counted, never returned).
import * as ds from "@devicescript/core"
import { Flash, FlashRegion, WipeReport, wipeRegion } from "./flash"
import {
    LOG_HEADER_BODY_SIZE,
    LOG_HEADER_RETIRE_OFFSET,
    LOG_EXPUNGE_GRACE_MINUTES,
    LOG_HEADER_SIZE,
    LOG_OUT_OF_ORDER_MINUTES,
    RECORD_BODY_SIZE,
    RECORD_SIZE,
    RETENTION_MINUTES,
    YIELD_EVERY,
    checkStorableMinute,
    recordsPerSector,
} from "./layout"
import { SlotState, programSealedSlot, slotState } from "./checksum"
import { ContactRecord, encodeRecord, recordLastSeen } from "./contact-record"
import { HeaderState, decodeSectorHeader, encodeSectorHeader } from "./log-sector"
import { Mutex } from "./mutex"

/** Where a reader is in the log: sector sequence number and slot. Survives reboots and appends. */
export interface LogCursor {
    seq: number
    slot: number
}

/** The oldest position: a cursor that reads the whole log. */
export const LOG_START: LogCursor = { seq: 0, slot: 0 }

export interface LogChunk {
    /** `count` verified records of RECORD_SIZE bytes each, back to back, oldest first. */
    records: Buffer
    count: number
    /** Pass to the next readChunk call. */
    next: LogCursor
    /** No more records after `next` for now (appends later will show up from `next`). */
    done: boolean
}

export interface LogStats {
    sectorCount: number
    recordsPerSector: number
    sectorsInUse: number
    /** Slots used (valid and bad records) in the sectors in use. */
    slotsUsed: number
    /** Records held when every sector is full. */
    capacity: number
    /** Records always held once the log has wrapped (one sector is erased to make room). */
    guaranteedCapacity: number
    /** Record slots that failed their check value (torn or damaged), skipped by readChunk since boot. */
    badRecords: number
    /** Sector headers that failed their check value at boot (the sector is then treated as free). */
    badHeaders: number
}

const NOT_IN_LOG = 0xffffffff
/** A sector's record count not known yet (after boot, until a count reads it). */
const UNCOUNTED = 0xffff
/** Clock value meaning "time not known". */
const UNKNOWN_TIME = -1

/** True when the slot at `at` was destroyed by expiry (programmed to all zeros). */
function isExpunged(buf: Buffer, at: number) {
    for (let i = at; i < at + RECORD_SIZE; ++i) if (buf[i] !== 0) return false
    return true
}

export class ContactLog {
    private readonly slots: number
    private readonly sectorSize: number
    private readonly readBatch: number
    /** Per sector of the region: sequence number (NOT_IN_LOG when free), 4 bytes each. */
    private readonly seqOf: Buffer
    /** Per sector: lastSeen of its newest record, Unix minutes (openedAt while it has none). */
    private readonly newestOf: Buffer
    /** Per sector: no live record in it was last seen before this (Unix minutes). Exact after
     *  expiry has scanned the sector, else openedAt − LOG_OUT_OF_ORDER_MINUTES. */
    private readonly oldestOf: Buffer
    /** Per sector: verified records in it (u16), or UNCOUNTED. Kept by append, expiry and erase. */
    private readonly recordsOf: Buffer
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
    private readonly image = Buffer.alloc(RECORD_SIZE)

    private constructor(
        private readonly flash: Flash,
        private readonly region: FlashRegion,
        sectorSize: number,
        maxTransfer: number
    ) {
        this.sectorSize = sectorSize
        this.slots = recordsPerSector(sectorSize)
        this.readBatch = Math.max(1, Math.idiv(maxTransfer, RECORD_SIZE))
        this.seqOf = Buffer.alloc(region.sectorCount * 4)
        this.seqOf.fillAt(0, this.seqOf.length, 0xff)
        this.newestOf = Buffer.alloc(region.sectorCount * 4)
        this.oldestOf = Buffer.alloc(region.sectorCount * 4)
        this.recordsOf = Buffer.alloc(region.sectorCount * 2)
        this.recordsOf.fillAt(0, this.recordsOf.length, 0xff)
    }

    /** Opens the log in `region` of `flash`, rebuilding the index from what flash holds. */
    static async open(flash: Flash, region: FlashRegion) {
        const g = await flash.geometry()
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
            // (encodeRecord throws) changes nothing.
            encodeRecord(record, this.image, 0)
            const lastSeen = recordLastSeen(this.image, 0)
            if (this.head < 0) await this.openSector(0, lastSeen)
            else if (this.headSlot >= this.slots || lastSeen < this.oldest(this.head))
                // Full, or the record is older than the head's header lets boot assume (the clock
                // went back): a new sector, so that expiry always finds it.
                await this.openSector((this.head + 1) % this.region.sectorCount, lastSeen)
            // The slot is used up even if programming fails: a torn slot is never written twice.
            const slot = this.headSlot++
            await programSealedSlot(this.flash, this.slotOffset(this.head, slot), this.image, 0, RECORD_BODY_SIZE)
            this.countedOne(this.head)
            if (lastSeen > this.newest(this.head)) this.newestOf.setAt(this.head * 4, "u32", lastSeen)
        } finally {
            this.lock.unlock()
        }
    }

    /**
     * Destroys every record 14 days old or more at `now` (Unix minutes): a record last seen at t is
     * kept while now − t < 14 days. Sectors whose newest record is that old are erased; older
     * records in younger sectors are programmed to zeros. Returns the number of sectors erased.
     * Throws (changing nothing) for a time the log cannot hold.
     */
    async expire(now: number) {
        checkStorableMinute(now, "expiry time")
        await this.lock.lock()
        try {
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
            for (let i = 0; i < this.region.sectorCount; ++i)
                if (this.inLog(i) && this.oldest(i) + LOG_EXPUNGE_GRACE_MINUTES <= cutoff) await this.expungeExpired(i, cutoff)
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
                dropped += await this.dropLaterThan(i, now)
                const kept = this.recordsOf.getAt(i * 2, "u16")
                if (i === this.head) headKept = kept
                else if (kept === 0) await this.retireAndErase(i)
            }
            if (headKept === 0) await this.openSector(this.head, now)
            else if (headKept > 0) await this.openSector((this.head + 1) % this.region.sectorCount, now)
            return dropped
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
     * read_log). Holds the pages and one flash batch.
     */
    async readPages(cursor: LogCursor, perPage: number, maxPages: number): Promise<LogChunk[]> {
        await this.lock.lock()
        try {
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
            while (pages.length < maxPages) {
                const limit = this.slotLimit(sector)
                if (slot >= limit) {
                    const following = this.sectorAtOrAfter(this.seq(sector) + 1)
                    if (following < 0) break
                    sector = following
                    slot = 0
                    continue
                }
                const n = Math.min(limit - slot, (maxPages - pages.length) * perPage - count, this.readBatch)
                const buf = await this.flash.read(this.slotOffset(sector, slot), n * RECORD_SIZE)
                let k = 0
                while (k < n && pages.length < maxPages) {
                    // A batch can be a whole sector (RAM flash): stay within the VM's time slice.
                    if (k % YIELD_EVERY === YIELD_EVERY - 1) await ds.sleep(0)
                    const at = k * RECORD_SIZE
                    k++
                    const state = slotState(buf, at, RECORD_BODY_SIZE)
                    if (state === SlotState.Valid) {
                        if (recordLastSeen(buf, at) <= cutoff) continue
                        page.blitAt(count * RECORD_SIZE, buf, at, RECORD_SIZE)
                        if (++count < perPage) continue
                        pages.push({ records: page, count, next: { seq: this.seq(sector), slot: slot + k }, done: false })
                        page = Buffer.alloc(perPage * RECORD_SIZE)
                        count = 0
                    } else if (state === SlotState.Bad && !isExpunged(buf, at)) this.badRecords++
                }
                slot += k
                await ds.sleep(0)
            }
            const end: LogCursor = { seq: this.seq(sector), slot }
            // What is left after the last full page; or, with nothing left, the last page reaches
            // as far as was read (the slots after it hold nothing to hand out).
            if (count > 0 || pages.length === 0) pages.push({ records: page.slice(0, count * RECORD_SIZE), count, next: end, done: false })
            else pages[pages.length - 1].next = end
            pages[pages.length - 1].done = slot >= this.slotLimit(sector) && this.sectorAtOrAfter(this.seq(sector) + 1) < 0
            return pages
        } finally {
            this.lock.unlock()
        }
    }

    /** Erases every log sector and reads them back: the proof of erasure for decommissioning. */
    async wipe(): Promise<WipeReport> {
        await this.lock.lock()
        try {
            this.seqOf.fillAt(0, this.seqOf.length, 0xff)
            this.recordsOf.fillAt(0, this.recordsOf.length, 0xff)
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
        for (let i = 0; i < this.region.sectorCount; ++i) if (this.inLog(i)) inUse++
        const n = this.region.sectorCount
        return {
            sectorCount: n,
            recordsPerSector: this.slots,
            sectorsInUse: inUse,
            slotsUsed: inUse ? (inUse - 1) * this.slots + this.headSlot : 0,
            capacity: n * this.slots,
            guaranteedCapacity: (n - 1) * this.slots,
            badRecords: this.badRecords,
            badHeaders: this.badHeaders,
        }
    }

    /**
     * The records a full read from LOG_START hands out now: verified, not 14 days old (torn, damaged,
     * expunged and empty slots do not count). Kept per sector as records are appended, expired and
     * erased; a sector not counted since boot, or one holding records near their expiry, is read.
     */
    async countRecords(): Promise<number> {
        await this.lock.lock()
        try {
            const cutoff = Math.max(this.clock(), this.expiredAt) - RETENTION_MINUTES
            let total = 0
            for (let i = 0; i < this.region.sectorCount; ++i) {
                if (!this.inLog(i)) continue
                const nearExpiry = this.oldest(i) <= cutoff
                if (nearExpiry || this.recordsOf.getAt(i * 2, "u16") === UNCOUNTED) {
                    const n = await this.countSector(i, cutoff)
                    // Only a count with nothing expired in it stays valid as records come and go.
                    if (!nearExpiry) this.recordsOf.setAt(i * 2, "u16", n)
                    total += n
                } else total += this.recordsOf.getAt(i * 2, "u16")
            }
            return total
        } finally {
            this.lock.unlock()
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

    /** One more verified record in sector i (nothing while its count is not known). */
    private countedOne(i: number) {
        const n = this.recordsOf.getAt(i * 2, "u16")
        if (n !== UNCOUNTED) this.recordsOf.setAt(i * 2, "u16", n + 1)
    }

    /** Reads sector i's slots: its verified records last seen after `cutoff`. */
    private async countSector(i: number, cutoff: number): Promise<number> {
        const limit = this.slotLimit(i)
        let n = 0
        for (let slot = 0; slot < limit; slot += this.readBatch) {
            const batch = Math.min(this.readBatch, limit - slot)
            const buf = await this.flash.read(this.slotOffset(i, slot), batch * RECORD_SIZE)
            for (let k = 0; k < batch; ++k)
                if (slotState(buf, k * RECORD_SIZE, RECORD_BODY_SIZE) === SlotState.Valid && recordLastSeen(buf, k * RECORD_SIZE) > cutoff) n++
            await ds.sleep(0)
        }
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

    private slotOffset(i: number, slot: number) {
        return this.sectorOffset(i) + LOG_HEADER_SIZE + slot * RECORD_SIZE
    }

    // ---- flash operations ---------------------------------------------------------------------

    /** Makes sector i the new head: retire and erase it if needed, then write a fresh header. */
    private async openSector(i: number, openedAt: number) {
        const previousNewest = this.head >= 0 && this.head !== i ? this.newest(this.head) : -1
        if (this.inLog(i)) await this.retireAndErase(i)
        else await this.flash.eraseSector(this.region.firstSector + i)
        if (i === this.head) this.head = -1
        const header = encodeSectorHeader(this.nextSeq, openedAt, previousNewest)
        await programSealedSlot(this.flash, this.sectorOffset(i), header, 0, LOG_HEADER_BODY_SIZE)
        this.seqOf.setAt(i * 4, "u32", this.nextSeq++)
        this.newestOf.setAt(i * 4, "u32", openedAt)
        this.oldestOf.setAt(i * 4, "u32", openedAt - LOG_OUT_OF_ORDER_MINUTES)
        this.recordsOf.setAt(i * 2, "u16", 0)
        this.head = i
        this.headSlot = 0
    }

    /**
     * Programs to zeros every slot of sector i holding a record last seen at or before `cutoff`, or
     * a torn one (whose time cannot be trusted); then knows the sector's exact oldest record. A
     * power cut while zeroing leaves a slot that reads bad and is zeroed again at the next expiry.
     */
    private async expungeExpired(i: number, cutoff: number) {
        const limit = this.slotLimit(i)
        let oldest = this.newest(i)
        let kept = 0
        for (let slot = 0; slot < limit; slot += this.readBatch) {
            const n = Math.min(this.readBatch, limit - slot)
            const buf = await this.flash.read(this.slotOffset(i, slot), n * RECORD_SIZE)
            for (let k = 0; k < n; ++k) {
                if (k % YIELD_EVERY === YIELD_EVERY - 1) await ds.sleep(0)
                const at = k * RECORD_SIZE
                const state = slotState(buf, at, RECORD_BODY_SIZE)
                if (state === SlotState.Empty || isExpunged(buf, at)) continue
                if (state === SlotState.Valid) {
                    const lastSeen = recordLastSeen(buf, at)
                    if (lastSeen > cutoff) {
                        if (lastSeen < oldest) oldest = lastSeen
                        kept++
                        continue
                    }
                }
                await this.flash.program(this.slotOffset(i, slot + k), Buffer.alloc(RECORD_SIZE))
            }
            await ds.sleep(0)
        }
        this.oldestOf.setAt(i * 4, "u32", oldest)
        this.recordsOf.setAt(i * 2, "u16", kept)
    }

    /** Programs to zeros every record of sector i last seen after `now`; its newest time becomes the
     *  newest record kept (0 with none) and its count is known. Returns the records destroyed. */
    private async dropLaterThan(i: number, now: number): Promise<number> {
        const limit = this.slotLimit(i)
        let newest = 0
        let kept = 0
        let dropped = 0
        for (let slot = 0; slot < limit; slot += this.readBatch) {
            const n = Math.min(this.readBatch, limit - slot)
            const buf = await this.flash.read(this.slotOffset(i, slot), n * RECORD_SIZE)
            for (let k = 0; k < n; ++k) {
                const at = k * RECORD_SIZE
                if (slotState(buf, at, RECORD_BODY_SIZE) !== SlotState.Valid) continue
                const lastSeen = recordLastSeen(buf, at)
                if (lastSeen <= now) {
                    kept++
                    if (lastSeen > newest) newest = lastSeen
                    continue
                }
                await this.flash.program(this.slotOffset(i, slot + k), Buffer.alloc(RECORD_SIZE))
                dropped++
            }
            await ds.sleep(0)
        }
        this.newestOf.setAt(i * 4, "u32", newest)
        this.recordsOf.setAt(i * 2, "u16", kept)
        return dropped
    }

    /** Drops sector i from the index, marks it retired in flash, then erases it. */
    private async retireAndErase(i: number) {
        this.seqOf.setAt(i * 4, "u32", NOT_IN_LOG)
        this.recordsOf.setAt(i * 2, "u16", UNCOUNTED)
        await this.flash.program(this.sectorOffset(i) + LOG_HEADER_RETIRE_OFFSET, Buffer.alloc(1))
        await this.flash.eraseSector(this.region.firstSector + i)
    }

    // ---- boot ---------------------------------------------------------------------------------

    private async rebuildIndex() {
        const n = this.region.sectorCount
        // previousNewest from each header, until it is copied to its predecessor (boot only).
        const previousNewest = Buffer.alloc(n * 4)
        let maxSeq = -1
        for (let i = 0; i < n; ++i) {
            const h = decodeSectorHeader(await this.flash.read(this.sectorOffset(i), LOG_HEADER_SIZE))
            if (h.state === HeaderState.Live) {
                this.seqOf.setAt(i * 4, "u32", h.seq)
                this.newestOf.setAt(i * 4, "u32", h.openedAt)
                this.oldestOf.setAt(i * 4, "u32", h.openedAt - LOG_OUT_OF_ORDER_MINUTES)
                previousNewest.setAt(i * 4, "i32", h.previousNewest)
                if (h.seq > maxSeq) {
                    maxSeq = h.seq
                    this.head = i
                }
            } else if (h.state === HeaderState.Bad) this.badHeaders++
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

    /** Reads every slot of sector i: its newest lastSeen and (for the head) where writing resumes. */
    private async scanSector(i: number) {
        let newest = this.newest(i)
        let used = 0
        for (let slot = 0; slot < this.slots; slot += this.readBatch) {
            const n = Math.min(this.readBatch, this.slots - slot)
            const buf = await this.flash.read(this.slotOffset(i, slot), n * RECORD_SIZE)
            for (let k = 0; k < n; ++k) {
                const state = slotState(buf, k * RECORD_SIZE, RECORD_BODY_SIZE)
                if (state === SlotState.Empty) continue
                used = slot + k + 1
                // Bad slots are counted by readChunk, which meets each one once per pass.
                if (state === SlotState.Valid) newest = Math.max(newest, recordLastSeen(buf, k * RECORD_SIZE))
            }
            await ds.sleep(0)
        }
        this.newestOf.setAt(i * 4, "u32", newest)
        if (i === this.head) this.headSlot = used
    }
}
