// A NOR Flash service server inside the VM, backed by a RamNorFlash: lets a test drive
// FlashClient through real Jacdac packets (test mode cannot reach the simulator's Node server).
// Implements the wire behaviour of services/flash.md, including the status codes.
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { RamNorFlash, POWER_CUT_MESSAGE } from "../../../src/storage/ram-flash"

const MAX_TRANSFER = 224

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
    return (e as Error).message === POWER_CUT_MESSAGE ? ds.NorFlashStatus.PowerLost : ds.NorFlashStatus.OutOfRange
}
