// The simulator's side of the "NOR Flash" service (services/flash.md): one token's flash, kept in
// a file so that it survives restarts of the token's VM, with NOR semantics and power-cut injection.
//
// Power-cut model (docs/storage.md; the damage rule is src/storage/flash-damage.ts, shared with
// src/storage/ram-flash.ts): work is counted in bytes (a program of n bytes is n, an erase is one
// sector). armPowerCut(k) cuts power after k more bytes of work: a program keeps the bytes before
// the cut point and some of the 1→0 changes of the byte at it; an erase leaves the sector's 0 bits
// raised to 1 by its progress. The partial state is written to the file, the server then answers
// every command with `power_lost` (a dead flash chip answers nothing, but an answer lets the VM fail
// fast) and the onPowerCut callback runs, so that the simulator can kill and restart the token.
// restorePower() (or a new FlashServer on the same file) brings it back.
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs"
import jd from "../../lib/jacdac/jacdac-ts.js"
import { cutEraseByte, cutProgramByte, cutSeed, eraseStep } from "../../src/storage/flash-damage.js"
import {
    NorFlashCmd,
    NorFlashCmdPack,
    NorFlashReg,
    NorFlashStatus,
    SRV_NOR_FLASH,
    loadProjectServiceSpecs,
} from "../../lib/jacdac/service-specs.js"

export { NorFlashStatus as FlashStatus }

/** A failed flash operation and the status its report carries. */
export class FlashError extends Error {
    constructor(readonly status: NorFlashStatus, message: string) {
        super(message)
    }
}

export interface FlashServerOptions {
    /** Backing file; created all 0xFF if missing. */
    file: string
    sectorSize: number
    sectorCount: number
    /** Largest read/program per command (default 224, as on ESP32). */
    maxTransfer?: number
    /** Seed of the damage power cuts do (src/storage/flash-damage.ts; default: drawn at random). */
    damageSeed?: number
}

export interface PowerCutInfo {
    operation: "program" | "erase"
    /** Flash offset of the operation (sector start for an erase). */
    offset: number
    /** Bytes of the operation done before the cut (program) or erase progress in bytes. */
    bytesDone: number
}

export class FlashServer extends jd.JDServiceServer {
    readonly file: string
    readonly sectorSize: number
    readonly sectorCount: number
    readonly maxTransfer: number
    /** Called (once per cut) after a power cut has been written to the file. */
    onPowerCut?: (cut: PowerCutInfo) => void

    private fd: number
    private readonly damageSeed: number
    /** Power cuts so far: each cut's damage has its own seed (cutSeed). */
    private cuts = 0
    /** Bytes of work left before the armed cut; -1 when none is armed. */
    private cutIn = -1
    private powerOff = false
    /** Worn-out cells (stickBytes): ranges that keep their value whatever is programmed or erased. */
    private readonly stuck: { offset: number; length: number; value: number }[] = []

    constructor(options: FlashServerOptions) {
        loadProjectServiceSpecs()
        super(SRV_NOR_FLASH)
        this.file = options.file
        this.sectorSize = options.sectorSize
        this.sectorCount = options.sectorCount
        this.maxTransfer = options.maxTransfer ?? 224
        this.damageSeed = options.damageSeed ?? Math.floor(Math.random() * 0x7fffffff)
        if (!(this.sectorSize > 0 && this.sectorCount > 0)) throw new RangeError("flash: bad geometry")
        this.fd = this.openBackingFile()

        this.addRegister(NorFlashReg.SectorSize, [this.sectorSize])
        this.addRegister(NorFlashReg.SectorCount, [this.sectorCount])
        this.addRegister(NorFlashReg.MaxTransfer, [this.maxTransfer])

        this.addCommand(NorFlashCmd.Read, pkt => {
            const [tag, length, offset] = pkt.jdunpack<[number, number, number]>(NorFlashCmdPack.Read)
            this.answer(NorFlashCmd.Read, NorFlashCmdPack.ReadReport, tag, offset, () => this.read(offset, length, true))
        })
        this.addCommand(NorFlashCmd.Program, pkt => {
            const [tag, , offset, data] = pkt.jdunpack<[number, number, number, Uint8Array]>(NorFlashCmdPack.Program)
            this.answer(NorFlashCmd.Program, NorFlashCmdPack.ProgramReport, tag, offset, () => this.program(offset, data, true))
        })
        this.addCommand(NorFlashCmd.EraseSector, pkt => {
            const [tag, , sector] = pkt.jdunpack<[number, number, number]>(NorFlashCmdPack.EraseSector)
            this.answer(NorFlashCmd.EraseSector, NorFlashCmdPack.EraseSectorReport, tag, sector, () => this.eraseSector(sector))
        })
    }

