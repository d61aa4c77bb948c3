// The simulator's side of the "NOR Flash" service (services/flash.md): one token's flash, kept in
// a file so that it survives restarts of the token's VM, with the rules of encrypted NOR flash and
// power-cut injection.
//
// The file holds what the flash chip of an ESP32-C3 with flash encryption holds (services/flash.md,
// "The simulator"): each programmed row is XTS-AES-128 ciphertext under the chip's key, which lives
// in a separate file (the eFuse key block: read by the chip, never by a flash dump); destroys and
// erases land raw. Reading the flash file is therefore what `esptool read_flash` gives on a board.
// With `encryption: "off"` rows are stored as given (the `encrypted` register then reads 0).
//
// Power-cut model (services/flash.md "Power cuts"; the damage rule is common/flash-damage.ts,
// shared with src/storage/ram-flash.ts): work is counted in bytes as the chip writes them (a program
// or destroy of n rows is n × 32, an erase one sector). armPowerCut(k) cuts power after k more bytes
// of work: a program or destroy keeps the bytes before the cut point and some of the 1→0 changes of
// the byte at it (a torn row); an erase leaves the sector's 0 bits raised to 1 by its progress. The
// partial state is written to the file, the server then answers every command with `power_lost` (a
// dead flash chip answers nothing, but an answer lets the VM fail fast) and the onPowerCut callback
// runs, so that the simulator can kill and restart the token. restorePower() (or a new FlashServer
// on the same files) brings it back.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from "node:fs"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import jd from "../../lib/jacdac/jacdac-ts.js"
import { cutEraseByte, cutProgramByte, cutSeed, eraseStep } from "../../common/flash-damage.js"
import { NorFlashCmd, NorFlashCmdPack, NorFlashReg, NorFlashStatus, SRV_NOR_FLASH, loadProjectServiceSpecs } from "../../lib/jacdac/service-specs.js"

export { NorFlashStatus as FlashStatus }

/** The unit of program, destroy and row_states (services/flash.md: the ESP32's encryption block). */
export const ROW_SIZE = 32
/** Most rows one destroy or row_states covers (one 4 KiB sector). */
export const MAX_ROWS_PER_COMMAND = 128

/**
 * read_rows answers in parts of this many rows (services/flash.md): max_transfer / row_size, so
 * that a part (6 bytes of header and 7 rows: a 230-byte packet) fits one Jacdac frame.
 */
export const ROWS_PER_PART = 7
/** The most read_rows parts a server sends in one pass of the loop (services/flash.md: 7 always
 *  fit the VM's empty receive queue). */
export const PARTS_PER_PASS = 7

/** A row's raw state, as row_states reports it (2 bits per row). */
export enum RowState {
    Erased = 0,
    Destroyed = 1,
    Written = 2,
}

/** A failed flash operation and the status its report carries. */
export class FlashError extends Error {
    constructor(
        readonly status: NorFlashStatus,
        message: string
    ) {
        super(message)
    }
}

export interface FlashServerOptions {
    /** Backing file (the flash chip's content); created all 0xFF if missing. */
    file: string
    sectorSize: number
    sectorCount: number
    /** Largest read/program per command (default 224, as on ESP32). */
    maxTransfer?: number
    /** Seed of the damage power cuts do (common/flash-damage.ts; default: drawn at random). */
    damageSeed?: number
    /**
     * Flash encryption: `keyFile` holds the chip's 32-byte XTS-AES-128 key (its eFuse key block),
     * created at random with a new flash file and kept across restarts; never inside `file`.
     * "off": plain flash, for tests that need to see the bytes as programmed.
     */
    encryption: { keyFile: string } | "off"
}

export interface PowerCutInfo {
    operation: "program" | "destroy" | "erase"
    /** Flash offset of the operation (sector start for an erase). */
    offset: number
    /** Bytes of the operation done before the cut (program, destroy) or erase progress in bytes. */
    bytesDone: number
}

