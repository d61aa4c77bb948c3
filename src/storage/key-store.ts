// The token's own Temporary Exposure Keys, kept 14 days, power-safe, on encrypted flash
// (docs/storage.md).
//
// Two sectors used in turn ("ping-pong"). The active one holds a header row (magic 0x534B "KS" u16,
// version u8, generation u32, reserved, CRC-32 at 28) and after it an append-only journal of
// 32-byte rows, each programmed once, whole, with its CRC-32:
//   0  16  TEK (a release row: 0xFF)
//  16   4  rolling start interval number u32 (ENIntervalNumber: Unix time / 600 s)
//  20   1  key row: rolling period (intervals; 144 = one day);
//          release row: intervals used before a mid-day release (0xFF: the whole period)
//  21   1  kind: KEY_ROW ("K") a key, RELEASE_ROW ("R") the key with that rolling start was handed
//          out as a diagnosis key
//  22   1  key row: 1 when the key was already released when it was copied here, else 0
//  23   5  reserved (0xFF)
//  28   4  CRC-32 of bytes 0..27
// A release is a row of its own (nothing is ever programmed into a written row): boot replays the
// journal in order. A row whose check fails (a cut program) is skipped; its row is never reused.
//
// Dropping expired keys (or making room) copies the live keys, releases folded in, into the other
// sector, whose header row is written last; only then is the old sector erased. Boot takes the
// valid sector with the higher generation and erases the other one if any of its rows is not
// erased, so an interrupted copy or erase never leaves two key lists, and an expired key never
// survives a completed compaction.
import * as ds from "@devicescript/core"
import { TEK_BYTES } from "../gaen/constants"
import { Flash, FlashRegion, RowState, WipeReport, countNotErased, wipeRegion } from "./flash"
import { DEFAULT_ROLLING_PERIOD, KEY_FORMAT_VERSION, KEY_MAGIC, MINUTES_PER_EN_INTERVAL, RETENTION_MINUTES, ROW_SIZE, keyRowsPerSector } from "./layout"
import { rowChecks, sealRow } from "./checksum"
import { Mutex } from "./mutex"

/** Row kinds of the key journal (byte 21). */
const KEY_ROW = 0x4b
const RELEASE_ROW = 0x52
/** Byte 20 of a release row when the whole period was used. */
const WHOLE_PERIOD = 0xff

export interface StoredKey {
    tek: Buffer
    /** ENIntervalNumber of the key's first interval. */
    rollingStart: number
    rollingPeriod: number
    /** Already handed out (to a kiosk) as a diagnosis key. */
    released: boolean
}

/** Unix minute from which a key is expired: 14 days after the end of its validity. */
export function keyExpiresAt(key: StoredKey) {
    return (key.rollingStart + key.rollingPeriod) * MINUTES_PER_EN_INTERVAL + RETENTION_MINUTES
}

export class KeyStore {
    /** The stored keys, in journal order. */
    private entries: StoredKey[] = []
    /** Index within the region (0 or 1) of the active sector, -1 before the first key. */
    private active = -1
    /** Next free journal row in the active sector (a torn row is never reused). */
    private nextRow = 0
    private generation = 0
    /** Journal rows per sector. */
    private readonly capacity: number
    private readonly lock = new Mutex()

    private constructor(
        private readonly flash: Flash,
        private readonly region: FlashRegion,
        private readonly sectorSize: number,
        private readonly maxTransfer: number
    ) {
        if (region.sectorCount !== 2) throw new RangeError("key store: needs exactly 2 sectors")
        this.capacity = keyRowsPerSector(sectorSize)
    }

    static async open(flash: Flash, region: FlashRegion) {
        const g = await flash.geometry()
        if (g.rowSize !== ROW_SIZE) throw new RangeError(`key store: the flash writes ${g.rowSize}-byte rows, the store needs ${ROW_SIZE}`)
        const store = new KeyStore(flash, region, g.sectorSize, g.maxTransfer)
        await store.load()
        return store
    }

    /** How many keys are stored (without copying them, as keys() does). */
    count() {
        return this.entries.length
    }

    /** The stored keys, oldest first (copies: changing them changes nothing in flash). */
    keys(): StoredKey[] {
        const sorted = this.entries.slice(0)
        sorted.sort((a, b) => a.rollingStart - b.rollingStart)
        return sorted.map(k => ({
            tek: k.tek.slice(0),
            rollingStart: k.rollingStart,
            rollingPeriod: k.rollingPeriod,
            released: k.released,
        }))
    }