    // ---- fault injection -------------------------------------------------------------------

    /** Cut power after `byteCountFromNow` more bytes of programming or erasing (0: at the next byte). */
    armPowerCut(byteCountFromNow: number, onCut?: (cut: PowerCutInfo) => void) {
        if (!(byteCountFromNow >= 0)) throw new RangeError("armPowerCut: byte count must be ≥ 0")
        this.cutIn = Math.floor(byteCountFromNow)
        if (onCut) this.onPowerCut = onCut
    }

    isPowerOff() {
        return this.powerOff
    }

    /**
     * Worn-out cells: from now on `length` bytes at `offset` read `value` (default 0x00) whatever is
     * programmed or erased, so a wipe's read-back never proves them blank. For fault tests, set by
     * the harness in the token's own process (sim/token/token-hardware.ts, over IPC); no Jacdac
     * command reaches it, so a host cannot. Lasts as long as this server.
     */
    stickBytes(offset: number, length: number, value = 0x00) {
        this.check(offset, length, false)
        if (!(length > 0 && value >= 0 && value <= 0xff)) throw new RangeError("stickBytes: need length > 0 and a byte value")
        this.stuck.push({ offset, length, value })
        const bytes = new Uint8Array(length).fill(value)
        writeSync(this.fd, bytes, 0, length, offset)
    }

    /** Power is back (the token restarted): content is as the cut left it. */
    restorePower() {
        this.powerOff = false
        this.cutIn = -1
    }

    close() {
        if (this.fd >= 0) closeSync(this.fd)
        this.fd = -1
    }

    // ---- flash operations (also callable directly, e.g. by tests and tools) -------------------

    read(offset: number, length: number, limitTransfer = false): Uint8Array {
        this.check(offset, length, limitTransfer)
        const out = new Uint8Array(length)
        if (length) readSync(this.fd, out, 0, length, offset)
        return out
    }

    /** ANDs `data` into flash at `offset`. */
    program(offset: number, data: Uint8Array, limitTransfer = false) {
        this.check(offset, data.length, limitTransfer)
        const current = new Uint8Array(data.length)
        readSync(this.fd, current, 0, data.length, offset)
        let cutAt = -1
        for (let i = 0; i < data.length; ++i) {
            if (this.cutIn === 0) {
                cutAt = i
                break
            }
            current[i] &= data[i]
            if (this.cutIn > 0) this.cutIn--
        }
        if (cutAt >= 0) {
            // Only some of the 1→0 changes of the byte at the cut point happen.
            current[cutAt] = cutProgramByte(current[cutAt], data[cutAt], this.nextCutSeed(), offset + cutAt)
            this.keepStuck(current, offset)
            writeSync(this.fd, current, 0, cutAt + 1, offset)
            this.powerCut({ operation: "program", offset, bytesDone: cutAt })
        }
        this.keepStuck(current, offset)
        if (data.length) writeSync(this.fd, current, 0, data.length, offset)
    }

