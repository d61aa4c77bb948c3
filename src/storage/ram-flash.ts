// Encrypted NOR flash in VM memory, for tests and the benchmark (DeviceScript test mode has no
// outside services). Enforces the flash service's rules (services/flash.md, docs/storage.md):
// - program: offset row-aligned, data a non-zero multiple of the row size, every target row erased;
//   otherwise it throws (UNALIGNED_MESSAGE / NOT_ERASED_MESSAGE) and flash is unchanged;
// - destroy: raw zeros over whole rows, whatever their state; rowStates: erased / destroyed / written;
// - read goes through "decryption": an erased or destroyed row reads as noise (a fixed function of
//   the offset), never as 0xFF or 0x00, as on an ESP32 with flash encryption, so the firmware
//   cannot mistake decrypted bytes for emptiness. readRaw shows what the chip holds (a test's dump).
//
// Power-cut model (docs/storage.md; the damage rule is common/flash-damage.ts, shared with
// sim/hardware/flash-server.ts, and test/firmware/flash-damage.test.ts checks both give the same bytes):
// - Work is counted in bytes: a program of n bytes is n bytes of work, a destroy of r rows is
//   r × rowSize, an erase is sectorSize bytes.
// - armPowerCut(k): the cut happens after k more bytes of work.
// - Cut inside a program or destroy: the bytes before the cut point are written, the byte at the
//   cut point gets some of its 1→0 changes (cutProgramByte), the rest is untouched. The row at the
//   cut is then "written" with a wrong check value, the rows after it unchanged.
// - Cut inside an erase: the sector's 0 bits rise to 1 by its progress (cutEraseByte).
// - Then the flash is "off": every call throws until reboot().
//
// Optional forgetting: a full 1 MiB flash does not fit the VM heap (about 60 KB). With `retainSectors`
// set, only that many most-recently written sectors keep their full content; older ones keep their
// first `retainBytes` bytes (the sector's header row) and their row states, and reading past that
// throws. That is enough for a log to fill the real geometry and reboot (which reads row states,
// headers and the head sector only).
import * as ds from "@devicescript/core"
import { Flash, FlashGeometry, RowState, RowsRead } from "./flash"
import { cutEraseByte, cutProgramByte, cutSeed, damageBits, eraseStep } from "../../common/flash-damage"
import { MAX_ROWS_PER_REQUEST, MAX_TRANSFER, ROW_SIZE } from "./layout"

export interface RamNorFlashOptions {
    sectorSize: number
    sectorCount: number
    /** Reported as geometry.maxTransfer; reads and programs of any size are accepted anyway. */
    maxTransfer?: number
    /** Seed of the damage power cuts do (flash-damage.ts; default: drawn at random). */
    damageSeed?: number
    /** Keep full content of only this many recently written sectors (default: all). */
    retainSectors?: number
    /** Bytes kept at the start of a forgotten sector (default: one row, a log sector's header). */
    retainBytes?: number
    /** Reads of erased and destroyed rows give noise, as through flash encryption (default true). */
    encrypted?: boolean
}

export const POWER_CUT_MESSAGE = "flash: power is off"
export const UNALIGNED_MESSAGE = "flash: unaligned"
export const NOT_ERASED_MESSAGE = "flash: not erased"

export class RamNorFlash implements Flash {
    private readonly geo: FlashGeometry
    /**
     * Per sector: undefined = erased, else its content. A forgotten sector's buffer is shorter: its
     * first `retainBytes` bytes, then its row states (see forget), in one buffer to keep the VM heap
     * small.
     */
    private readonly sectors: Buffer[] = []
    /** Sectors holding full content, least recently written first (only with retainSectors). */
    private readonly recent: number[] = []
    private readonly damageSeed: number
    private readonly encrypted: boolean
    /** Power cuts so far: each cut's damage has its own seed (cutSeed). */
    private cuts = 0
    private readonly retainSectors: number
    private readonly retainBytes: number
    /** Bytes of work left before the armed power cut; -1 when none is armed. */
    private cutIn = -1
    private off = false