    /** Stores a new key. A key with the same rolling start is kept as it is (returns false). */
    async add(tek: Buffer, rollingStart: number, rollingPeriod = DEFAULT_ROLLING_PERIOD) {
        if (tek.length !== TEK_BYTES) throw new RangeError("key store: a TEK is 16 bytes")
        if (!(rollingPeriod >= 1 && rollingPeriod <= 255)) throw new RangeError("key store: bad rolling period")
        await this.lock.lock()
        try {
            if (this.find(rollingStart)) return false
            if (this.active < 0 || this.nextRow >= this.capacity) await this.compact(-1)
            if (this.nextRow >= this.capacity) throw new Error("key store: full")
            const key: StoredKey = { tek: tek.slice(0), rollingStart, rollingPeriod, released: false }
            this.entries.push(key)
            await this.appendRow(keyRow(key))
            return true
        } finally {
            this.lock.unlock()
        }
    }

    /** Marks the key with this rolling start as released (handed out as a diagnosis key). A key
     *  released while in use passes `periodUsed`: its rolling period ends there. */
    async markReleased(rollingStart: number, periodUsed?: number) {
        await this.lock.lock()
        try {
            const key = this.find(rollingStart)
            if (!key) return false
            if (!key.released) {
                const cut = periodUsed >= 1 && periodUsed < key.rollingPeriod ? periodUsed : WHOLE_PERIOD
                key.released = true
                if (cut !== WHOLE_PERIOD) key.rollingPeriod = cut
                // No room for the release row: the compaction writes the mark into the key's row.
                if (this.nextRow >= this.capacity) await this.compact(-1)
                else await this.appendRow(releaseRow(rollingStart, cut))
            }
            return true
        } finally {
            this.lock.unlock()
        }
    }

    /** Erases (from flash, by compaction) every key expired at `now` (Unix minutes). Returns how many. */
    async expire(now: number) {
        await this.lock.lock()
        try {
            const before = this.entries.length
            if (this.entries.some(k => keyExpiresAt(k) <= now)) await this.compact(now)
            return before - this.entries.length
        } finally {
            this.lock.unlock()
        }
    }

    /** Erases (from flash, by compaction) every key whose rolling start is after `enin`: keys made
     *  while the clock ran ahead of the time the owner then confirmed. Returns how many. */
    async dropStartingAfter(enin: number) {
        await this.lock.lock()
        try {
            const before = this.entries.length
            if (this.entries.some(k => k.rollingStart > enin)) await this.compactKeeping(k => k.rollingStart <= enin)
            return before - this.entries.length
        } finally {
            this.lock.unlock()
        }
    }

    async wipe(): Promise<WipeReport> {
        await this.lock.lock()
        try {
            this.entries = []
            this.active = -1
            this.nextRow = 0
            this.generation = 0
            return await wipeRegion(this.flash, this.region)
        } finally {
            this.lock.unlock()
        }
    }

    private find(rollingStart: number) {
        return this.entries.find(k => k.rollingStart === rollingStart)
    }

    private sectorOffset(i: number) {
        return (this.region.firstSector + i) * this.sectorSize
    }

    /** Journal row `row` of sector i (the header is the sector's row 0). */
    private rowOffset(i: number, row: number) {
        return this.sectorOffset(i) + (row + 1) * ROW_SIZE
    }

    /** Programs the next journal row of the active sector; the row is used up even if that fails. */
    private async appendRow(image: Buffer) {
        const row = this.nextRow++
        await this.flash.program(this.rowOffset(this.active, row), image)
    }

    /**
     * Copies the keys not expired at `now` (all of them when now < 0), releases folded in, into the
     * other sector, writes its header row last, then erases the old one.
     */
    private async compact(now: number) {
        await this.compactKeeping(k => now < 0 || keyExpiresAt(k) > now)
    }

