// NOR flash in VM memory, for tests and the benchmark (DeviceScript test mode has no outside
// services). Obeys NOR semantics and can cut power part-way through a program or an erase.
//
// Power-cut model (docs/storage.md; the damage rule is src/storage/flash-damage.ts, shared with
// sim/hardware/flash-server.ts, and test/firmware/flash-damage.test.ts checks both give the same bytes):
// - Work is counted in bytes: a program of n bytes is n bytes of work, an erase is sectorSize bytes.
// - armPowerCut(k): the cut happens after k more bytes of work.
// - Cut inside a program: the bytes before the cut point are programmed, the byte at the cut point
//   gets some of its 1→0 changes (cutProgramByte), the rest is untouched (SPI NOR programs in
//   address order).
// - Cut inside an erase: the sector's 0 bits rise to 1 by its progress (cutEraseByte).
// - Then the flash is "off": every call throws until reboot().
//
// Optional forgetting: a full 1 MiB flash does not fit the VM heap (about 60 KB). With `retainSectors`
// set, only that many most-recently written sectors keep their full content; older ones keep their
// first `retainBytes` bytes (the sector header), and reading past that throws. That is enough for a
// log to fill the real geometry and reboot (which reads headers and the head sector only).
import * as ds from "@devicescript/core"
import { Flash, FlashGeometry } from "./flash"
import { cutEraseByte, cutProgramByte, cutSeed, eraseStep } from "./flash-damage"
import { MAX_TRANSFER, YIELD_EVERY } from "./layout"

export interface RamNorFlashOptions {
    sectorSize: number
    sectorCount: number
    /** Reported as geometry.maxTransfer; reads and programs of any size are accepted anyway. */
    maxTransfer?: number
    /** Seed of the damage power cuts do (flash-damage.ts; default: drawn at random). */
    damageSeed?: number
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
    private readonly damageSeed: number
    /** Power cuts so far: each cut's damage has its own seed (cutSeed). */
    private cuts = 0
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
        this.damageSeed = options.damageSeed === undefined ? Math.floor(Math.random() * 0x7fffffff) : options.damageSeed
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
                content[inSector] = cutProgramByte(content[inSector], data[i], this.nextCutSeed(), pos)
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
            await this.interruptErase(sector, eraseStep(this.cutIn, size))
            this.stats.powerCutsInErase++
            this.powerCut()
        }
        if (this.cutIn > 0) this.cutIn -= size
        this.sectors[sector] = undefined
        this.forgetRecent(sector)
    }

    private async interruptErase(sector: number, step: number) {
        const seed = this.nextCutSeed()
        const content = this.sectors[sector]
        if (!content) return // already blank
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

}