    /** Counters for the benchmark and tests. */
    readonly stats = {
        reads: 0,
        bytesRead: 0,
        programs: 0,
        bytesProgrammed: 0,
        erases: 0,
        destroys: 0,
        rowStateRequests: 0,
        readRowsRequests: 0,
        refused: 0,
        powerCuts: 0,
        powerCutsInErase: 0,
    }

    constructor(options: RamNorFlashOptions) {
        this.geo = {
            sectorSize: options.sectorSize,
            sectorCount: options.sectorCount,
            maxTransfer: options.maxTransfer || MAX_TRANSFER,
            rowSize: ROW_SIZE,
        }
        if (options.sectorSize % ROW_SIZE) throw new RangeError("RamNorFlash: sector size must be whole rows")
        this.damageSeed = options.damageSeed === undefined ? Math.floor(Math.random() * 0x7fffffff) : options.damageSeed
        this.encrypted = options.encrypted !== false
        this.retainSectors = options.retainSectors || 0
        this.retainBytes = options.retainBytes || ROW_SIZE
    }

    async geometry() {
        return this.geo
    }

    /** Cut power after `bytesOfWork` more bytes of writing or erasing (0: at the very next byte). */
    armPowerCut(bytesOfWork: number) {
        this.cutIn = bytesOfWork
    }

    disarmPowerCut() {
        this.cutIn = -1
    }

    isPowerOff() {
        return this.off
    }

    /** Power comes back: the content stays as the cut left it. */
    reboot() {
        this.off = false
        this.cutIn = -1
    }

    /** Reads through flash encryption: erased and destroyed rows give noise. */
    async read(offset: number, length: number) {
        const out = await this.readRaw(offset, length)
        this.stats.reads++
        this.stats.bytesRead += length
        if (!this.encrypted) return out
        const row = this.geo.rowSize
        for (let first = offset - (offset % row); first < offset + length; first += row) {
            const from = Math.max(first, offset)
            const to = Math.min(first + row, offset + length)
            // A partial view of a row cannot tell its state alone: then the whole row is asked.
            const state = from === first && to === first + row ? stateOf(out, from - offset, row) : this.rowStateAt(first)
            if (state === RowState.Written) continue
            for (let pos = from; pos < to; ++pos) out[pos - offset] = damageBits(this.damageSeed ^ 0x5a5a5a5a, pos) & 0xff
        }
        return out
    }

    /** What the chip holds (no decryption): a test's view of the flash, like `esptool read_flash`. */
    async readRaw(offset: number, length: number) {
        await ds.sleep(0) // like real flash, every operation lets other fibers run (and keeps VM slices short)
        this.checkAccess(offset, length)
        const out = Buffer.alloc(length)
        out.fillAt(0, length, 0xff)
        const size = this.geo.sectorSize
        let done = 0
        while (done < length) {
            const pos = offset + done
            const sector = Math.idiv(pos, size)
            const inSector = pos - sector * size
            const n = Math.min(length - done, size - inSector)
            const content = this.sectors[sector]
            if (content) {
                if (inSector + n > this.retainedLength(content)) throw new Error(`RamNorFlash: sector ${sector} content was not retained`)
                out.blitAt(done, content, inSector, n)
            }
            done += n
        }
        return out
    }

    async program(offset: number, data: Buffer) {
        await ds.sleep(0)
        this.checkAccess(offset, data.length)
        const row = this.geo.rowSize
        if (offset % row || data.length === 0 || data.length % row) {
            this.stats.refused++
            throw new Error(`${UNALIGNED_MESSAGE}: program of ${data.length} bytes at ${offset} is not whole ${row}-byte rows`)
        }
        for (let at = offset; at < offset + data.length; at += row)
            if (this.rowStateAt(at) !== RowState.Erased) {
                this.stats.refused++
                throw new Error(`${NOT_ERASED_MESSAGE}: program into the row at ${at}, which is not erased`)
            }
        this.stats.programs++
        await this.write(offset, data, data.length)
    }

    async destroy(offset: number, rows: number) {
        await ds.sleep(0)
        const row = this.geo.rowSize
        this.checkAccess(offset, rows * row)
        if (offset % row || !(rows >= 1 && rows <= MAX_ROWS_PER_REQUEST)) {
            this.stats.refused++
            throw new Error(`${UNALIGNED_MESSAGE}: destroy of ${rows} rows at ${offset}`)
        }
        this.stats.destroys++
        await this.write(offset, undefined, rows * row)
    }