export class FlashServer extends jd.JDServiceServer {
    readonly file: string
    readonly sectorSize: number
    readonly sectorCount: number
    readonly maxTransfer: number
    /** The chip's flash-encryption key, or undefined for plain flash. */
    readonly encryptionKey: Uint8Array | undefined
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
        if (!(this.sectorSize > 0 && this.sectorCount > 0 && this.sectorSize % ROW_SIZE === 0))
            throw new RangeError(`flash: bad geometry (sectors must be a positive multiple of ${ROW_SIZE} bytes)`)
        if (!(this.maxTransfer >= ROW_SIZE)) throw new RangeError(`flash: max_transfer must hold at least one row (${ROW_SIZE} bytes)`)
        const isNew = !existsSync(this.file)
        this.encryptionKey = options.encryption === "off" ? undefined : loadChipKey(options.encryption.keyFile, this.file, isNew)
        this.fd = this.openBackingFile()

        this.addRegister(NorFlashReg.SectorSize, [this.sectorSize])
        this.addRegister(NorFlashReg.SectorCount, [this.sectorCount])
        this.addRegister(NorFlashReg.MaxTransfer, [this.maxTransfer])
        this.addRegister(NorFlashReg.RowSize, [ROW_SIZE])
        this.addRegister(NorFlashReg.Encrypted, [this.encryptionKey ? 1 : 0])

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
        this.addCommand(NorFlashCmd.Destroy, pkt => {
            const [tag, rows, offset] = pkt.jdunpack<[number, number, number]>(NorFlashCmdPack.Destroy)
            this.answer(NorFlashCmd.Destroy, NorFlashCmdPack.DestroyReport, tag, offset, () => this.destroy(offset, rows))
        })
        this.addCommand(NorFlashCmd.ReadRows, pkt => {
            const [tag, rows, offset] = pkt.jdunpack<[number, number, number]>(NorFlashCmdPack.ReadRows)
            void this.answerReadRows(tag, offset, rows)
        })
        this.addCommand(NorFlashCmd.RowStates, pkt => {
            const [tag, rows, offset] = pkt.jdunpack<[number, number, number]>(NorFlashCmdPack.RowStates)
            this.answer(NorFlashCmd.RowStates, NorFlashCmdPack.RowStatesReport, tag, offset, () => this.rowStates(offset, rows))
        })
    }

    // ---- fault injection -------------------------------------------------------------------

    /** Cut power after `byteCountFromNow` more bytes of programming, destroying or erasing (0: at the next byte). */
    armPowerCut(byteCountFromNow: number, onCut?: (cut: PowerCutInfo) => void) {
        if (!(byteCountFromNow >= 0)) throw new RangeError("armPowerCut: byte count must be ≥ 0")
        this.cutIn = Math.floor(byteCountFromNow)
        if (onCut) this.onPowerCut = onCut
    }

    isPowerOff() {
        return this.powerOff
    }

    /**
     * Worn-out cells: from now on `length` bytes at `offset` hold `value` (default 0x00) in the chip
     * whatever is programmed or erased, so a wipe's read-back never proves them blank. For fault
     * tests, set by the harness in the token's own process (sim/token/token-hardware.ts, over IPC);
     * no Jacdac command reaches it, so a host cannot. Lasts as long as this server.
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

    /** The bytes at `offset`, decrypted when the flash is encrypted (erased or destroyed rows: noise). */
    read(offset: number, length: number, limitTransfer = false): Uint8Array {
        this.check(offset, length, limitTransfer)
        if (!this.encryptionKey || length === 0) return this.readRaw(offset, length)
        const first = offset - (offset % ROW_SIZE)
        const end = Math.ceil((offset + length) / ROW_SIZE) * ROW_SIZE
        const plain = decryptFlash(this.encryptionKey, first, this.readRaw(first, end - first))
        return plain.slice(offset - first, offset - first + length)
    }

    /** The bytes as the chip holds them (ciphertext when encrypted): what a flash dump shows. */
    readRaw(offset: number, length: number): Uint8Array {
        this.check(offset, length, false)
        const out = new Uint8Array(length)
        if (length) readSync(this.fd, out, 0, length, offset)
        return out
    }

    /** Writes whole rows of `data` into erased rows from row-aligned `offset` (encrypted when the flash is). */
    program(offset: number, data: Uint8Array, limitTransfer = false) {
        this.check(offset, data.length, limitTransfer)
        if (offset % ROW_SIZE !== 0 || data.length === 0 || data.length % ROW_SIZE !== 0)
            throw new FlashError(
                NorFlashStatus.Unaligned,
                `flash: a program must be whole ${ROW_SIZE}-byte rows at a row boundary (got ${data.length} bytes at ${offset})`
            )
        const states = this.rowStateList(offset, data.length / ROW_SIZE)
        const used = states.findIndex(s => s !== RowState.Erased)
        if (used >= 0)
            throw new FlashError(NorFlashStatus.NotErased, `flash: row at ${offset + used * ROW_SIZE} is ${RowState[states[used]].toLowerCase()}, not erased`)
        let chip = data
        if (this.encryptionKey) {
            chip = new Uint8Array(data.length)
            for (let at = 0; at < data.length; at += ROW_SIZE)
                chip.set(xtsRow(createCipheriv, this.encryptionKey, offset + at, data.subarray(at, at + ROW_SIZE)), at)
        }
        this.writeRaw("program", offset, chip)
    }

    /** Writes zeros, raw, over `rows` rows from row-aligned `offset`, whatever they hold. */
    destroy(offset: number, rows: number) {
        this.checkRows(offset, rows)
        this.writeRaw("destroy", offset, new Uint8Array(rows * ROW_SIZE))
    }

    /** The raw state of `rows` rows from row-aligned `offset`, packed 2 bits per row (services/flash.md). */
    rowStates(offset: number, rows: number): Uint8Array {
        this.checkRows(offset, rows)
        const packed = new Uint8Array(Math.ceil(rows / 4))
        this.rowStateList(offset, rows).forEach((state, i) => (packed[i >> 2] |= state << (2 * (i & 3))))
        return packed
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

    /**
     * read_rows: `rows` rows from row-aligned `offset` as parts of ROWS_PER_PART rows, each with the
     * rows' states (2 bits per row) and their bytes as read() gives them; all read before the first
     * part goes out.
     */
    readRows(offset: number, rows: number): { states: number; data: Uint8Array }[] {
        this.checkRows(offset, rows)
        const parts: { states: number; data: Uint8Array }[] = []
        const list = this.rowStateList(offset, rows)
        for (let first = 0; first < rows; first += ROWS_PER_PART) {
            const n = Math.min(ROWS_PER_PART, rows - first)
            let states = 0
            for (let j = 0; j < n; ++j) states |= list[first + j] << (2 * j)
            parts.push({ states, data: this.read(offset + first * ROW_SIZE, n * ROW_SIZE) })
        }
        return parts
    }

    /**
     * Lose read_rows parts on purpose (for tests): `lose(tag, part)` true drops that report as a full
     * receive queue of the VM would. Undefined: nothing lost but what the queue's rule drops.
     */
    losePart?: (tag: number, part: number) => boolean

    // ---- internals ----------------------------------------------------------------------------

    /**
     * Sends read_rows' parts as the ESP32 server does (services/flash.md, "How fast a server may send
     * parts"): at most PARTS_PER_PASS per pass of the loop, the next pass once the VM has taken them
     * (here: the next turn of Node's event loop, by which the in-process VM has). Each part goes
     * through a model of the VM's receive queue and is lost when it would not fit, as on a board.
     */
    private async answerReadRows(tag: number, offset: number, rows: number) {
        let parts: { states: number; data: Uint8Array }[]
        try {
            parts = this.readRows(offset, rows)
        } catch (e) {
            const status = e instanceof FlashError ? e.status : NorFlashStatus.HardwareError
            if (!(e instanceof FlashError)) console.error("flash server:", e)
            void this.sendPacketAsync(jd.Packet.jdpacked(NorFlashCmd.ReadRows, NorFlashCmdPack.ReadRowsReport, [tag, status, 0, 0, new Uint8Array(0)]))
            return
        }
        for (let first = 0; first < parts.length; first += PARTS_PER_PASS) {
            if (first > 0) await new Promise(resolve => setImmediate(resolve))
            this.receiveQueue.taken()
            for (let p = first; p < Math.min(parts.length, first + PARTS_PER_PASS); ++p) {
                const pkt = jd.Packet.jdpacked(NorFlashCmd.ReadRows, NorFlashCmdPack.ReadRowsReport, [
                    tag,
                    NorFlashStatus.Ok,
                    p,
                    parts[p].states,
                    parts[p].data,
                ])
                if (!this.receiveQueue.push(pkt.data.length) || this.losePart?.(tag, p)) continue
                void this.sendPacketAsync(pkt)
            }
        }
    }

    private readonly receiveQueue = new VmReceiveQueue()

    /** Runs a flash operation for a command and sends its report (status, and data for a read or row_states). */
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
        // Only a read's and a row_states' reports carry data, and only on success.
        if (cmd === NorFlashCmd.Read || cmd === NorFlashCmd.RowStates) values.push(status === NorFlashStatus.Ok && data ? data : new Uint8Array(0))
        void this.sendPacketAsync(jd.Packet.jdpacked(cmd, reportFormat, values as any[]))
    }

    /**
     * The chip writing `data` at `offset` as it is: NOR cells only go from 1 to 0 (over erased rows
     * that is the data; zeros over anything are zeros), counted as work for an armed power cut.
     */
    private writeRaw(operation: "program" | "destroy", offset: number, data: Uint8Array) {
        const current = this.readRaw(offset, data.length)
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
            // Only some of the 1→0 changes of the byte at the cut point happen: the row there is torn.
            current[cutAt] = cutProgramByte(current[cutAt], data[cutAt], this.nextCutSeed(), offset + cutAt)
            this.keepStuck(current, offset)
            writeSync(this.fd, current, 0, cutAt + 1, offset)
            this.powerCut({ operation, offset, bytesDone: cutAt })
        }
        this.keepStuck(current, offset)
        writeSync(this.fd, current, 0, data.length, offset)
    }

    private rowStateList(offset: number, rows: number): RowState[] {
        const raw = this.readRaw(offset, rows * ROW_SIZE)
        return Array.from({ length: rows }, (_, i) => rowState(raw.subarray(i * ROW_SIZE, (i + 1) * ROW_SIZE)))
    }

    /** The checks of destroy and row_states, in the spec's order. */
    private checkRows(offset: number, rows: number) {
        this.checkPower()
        if (!(Number.isInteger(rows) && rows >= 1 && rows <= MAX_ROWS_PER_COMMAND))
            throw new FlashError(NorFlashStatus.Unaligned, `flash: ${rows} rows (1 to ${MAX_ROWS_PER_COMMAND} per command)`)
        this.check(offset, rows * ROW_SIZE, false)
        if (offset % ROW_SIZE !== 0) throw new FlashError(NorFlashStatus.Unaligned, `flash: offset ${offset} is not at a ${ROW_SIZE}-byte row boundary`)
    }

    private check(offset: number, length: number, limitTransfer: boolean) {
        this.checkPower()
        if (limitTransfer && length > this.maxTransfer) throw new FlashError(NorFlashStatus.TooLong, `flash: ${length} bytes is more than ${this.maxTransfer}`)
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

/**
 * The DeviceScript VM's receive queue on an ESP32 as jacdac-c keeps it (services/flash.md): a ring
 * of RX_QUEUE_BYTES into which each frame for the VM is pushed whole (its size rounded up to 4), or
 * dropped when it does not fit; the VM empties it between passes of the loop.
 */
export class VmReceiveQueue {
    /** JD_RX_QUEUE_SIZE of a DeviceScript build (jacdac-c inc/jd_config.h). */
    static readonly RX_QUEUE_BYTES = 2048
    /** A frame's header before its packets (crc, size, flags, device id) and a packet's own. */
    static readonly FRAME_HEADER_BYTES = 12
    static readonly PACKET_HEADER_BYTES = 4
    private front = 0
    private back = 0

    /** Pushes the frame of one packet with `payloadBytes`; false when it is dropped (no room). */
    push(payloadBytes: number): boolean {
        const size = (VmReceiveQueue.FRAME_HEADER_BYTES + VmReceiveQueue.PACKET_HEADER_BYTES + payloadBytes + 3) & ~3
        const capacity = VmReceiveQueue.RX_QUEUE_BYTES
        if (this.front <= this.back) {
            if (this.back + size <= capacity) this.back += size
            else if (this.front > size)
                this.back = size // wraps to the ring's start
            else return false
        } else if (this.back + size < this.front) this.back += size
        else return false
        return true
    }

    /** The VM has taken every frame: the ring is empty where it stands. */
    taken() {
        this.front = this.back
    }
}

/** A row's raw state: all 0xFF erased, all 0x00 destroyed, anything else written. */
export function rowState(raw: Uint8Array): RowState {
    if (raw.every(b => b === 0xff)) return RowState.Erased
    if (raw.every(b => b === 0x00)) return RowState.Destroyed
    return RowState.Written
}

/** XTS-AES-128 key bytes: two AES-128 keys, which must differ (OpenSSL refuses equal halves). */
export const CHIP_KEY_SIZE = 32

/**
 * One row through the chip's flash encryption: a 32-byte XTS data unit whose tweak is the row's
 * offset (the flash address, as on the ESP32-C3), little-endian in 16 bytes.
 */
function xtsRow(make: typeof createCipheriv | typeof createDecipheriv, key: Uint8Array, offset: number, row: Uint8Array): Uint8Array {
    const tweak = Buffer.alloc(16)
    tweak.writeUInt32LE(offset, 0)
    const c = make("aes-128-xts", key, tweak)
    return Buffer.concat([c.update(row), c.final()])
}

/** Decrypts `raw` (a flash dump's bytes from row-aligned `offset`) with the chip key: what the chip would read. */
export function decryptFlash(key: Uint8Array, offset: number, raw: Uint8Array): Uint8Array {
    if (offset % ROW_SIZE !== 0 || raw.length % ROW_SIZE !== 0) throw new RangeError("decryptFlash: whole rows at a row boundary")
    const out = new Uint8Array(raw.length)
    for (let at = 0; at < raw.length; at += ROW_SIZE) out.set(xtsRow(createDecipheriv, key, offset + at, raw.subarray(at, at + ROW_SIZE)), at)
    return out
}

/**
 * The chip's key from `keyFile`: made at random for a new flash (a new chip), kept across restarts
 * (a power cycle). A flash file without its key file is a chip without its eFuses: refused.
 */
function loadChipKey(keyFile: string, flashFile: string, newFlash: boolean): Uint8Array {
    if (keyFile === flashFile) throw new Error("flash: the chip key must not be kept in the flash file")
    if (!existsSync(keyFile)) {
        if (!newFlash) throw new Error(`flash: ${flashFile} exists but its chip key ${keyFile} does not (encrypted with a key that is gone)`)
        let key: Buffer
        do key = randomBytes(CHIP_KEY_SIZE)
        while (key.subarray(0, 16).equals(key.subarray(16)))
        writeFileSync(keyFile, key, { mode: 0o600 })
        return key
    }
    const key = readFileSync(keyFile)
    if (key.length !== CHIP_KEY_SIZE || key.subarray(0, 16).equals(key.subarray(16)))
        throw new Error(`flash: ${keyFile} is not a chip key (${CHIP_KEY_SIZE} bytes, two different halves)`)
    return key
}

/**
 * What a new chip holds after its firmware has written `plain` (a whole flash's plaintext, rows of
 * 0xFF being erased rows): a new chip key in `files.efuseKey`, and in `files.flash` every written
 * row encrypted under it while erased rows stay raw 0xFF. For tests and benchmarks that start a
 * token from a prepared flash (a full log) instead of hours of simulated scanning.
 */
export function writeChipImage(files: { flash: string; efuseKey: string }, plain: Uint8Array) {
    if (plain.length % ROW_SIZE !== 0) throw new RangeError("writeChipImage: whole rows")
    if (existsSync(files.efuseKey)) throw new Error(`writeChipImage: ${files.efuseKey} exists: a chip is made once`)
    const key = loadChipKey(files.efuseKey, files.flash, true)
    const raw = Buffer.alloc(plain.length, 0xff)
    for (let at = 0; at < plain.length; at += ROW_SIZE) {
        const row = plain.subarray(at, at + ROW_SIZE)
        if (row.some(b => b !== 0xff)) raw.set(xtsRow(createCipheriv, key, at, row), at)
    }
    writeFileSync(files.flash, raw)
}
