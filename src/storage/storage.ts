// The token's whole flash: the key store and the contact log in their fixed sectors (layout.ts).
import { Flash, FlashRegion, WipeReport } from "./flash"
import { ContactLog } from "./contact-log"
import { KeyStore } from "./key-store"
import { KEY_STORE_FIRST_SECTOR, KEY_STORE_SECTOR_COUNT, LOG_FIRST_SECTOR } from "./layout"

export interface Storage {
    log: ContactLog
    keys: KeyStore
}

/** Where the key store and the log live in a flash of `sectorCount` sectors (the log takes the rest). */
export function storageRegions(sectorCount: number): { keys: FlashRegion; log: FlashRegion } {
    return {
        keys: { firstSector: KEY_STORE_FIRST_SECTOR, sectorCount: KEY_STORE_SECTOR_COUNT },
        log: { firstSector: LOG_FIRST_SECTOR, sectorCount: sectorCount - LOG_FIRST_SECTOR },
    }
}

/** Opens (and, after a power cut, repairs) the key store and the contact log. */
export async function openStorage(flash: Flash): Promise<Storage> {
    const g = await flash.geometry()
    if (g.sectorCount < LOG_FIRST_SECTOR + 2) throw new RangeError("storage: flash too small")
    const regions = storageRegions(g.sectorCount)
    const keys = await KeyStore.open(flash, regions.keys)
    const log = await ContactLog.open(flash, regions.log)
    return { log, keys }
}

/**
 * Decommissioning: erases every key and log sector, then reads every byte back.
 * `bytesNotErased === 0` is the proof that nothing is left.
 */
export async function wipeStorage(storage: Storage): Promise<WipeReport> {
    const k = await storage.keys.wipe()
    const l = await storage.log.wipe()
    return {
        sectorsErased: k.sectorsErased + l.sectorsErased,
        bytesChecked: k.bytesChecked + l.bytesChecked,
        bytesNotErased: k.bytesNotErased + l.bytesNotErased,
    }
}