    async rowStates(offset: number, rows: number) {
        await ds.sleep(0)
        const row = this.geo.rowSize
        this.checkAccess(offset, rows * row)
        if (offset % row || !(rows >= 1 && rows <= MAX_ROWS_PER_REQUEST)) {
            this.stats.refused++
            throw new Error(`${UNALIGNED_MESSAGE}: row states of ${rows} rows at ${offset}`)
        }
        this.stats.rowStateRequests++
        const out = Buffer.alloc(rows)
        for (let i = 0; i < rows; ++i) out[i] = this.rowStateAt(offset + i * row)
        return out
    }

    /** rowStates and read at once, up to MAX_ROWS_PER_REQUEST rows as the flash service's read_rows
     *  (counted in readRowsRequests, and as the row states request and read it is made of). */
    async readRows(offset: number, rows: number): Promise<RowsRead> {
        const states = await this.rowStates(offset, rows)
        this.stats.readRowsRequests++
        return { states, pieces: [await this.read(offset, rows * this.geo.rowSize)], rowsPerPiece: rows, pieceHeader: 0 }
    }

    async eraseSector(sector: number) {
        if (sector < 0 || sector >= this.geo.sectorCount || sector !== Math.round(sector)) throw new Error(`flash: sector ${sector} out of range`)
        await ds.sleep(0)
        this.checkAccess(0, 0)
        this.stats.erases++
        const size = this.geo.sectorSize
        if (this.cutIn >= 0 && this.cutIn < size) {
            await this.interruptErase(sector, eraseStep(this.cutIn, size))
            this.stats.powerCutsInErase++
            this.powerCut()
        }
        if (this.cutIn > 0) this.cutIn -= size
        this.sectors[sector] = undefined
        this.forgetRecent(sector)
    }

    /**
     * Worn-out or disturbed cells for fault tests: XORs `mask` into the raw byte at `offset` (the
     * firmware must reject the row by its check value). Not part of the flash service.
     */
    damage(offset: number, mask: number) {
        const sector = Math.idiv(offset, this.geo.sectorSize)
        const content = this.writableSector(sector, offset - sector * this.geo.sectorSize)
        content[offset - sector * this.geo.sectorSize] ^= mask
    }

    /** Writes `data` (zeros when undefined) over `length` bytes, cutting power where armed. */
    private async write(offset: number, data: Buffer, length: number) {
        const size = this.geo.sectorSize
        for (let done = 0; done < length;) {
            const pos = offset + done
            const sector = Math.idiv(pos, size)
            const start = pos - sector * size
            const n = Math.min(length - done, size - start)
            const content = this.writableSector(sector, start)
            if (start + n > this.retainedLength(content)) throw new Error(`RamNorFlash: sector ${sector} content was not retained`)
            // Bytes written before an armed cut, then the byte it interrupts.
            const whole = this.cutIn >= 0 && this.cutIn < n ? this.cutIn : n
            if (data) content.blitAt(start, data, done, whole)
            else content.fillAt(start, whole, 0)
            this.stats.bytesProgrammed += whole
            if (whole < n) {
                // Interrupted in this byte: only some of its 1→0 changes happen.
                const at = start + whole
                content[at] = cutProgramByte(content[at], data ? data[done + whole] : 0, this.nextCutSeed(), pos + whole)
                this.powerCut()
            }
            if (this.cutIn > 0) this.cutIn -= n
            done += n
        }
    }

    /** The raw state of the row at `offset` (row-aligned). */
    private rowStateAt(offset: number): RowState {
        const size = this.geo.sectorSize
        const sector = Math.idiv(offset, size)
        const inSector = offset - sector * size
        const content = this.sectors[sector]
        if (!content) return RowState.Erased
        if (inSector + this.geo.rowSize <= this.retainedLength(content)) return stateOf(content, inSector, this.geo.rowSize)
        const row = Math.idiv(inSector, this.geo.rowSize)
        // Compact form: one byte, the number of leading written rows (the rest erased).
        if (content.length === this.retainBytes + 1) return row < content[this.retainBytes] ? RowState.Written : RowState.Erased
        return (content[this.retainBytes + (row >> 2)] >> (2 * (row & 3))) & 3
    }

