// What someone holding the flash chip reads: the raw bytes, not what the flash service decrypts.
import * as ds from "@devicescript/core"
import { RamNorFlash } from "../../../src/storage/ram-flash"

/** Bytes of the whole flash that are not 0xFF, read raw (0 after a finished wipe). */
export async function rawBytesNotErased(flash: RamNorFlash) {
    const g = await flash.geometry()
    let n = 0
    for (let sector = 0; sector < g.sectorCount; ++sector) {
        const buf = await flash.readRaw(sector * g.sectorSize, g.sectorSize)
        for (let i = 0; i < g.sectorSize; ++i) if (buf[i] !== 0xff) n++
        await ds.sleep(0)
    }
    return n
}
