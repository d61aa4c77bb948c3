// A NOR Flash service server inside the VM, backed by a RamNorFlash: lets a test drive
// FlashClient through real Jacdac packets (test mode cannot reach the simulator's Node server).
// Implements the wire behaviour of services/flash.md, including the status codes and the
// encrypted-flash rules (the RAM flash enforces them).
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { RamNorFlash, NOT_ERASED_MESSAGE, POWER_CUT_MESSAGE, UNALIGNED_MESSAGE } from "../../../src/storage/ram-flash"
import { MAX_TRANSFER, ROW_SIZE } from "../../../src/storage/layout"
import { RowsRead } from "../../../src/storage/flash"

/** Status values of services/flash.md beyond the generated enum's first ones. */
const STATUS_UNALIGNED = 6
const STATUS_NOT_ERASED = 7
const READ_ROWS = 0x85

export class VmFlashServer extends Server {
    constructor(private readonly flash: RamNorFlash) {
        super(ds.NorFlash.spec)
    }
    sectorSize() {
        return (this.flash as any).geo.sectorSize
    }
    sectorCount() {
        return (this.flash as any).geo.sectorCount
    }
    maxTransfer() {
        return MAX_TRANSFER
    }
    rowSize() {
        return ROW_SIZE
    }
    encrypted() {
        return true
    }
    // DeviceScript hands a command's fields to its server method as one tuple.
    async read(args: any) {
        const [tag, length, offset] = args as number[]
        if (length > MAX_TRANSFER) return [tag, ds.NorFlashStatus.TooLong, 0, offset, Buffer.alloc(0)]
        try {
            return [tag, ds.NorFlashStatus.Ok, 0, offset, await this.flash.read(offset, length)]
        } catch (e) {
            return [tag, statusOf(e), 0, offset, Buffer.alloc(0)]
        }
    }
    async program(args: any) {
        const [tag, , offset, data] = args as any[]
        try {
            await this.flash.program(offset, data)
            return [tag, ds.NorFlashStatus.Ok, 0, offset]
        } catch (e) {
            return [tag, statusOf(e), 0, offset]
        }
    }
    async destroy(args: any) {
        const [tag, rows, offset] = args as number[]
        try {
            await this.flash.destroy(offset, rows)
            return [tag, ds.NorFlashStatus.Ok, 0, offset]
        } catch (e) {
            return [tag, statusOf(e), 0, offset]
        }
    }
    async rowStates(args: any) {
        const [tag, rows, offset] = args as number[]
        try {
            const states = await this.flash.rowStates(offset, rows)
            // 2 bits per row, row i at bits 2 × (i % 4) of byte i / 4.
            const packed = Buffer.alloc((rows + 3) >> 2)
            for (let i = 0; i < rows; ++i) packed[i >> 2] |= states[i] << (2 * (i & 3))
            return [tag, ds.NorFlashStatus.Ok, 0, offset, packed]
        } catch (e) {
            return [tag, statusOf(e), 0, offset, Buffer.alloc(0)]
        }
    }
    /**
     * Test hooks for read_rows: a part for which `losePart(tag, part)` is true is not sent (the last
     * part of an answer is always sent: it is the server method's answer), and one for which
     * `latePart(tag, part)` is true goes out late, with its bytes changed (what the rows held before
     * a destroy, say): just before the parts of the next read_rows, as a part of an earlier request
     * that took its time would.
     */
    losePart: (tag: number, part: number) => boolean = undefined
    latePart: (tag: number, part: number) => boolean = undefined
    readRowsRequests = 0
    private held: ds.Packet = undefined

    /** read_rows (services/flash.md): one report per 7 rows, the last one as the method's answer. */
    async readRows(args: any) {
        const [tag, rows, offset] = args as number[]
        this.readRowsRequests++
        const spec = ds.NorFlash.spec.byCode(READ_ROWS)
        if (this.held) await this._send(this.held)
        this.held = undefined
        let read: RowsRead
        try {
            read = await this.flash.readRows(offset, rows)
        } catch (e) {
            return [tag, statusOf(e), 0, 0, Buffer.alloc(0)]
        }
        const perPart = Math.idiv(MAX_TRANSFER, ROW_SIZE)
        const parts = Math.idiv(rows + perPart - 1, perPart)
        let last: any[] = undefined
        for (let p = 0; p < parts; ++p) {
            const first = p * perPart
            const n = Math.min(perPart, rows - first)
            let states = 0
            for (let j = 0; j < n; ++j) states |= read.states[first + j] << (2 * j)
            const values = [tag, ds.NorFlashStatus.Ok, p, states, read.pieces[0].slice(first * ROW_SIZE, (first + n) * ROW_SIZE)]
            if (p === parts - 1) last = values
            else if (this.latePart && this.latePart(tag, p)) {
                const stale = (values[4] as Buffer).slice(0)
                for (let i = 0; i < stale.length; ++i) stale[i] ^= 0xa5
                values[4] = stale
                this.held = spec.response.encode(values)
            } else if (!(this.losePart && this.losePart(tag, p))) await this._send(spec.response.encode(values))
        }
        return last
    }
    async eraseSector(args: any) {
        const [tag, , sector] = args as number[]
        try {
            await this.flash.eraseSector(sector)
            return [tag, ds.NorFlashStatus.Ok, 0, sector]
        } catch (e) {
            return [tag, statusOf(e), 0, sector]
        }
    }
}

function statusOf(e: any) {
    const message = (e as Error).message
    if (message === POWER_CUT_MESSAGE) return ds.NorFlashStatus.PowerLost
    if (message.indexOf(UNALIGNED_MESSAGE) === 0) return STATUS_UNALIGNED
    if (message.indexOf(NOT_ERASED_MESSAGE) === 0) return STATUS_NOT_ERASED
    return ds.NorFlashStatus.OutOfRange
}