    /** Copies the keys `keep` says to keep into the other sector (see compact). */
    private async compactKeeping(keep: (k: StoredKey) => boolean) {
        const target = this.active < 0 ? 0 : 1 - this.active
        const kept = this.entries.filter(keep)
        await this.flash.eraseSector(this.region.firstSector + target)
        // Up to max_transfer bytes of whole rows per program.
        const perProgram = Math.max(1, Math.idiv(this.maxTransfer, ROW_SIZE))
        for (let first = 0; first < kept.length; first += perProgram) {
            const n = Math.min(perProgram, kept.length - first)
            const rows = Buffer.alloc(n * ROW_SIZE)
            for (let k = 0; k < n; ++k) rows.blitAt(k * ROW_SIZE, keyRow(kept[first + k]), 0, ROW_SIZE)
            await this.flash.program(this.rowOffset(target, first), rows)
        }
        const header = Buffer.alloc(ROW_SIZE)
        header.fillAt(0, ROW_SIZE, 0xff)
        header.setAt(0, "u16", KEY_MAGIC)
        header.setAt(2, "u8", KEY_FORMAT_VERSION)
        header.setAt(3, "u32", this.generation + 1)
        sealRow(header, 0)
        await this.flash.program(this.sectorOffset(target), header)
        // From here on the target is the key list; the old sector only holds stale copies.
        const old = this.active
        this.active = target
        this.generation++
        this.entries = kept
        this.nextRow = kept.length
        if (old >= 0) await this.flash.eraseSector(this.region.firstSector + old)
    }

    private async load() {
        let best = -1
        let bestGeneration = 0
        for (let i = 0; i < 2; ++i) {
            const state = (await this.flash.rowStates(this.sectorOffset(i), 1))[0]
            if (state !== RowState.Written) continue
            const h = await this.flash.read(this.sectorOffset(i), ROW_SIZE)
            const ok = rowChecks(h, 0) && h.getAt(0, "u16") === KEY_MAGIC && h.getAt(2, "u8") === KEY_FORMAT_VERSION
            if (!ok) continue
            const generation = h.getAt(3, "u32")
            if (best < 0 || generation > bestGeneration) {
                best = i
                bestGeneration = generation
            }
        }
        // The other sector is either an interrupted copy or a stale list: make sure it is blank.
        for (let i = 0; i < 2; ++i)
            if (i !== best && (await countNotErased(this.flash, this.region.firstSector + i)) > 0) await this.flash.eraseSector(this.region.firstSector + i)
        if (best < 0) return
        this.active = best
        this.generation = bestGeneration
        const states = await this.flash.rowStates(this.rowOffset(best, 0), this.capacity)
        const batch = Math.max(1, Math.idiv(this.maxTransfer, ROW_SIZE))
        for (let first = 0; first < this.capacity; first += batch) {
            const n = Math.min(batch, this.capacity - first)
            let written = false
            for (let k = 0; k < n; ++k) {
                if (states[first + k] !== RowState.Erased) this.nextRow = first + k + 1
                if (states[first + k] === RowState.Written) written = true
            }
            if (!written) continue
            const buf = await this.flash.read(this.rowOffset(best, first), n * ROW_SIZE)
            for (let k = 0; k < n; ++k) {
                const at = k * ROW_SIZE
                if (states[first + k] !== RowState.Written || !rowChecks(buf, at)) continue
                this.replay(buf, at)
            }
            await ds.sleep(0)
        }
    }

    /** Applies one verified journal row to the key list. */
    private replay(buf: Buffer, at: number) {
        const rollingStart = buf.getAt(at + 16, "u32")
        const kind = buf[at + 21]
        if (kind === KEY_ROW) {
            if (this.find(rollingStart)) return
            this.entries.push({
                tek: buf.slice(at, at + TEK_BYTES),
                rollingStart,
                rollingPeriod: buf[at + 20],
                released: buf[at + 22] === 1,
            })
        } else if (kind === RELEASE_ROW) {
            const key = this.find(rollingStart)
            if (!key) return
            key.released = true
            const used = buf[at + 20]
            if (used >= 1 && used < key.rollingPeriod) key.rollingPeriod = used
        }
    }
}

/** The journal row of a key (its release state folded in, as a compaction copies it). */
function keyRow(key: StoredKey) {
    const buf = Buffer.alloc(ROW_SIZE)
    buf.fillAt(0, ROW_SIZE, 0xff)
    buf.blitAt(0, key.tek, 0, TEK_BYTES)
    buf.setAt(16, "u32", key.rollingStart)
    buf.setAt(20, "u8", key.rollingPeriod)
    buf.setAt(21, "u8", KEY_ROW)
    buf.setAt(22, "u8", key.released ? 1 : 0)
    sealRow(buf, 0)
    return buf
}

/** The journal row saying the key starting at `rollingStart` was released after `periodUsed` intervals. */
function releaseRow(rollingStart: number, periodUsed: number) {
    const buf = Buffer.alloc(ROW_SIZE)
    buf.fillAt(0, ROW_SIZE, 0xff)
    buf.setAt(16, "u32", rollingStart)
    buf.setAt(20, "u8", periodUsed)
    buf.setAt(21, "u8", RELEASE_ROW)
    sealRow(buf, 0)
    return buf
}
