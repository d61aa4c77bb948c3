// The token's own Temporary Exposure Keys, kept 14 days, power-safe (docs/storage.md).
//
// Two sectors used in turn ("ping-pong"). The active one holds a header with a generation number
// and an append-only list of 32-byte key entries:
//   0  16  TEK
//  16   4  rolling start interval number u32 (ENIntervalNumber: Unix time / 600 s)
//  20   1  rolling period u8 (intervals; 144 = one day)
//  21   1  reserved (0xFF)
//  22   2  check value of bytes 0..21 (written last)
//  24   1  released mark: 0xFF until the key was handed out as a diagnosis key, then 0x00; any
//          other value (a cut while marking) also counts as released
//  25   1  period used: intervals used before a mid-day release (0xFF: the whole period); written
//          in the same program as the mark, after it, so a cut leaves at worst the whole period
//  26   6  reserved (0xFF)
// Sector header (16 bytes): magic 0x534B ("KS") u16, version u8, generation u32, check value of
// bytes 0..6, 7 reserved bytes.
//
// Dropping expired keys (or making room) copies the live entries into the other sector, whose
// header is written last; only then is the old sector erased. Boot takes the valid sector with the
// higher generation and erases the other one if it is not blank, so an interrupted copy or erase
// never leaves two key lists, and an expired key never survives a completed compaction.
import * as ds from "@devicescript/core"
import { TEK_BYTES } from "../gaen/constants"
import { Flash, FlashRegion, WipeReport, countNotErased, isErased, wipeRegion } from "./flash"
import {
    DEFAULT_ROLLING_PERIOD,
    KEY_ENTRY_BODY_SIZE,
    KEY_ENTRY_SIZE,
    KEY_FORMAT_VERSION,
    KEY_HEADER_BODY_SIZE,
    KEY_HEADER_SIZE,
    KEY_MAGIC,
    KEY_PERIOD_USED_OFFSET,
    KEY_RELEASED_OFFSET,
    MINUTES_PER_EN_INTERVAL,
    RETENTION_MINUTES,
    keyEntriesPerSector,
} from "./layout"
import { SlotState, programSealedSlot, sealSlot, slotState } from "./checksum"
import { Mutex } from "./mutex"

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

interface Entry {
    key: StoredKey
    /** Slot index in the active sector. */
    slot: number
}

export class KeyStore {
    private entries: Entry[] = []
    /** Index within the region (0 or 1) of the active sector, -1 before the first key. */
    private active = -1
    /** Next free entry slot in the active sector (a torn entry's slot is never reused). */
    private nextSlot = 0
    private generation = 0
    private readonly capacity: number
    private readonly lock = new Mutex()

    private constructor(
        private readonly flash: Flash,
        private readonly region: FlashRegion,
        private readonly sectorSize: number,
        private readonly maxTransfer: number
    ) {
        if (region.sectorCount !== 2) throw new RangeError("key store: needs exactly 2 sectors")
        this.capacity = keyEntriesPerSector(sectorSize)
    }

    static async open(flash: Flash, region: FlashRegion) {
        const g = await flash.geometry()
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
        sorted.sort((a, b) => a.key.rollingStart - b.key.rollingStart)
        return sorted.map(e => ({
            tek: e.key.tek.slice(0),
            rollingStart: e.key.rollingStart,
            rollingPeriod: e.key.rollingPeriod,
            released: e.key.released,
        }))
    }