    eraseSector(sector: number) {
        if (!Number.isInteger(sector) || sector < 0 || sector >= this.sectorCount)
            throw new FlashError(NorFlashStatus.OutOfRange, `flash: sector ${sector} out of range`)
        this.checkPower()
        const offset = sector * this.sectorSize
        const content = new Uint8Array(this.sectorSize)
        if (this.cutIn >= 0 && this.cutIn < this.sectorSize) {
            const step = eraseStep(this.cutIn, this.sectorSize)
            const seed = this.nextCutSeed()
            readSync(this.fd, content, 0, this.sectorSize, offset)
            for (let i = 0; i < content.length; ++i) content[i] = cutEraseByte(content[i], seed, offset + i, step)
            this.keepStuck(content, offset)
            writeSync(this.fd, content, 0, this.sectorSize, offset)
            this.powerCut({ operation: "erase", offset, bytesDone: this.cutIn })
        }
        if (this.cutIn > 0) this.cutIn -= this.sectorSize
        content.fill(0xff)
        this.keepStuck(content, offset)
        writeSync(this.fd, content, 0, this.sectorSize, offset)
    }

    // ---- internals ----------------------------------------------------------------------------

    /** Runs a flash operation for a command and sends its report (status, and data for a read). */
    private answer(cmd: NorFlashCmd, reportFormat: string, tag: number, where: number, op: () => Uint8Array | void) {
        let status = NorFlashStatus.Ok
        let data: Uint8Array | void = undefined
        try {
            data = op()
        } catch (e) {
            status = e instanceof FlashError ? e.status : NorFlashStatus.HardwareError
            if (!(e instanceof FlashError)) console.error("flash server:", e)
        }
        const values: unknown[] = [tag, status, 0, where]
        // Only a read's report carries data, and only on success.
        if (cmd === NorFlashCmd.Read) values.push(status === NorFlashStatus.Ok && data ? data : new Uint8Array(0))
        void this.sendPacketAsync(jd.Packet.jdpacked(cmd, reportFormat, values as any[]))
    }

    private check(offset: number, length: number, limitTransfer: boolean) {
        this.checkPower()
        if (limitTransfer && length > this.maxTransfer)
            throw new FlashError(NorFlashStatus.TooLong, `flash: ${length} bytes is more than ${this.maxTransfer}`)
        const size = this.sectorSize * this.sectorCount
        if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size)
            throw new FlashError(NorFlashStatus.OutOfRange, `flash: ${length} bytes at ${offset} out of range`)
    }

    /** Puts the stuck bytes' values into `buf`, the new content of flash from `offset` on. */
    private keepStuck(buf: Uint8Array, offset: number) {
        for (const r of this.stuck) {
            const from = Math.max(r.offset, offset)
            const to = Math.min(r.offset + r.length, offset + buf.length)
            if (from < to) buf.fill(r.value, from - offset, to - offset)
        }
    }

    private checkPower() {
        if (this.powerOff) throw new FlashError(NorFlashStatus.PowerLost, "flash: power is off")
    }

    private powerCut(cut: PowerCutInfo): never {
        this.cutIn = -1
        this.powerOff = true
        const callback = this.onPowerCut
        // After the current packet is handled, so the callback may tear the token down.
        if (callback) setImmediate(() => callback(cut))
        throw new FlashError(NorFlashStatus.PowerLost, `flash: power cut during ${cut.operation}`)
    }

    private nextCutSeed() {
        return cutSeed(this.damageSeed, this.cuts++)
    }

    private openBackingFile() {
        const size = this.sectorSize * this.sectorCount
        if (!existsSync(this.file)) {
            const fd = openSync(this.file, "w+")
            const blank = new Uint8Array(this.sectorSize).fill(0xff)
            for (let s = 0; s < this.sectorCount; ++s) writeSync(fd, blank, 0, blank.length, s * this.sectorSize)
            return fd
        }
        const fd = openSync(this.file, "r+")
        const actual = fstatSync(fd).size
        if (actual !== size) {
            closeSync(fd)
            throw new Error(`flash: ${this.file} holds ${actual} bytes, geometry says ${size}`)
        }
        return fd
    }
}
