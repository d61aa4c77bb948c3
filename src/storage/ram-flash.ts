// NOR flash in VM memory, for tests and the benchmark (DeviceScript test mode has no outside
// services). Obeys NOR semantics and can cut power part-way through a program or an erase.
//
// Power-cut model (the same as sim/hardware/flash-server.ts; docs/storage.md):
// - Work is counted in bytes: a program of n bytes is n bytes of work, an erase is sectorSize bytes.
// - armPowerCut(k): the cut happens after k more bytes of work.
// - Cut inside a program: the bytes before the cut point are programmed, the byte at the cut point
//   gets a random subset of its 1→0 changes, the rest is untouched (SPI NOR programs in address order).
// - Cut inside an erase at fraction p of the sector: every 0 bit of the sector has become 1 with
//   probability about p (a real erase raises all cells together, so an interrupted one leaves
//   scattered weak bits everywhere, not a clean prefix).
// - Then the flash is "off": every call throws until reboot().
//
// Optional forgetting: a full 1 MiB flash does not fit the VM heap (about 60 KB). With `retainSectors`
// set, only that many most-recently written sectors keep their full content; older ones keep their
// first `retainBytes` bytes (the sector header), and reading past that throws. That is enough for a
// log to fill the real geometry and reboot (which reads headers and the head sector only).
import * as ds from "@devicescript/core"
import { Flash, FlashGeometry } from "./flash"
import { MAX_TRANSFER, YIELD_EVERY } from "./layout"

export interface RamNorFlashOptions {
    sectorSize: number
    sectorCount: number
    /** Reported as geometry.maxTransfer; reads and programs of any size are accepted anyway. */
    maxTransfer?: number
    /** Source of randomness for the damage a power cut does (default Math.random). */
    random?: () => number
    /** Keep full content of only this many recently written sectors (default: all). */
    retainSectors?: number
    /** Bytes kept at the start of a forgotten sector (default 16, a log sector header). */
    retainBytes?: number
}

export const POWER_CUT_MESSAGE = "flash: power is off"

export class RamNorFlash implements Flash {
    private readonly geo: FlashGeometry
    /** Per sector: undefined = erased, else its content (shorter than a sector when forgotten). */
    private readonly sectors: Buffer[] = []
    /** Sectors holding full content, least recently written first (only with retainSectors). */
    private readonly recent: number[] = []
    private readonly random: () => number
    private readonly retainSectors: number
    private readonly retainBytes: number
    /** Bytes of work left before the armed power cut; -1 when none is armed. */
    private cutIn = -1
    private off = false

    /** Counters for the benchmark and tests. */
    readonly stats = { reads: 0, bytesRead: 0, programs: 0, bytesProgrammed: 0, erases: 0, powerCuts: 0, powerCutsInErase: 0 }

    constructor(options: RamNorFlashOptions) {
        this.geo = {
            sectorSize: options.sectorSize,
            sectorCount: options.sectorCount,
            maxTransfer: options.maxTransfer || MAX_TRANSFER,
        }
        this.random = options.random || Math.random
        this.retainSectors = options.retainSectors || 0
        this.retainBytes = options.retainBytes || 16
    }

    async geometry() {
        return this.geo
    }

    /** Cut power after `bytesOfWork` more bytes of programming or erasing (0: at the very next byte). */
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

    async read(offset: number, length: number) {
        await ds.sleep(0) // like real flash, every operation lets other fibers run (and keeps VM slices short)
        this.checkAccess(offset, length)
        this.stats.reads++
        this.stats.bytesRead += length
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
                if (inSector + n > content.length)
                    throw new Error(`RamNorFlash: sector ${sector} content was not retained`)
                out.blitAt(done, content, inSector, n)
            }
            done += n
        }
        return out
    }

    async program(offset: number, data: Buffer) {
        await ds.sleep(0)
        this.checkAccess(offset, data.length)
        this.stats.programs++
        const size = this.geo.sectorSize
        for (let i = 0; i < data.length; ++i) {
            const pos = offset + i
            const sector = Math.idiv(pos, size)
            const content = this.writableSector(sector, pos - sector * size)
            const inSector = pos - sector * size
            if (this.cutIn === 0) {
                // Interrupted in this byte: only some of its 1→0 changes happen.
                const clears = content[inSector] & ~data[i] & 0xff
                content[inSector] &= ~(clears & this.randomByte()) & 0xff
                this.powerCut()
            }
            content[inSector] &= data[i]
            if (this.cutIn > 0) this.cutIn--
            this.stats.bytesProgrammed++
        }
    }

    async eraseSector(sector: number) {
        if (sector < 0 || sector >= this.geo.sectorCount || sector !== Math.round(sector))
            throw new Error(`flash: sector ${sector} out of range`)
        await ds.sleep(0)
        this.checkAccess(0, 0)
        this.stats.erases++
        const size = this.geo.sectorSize
        if (this.cutIn >= 0 && this.cutIn < size) {
            await this.interruptErase(sector, this.cutIn / size)
            this.stats.powerCutsInErase++
            this.powerCut()
        }
        if (this.cutIn > 0) this.cutIn -= size
        this.sectors[sector] = undefined
        this.forgetRecent(sector)
    }

    private async interruptErase(sector: number, progress: number) {
        const content = this.sectors[sector]
        if (!content) return // already blank
        for (let i = 0; i < content.length; ++i) {
            if (content[i] !== 0xff) content[i] |= this.biasedByte(progress)
            if (i % 256 === 255) await ds.sleep(0)
        }
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
        if (inSector >= content.length)
            throw new Error(`RamNorFlash: sector ${sector} content was not retained`)
        if (this.retainSectors && content.length === this.geo.sectorSize) this.touchRecent(sector)
        return content
    }

    private touchRecent(sector: number) {
        if (this.recent.length && this.recent[this.recent.length - 1] === sector) return
        this.forgetRecent(sector)
        this.recent.push(sector)
        while (this.recent.length > this.retainSectors) {
            const old = this.recent.shift()
            this.sectors[old] = this.sectors[old].slice(0, this.retainBytes)
        }
    }

    private forgetRecent(sector: number) {
        const i = this.recent.indexOf(sector)
        if (i >= 0) this.recent.insert(i, -1)
    }

    private randomByte() {
        return Math.floor(this.random() * 256) & 0xff
    }

    /** A byte whose bits are each 1 with probability close to p (quantised to quarters). */
    private biasedByte(p: number) {
        if (p < 0.125) return 0
        if (p < 0.375) return this.randomByte() & this.randomByte()
        if (p < 0.625) return this.randomByte()
        if (p < 0.875) return this.randomByte() | this.randomByte()
        return 0xff
    }
}