    /** Stores a new key. A key with the same rolling start is kept as it is (returns false). */
    async add(tek: Buffer, rollingStart: number, rollingPeriod = DEFAULT_ROLLING_PERIOD) {
        if (tek.length !== TEK_BYTES) throw new RangeError("key store: a TEK is 16 bytes")
        if (!(rollingPeriod >= 1 && rollingPeriod <= 255)) throw new RangeError("key store: bad rolling period")
        await this.lock.lock()
        try {
            if (this.find(rollingStart)) return false
            if (this.active < 0 || this.nextSlot >= this.capacity) await this.compact(-1)
            if (this.nextSlot >= this.capacity) throw new Error("key store: full")
            const key: StoredKey = { tek: tek.slice(0), rollingStart, rollingPeriod, released: false }
            const slot = this.nextSlot++
            this.entries.push({ key, slot })
            await programSealedSlot(this.flash, this.entryOffset(this.active, slot), encodeEntry(key), 0, KEY_ENTRY_BODY_SIZE)
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
            const e = this.find(rollingStart)
            if (!e) return false
            if (!e.key.released) {
                const cut = periodUsed >= 1 && periodUsed < e.key.rollingPeriod ? periodUsed : 0xff
                e.key.released = true
                if (cut !== 0xff) e.key.rollingPeriod = cut
                await this.flash.program(this.entryOffset(this.active, e.slot) + KEY_RELEASED_OFFSET, Buffer.from([0, cut]))
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
            if (this.entries.some(e => keyExpiresAt(e.key) <= now)) await this.compact(now)
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
            if (this.entries.some(e => e.key.rollingStart > enin)) await this.compactKeeping(e => e.key.rollingStart <= enin)
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
            this.nextSlot = 0
            this.generation = 0
            return await wipeRegion(this.flash, this.region)
        } finally {
            this.lock.unlock()
        }
    }

    private find(rollingStart: number) {
        return this.entries.find(e => e.key.rollingStart === rollingStart)
    }

    private sectorOffset(i: number) {
        return (this.region.firstSector + i) * this.sectorSize
    }

    private entryOffset(i: number, slot: number) {
        return this.sectorOffset(i) + KEY_HEADER_SIZE + slot * KEY_ENTRY_SIZE
    }

    /**
     * Copies the keys not expired at `now` (all of them when now < 0) into the other sector,
     * writes its header last, then erases the old one.
     */
    private async compact(now: number) {
        await this.compactKeeping(e => now < 0 || keyExpiresAt(e.key) > now)
    }

    /** Copies the keys `keep` says to keep into the other sector (see compact). */
    private async compactKeeping(keep: (e: Entry) => boolean) {
        const target = this.active < 0 ? 0 : 1 - this.active
        const kept = this.entries.filter(keep)
        await this.flash.eraseSector(this.region.firstSector + target)
        const moved: Entry[] = []
        for (const e of kept) {
            const slot = moved.length
            const image = encodeEntry(e.key)
            if (e.key.released) image[KEY_RELEASED_OFFSET] = 0
            await this.flash.program(this.entryOffset(target, slot), image)
            moved.push({ key: e.key, slot })
        }
        const header = Buffer.alloc(KEY_HEADER_SIZE)
        header.fillAt(0, KEY_HEADER_SIZE, 0xff)
        header.setAt(0, "u16", KEY_MAGIC)
        header.setAt(2, "u8", KEY_FORMAT_VERSION)
        header.setAt(3, "u32", this.generation + 1)
        sealSlot(header, 0, KEY_HEADER_BODY_SIZE)
        await programSealedSlot(this.flash, this.sectorOffset(target), header, 0, KEY_HEADER_BODY_SIZE)
        // From here on the target is the key list; the old sector only holds stale copies.
        const old = this.active
        this.active = target
        this.generation++
        this.entries = moved
        this.nextSlot = moved.length
        if (old >= 0) await this.flash.eraseSector(this.region.firstSector + old)
    }

    private async load() {
        let best = -1
        let bestGeneration = 0
        for (let i = 0; i < 2; ++i) {
            const h = await this.flash.read(this.sectorOffset(i), KEY_HEADER_SIZE)
            if (isErased(h, 0, KEY_HEADER_SIZE)) continue
            const ok =
                slotState(h, 0, KEY_HEADER_BODY_SIZE) === SlotState.Valid &&
                h.getAt(0, "u16") === KEY_MAGIC &&
                h.getAt(2, "u8") === KEY_FORMAT_VERSION
            if (!ok) continue
            const generation = h.getAt(3, "u32")
            if (best < 0 || generation > bestGeneration) {
                best = i
                bestGeneration = generation
            }
        }
        // The other sector is either an interrupted copy or a stale list: make sure it is blank.
        for (let i = 0; i < 2; ++i)
            if (i !== best && (await countNotErased(this.flash, this.region.firstSector + i)) > 0)
                await this.flash.eraseSector(this.region.firstSector + i)
        if (best < 0) return
        this.active = best
        this.generation = bestGeneration
        const batch = Math.max(1, Math.idiv(this.maxTransfer, KEY_ENTRY_SIZE))
        for (let first = 0; first < this.capacity; first += batch) {
            const n = Math.min(batch, this.capacity - first)
            const buf = await this.flash.read(this.entryOffset(best, first), n * KEY_ENTRY_SIZE)
            for (let k = 0; k < n; ++k) {
                const at = k * KEY_ENTRY_SIZE
                const state = slotState(buf, at, KEY_ENTRY_BODY_SIZE)
                if (state === SlotState.Empty) continue
                this.nextSlot = first + k + 1
                if (state === SlotState.Bad) continue
                const key: StoredKey = {
                    tek: buf.slice(at, at + TEK_BYTES),
                    rollingStart: buf.getAt(at + 16, "u32"),
                    rollingPeriod: buf.getAt(at + 20, "u8"),
                    released: buf[at + KEY_RELEASED_OFFSET] !== 0xff,
                }
                const used = buf[at + KEY_PERIOD_USED_OFFSET]
                if (key.released && used >= 1 && used < key.rollingPeriod) key.rollingPeriod = used
                if (!this.find(key.rollingStart)) this.entries.push({ key, slot: first + k })
            }
            await ds.sleep(0)
        }
    }
}

function encodeEntry(key: StoredKey) {
    const buf = Buffer.alloc(KEY_ENTRY_SIZE)
    buf.fillAt(0, KEY_ENTRY_SIZE, 0xff)
    buf.blitAt(0, key.tek, 0, TEK_BYTES)
    buf.setAt(16, "u32", key.rollingStart)
    buf.setAt(20, "u8", key.rollingPeriod)
    sealSlot(buf, 0, KEY_ENTRY_BODY_SIZE)
    return buf
}