    private async interruptErase(sector: number, step: number) {
        const seed = this.nextCutSeed()
        const content = this.sectors[sector]
        if (!content) return // already blank
        if (content.length < this.geo.sectorSize) throw new Error(`RamNorFlash: sector ${sector} content was not retained`)
        const base = sector * this.geo.sectorSize
        for (let i = 0; i < content.length; ++i) {
            content[i] = cutEraseByte(content[i], seed, base + i, step)
            if (i % 256 === 255) await ds.sleep(0)
        }
    }

    private nextCutSeed() {
        return cutSeed(this.damageSeed, this.cuts++)
    }

    private powerCut(): never {
        this.cutIn = -1
        this.off = true
        this.stats.powerCuts++
        throw new Error(POWER_CUT_MESSAGE)
    }

    private checkAccess(offset: number, length: number) {
        if (this.off) throw new Error(POWER_CUT_MESSAGE)
        const total = this.geo.sectorSize * this.geo.sectorCount
        if (offset < 0 || length < 0 || offset + length > total || offset !== Math.round(offset))
            throw new Error(`flash: ${length} bytes at ${offset} out of range`)
    }

    /** The content buffer of a sector, made full-size if it was erased; throws if it was forgotten. */
    private writableSector(sector: number, inSector: number) {
        let content = this.sectors[sector]
        if (!content) {
            content = Buffer.alloc(this.geo.sectorSize)
            content.fillAt(0, content.length, 0xff)
            this.sectors[sector] = content
        }
        if (inSector >= this.retainedLength(content)) throw new Error(`RamNorFlash: sector ${sector} content was not retained`)
        if (this.retainSectors && content.length === this.geo.sectorSize) this.touchRecent(sector)
        return content
    }

    private touchRecent(sector: number) {
        if (this.recent.length && this.recent[this.recent.length - 1] === sector) return
        this.forgetRecent(sector)
        this.recent.push(sector)
        while (this.recent.length > this.retainSectors) this.forget(this.recent.shift())
    }

    /** Bytes of a sector's content that are its real bytes (all of them unless forgotten). */
    private retainedLength(content: Buffer) {
        return content.length === this.geo.sectorSize ? content.length : this.retainBytes
    }

    /** Keeps only the first retainBytes of a sector, and its row states. */
    private forget(sector: number) {
        const content = this.sectors[sector]
        const row = this.geo.rowSize
        const rows = Math.idiv(this.geo.sectorSize, row)
        // A sector of written rows then erased ones (a filled log sector) keeps one byte: their
        // count; any other pattern keeps 2 bits per row.
        let written = 0
        while (written < rows && stateOf(content, written * row, row) === RowState.Written) written++
        let prefix = written < 256
        for (let i = written; prefix && i < rows; ++i) if (stateOf(content, i * row, row) !== RowState.Erased) prefix = false
        const kept = Buffer.alloc(this.retainBytes + (prefix ? 1 : (rows + 3) >> 2))
        kept.blitAt(0, content, 0, this.retainBytes)
        if (prefix) kept[this.retainBytes] = written
        else for (let i = 0; i < rows; ++i) kept[this.retainBytes + (i >> 2)] |= stateOf(content, i * row, row) << (2 * (i & 3))
        this.sectors[sector] = kept
    }

    private forgetRecent(sector: number) {
        const i = this.recent.indexOf(sector)
        if (i >= 0) this.recent.insert(i, -1)
    }
}

/** The RowState of `length` raw bytes: all 0xFF erased, all 0x00 destroyed, else written. */
function stateOf(buf: Buffer, at: number, length: number): RowState {
    const first = buf[at]
    if (first !== 0xff && first !== 0) return RowState.Written
    for (let i = at + 1; i < at + length; ++i) if (buf[i] !== first) return RowState.Written
    return first === 0xff ? RowState.Erased : RowState.Destroyed
}
