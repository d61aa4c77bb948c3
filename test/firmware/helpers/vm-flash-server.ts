// A NOR Flash service server inside the VM, backed by a RamNorFlash: lets a test drive
// FlashClient through real Jacdac packets (test mode cannot reach the simulator's Node server).
// Implements the wire behaviour of services/flash.md, including the status codes and the
// encrypted-flash rules (the RAM flash enforces them).
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { RamNorFlash, NOT_ERASED_MESSAGE, POWER_CUT_MESSAGE, UNALIGNED_MESSAGE } from "../../../src/storage/ram-flash"
import { MAX_TRANSFER, ROW_SIZE } from "../../../src/storage/layout"

/** Status values of services/flash.md beyond the generated enum's first ones. */
const STATUS_UNALIGNED = 6
const STATUS_NOT_ERASED = 7

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
