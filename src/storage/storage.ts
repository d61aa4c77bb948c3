// The token's whole flash: the key store, the secrets and the contact log in their fixed sectors
// (layout.ts, docs/storage.md).
import { Flash, FlashRegion, WipeReport } from "./flash"
import { ContactLog } from "./contact-log"
import { KeyStore } from "./key-store"
import { SecretStore } from "./secrets"
import { KEY_STORE_FIRST_SECTOR, KEY_STORE_SECTOR_COUNT, LOG_FIRST_SECTOR, SECRETS_SECTOR } from "./layout"

export interface Storage {
    log: ContactLog
    keys: KeyStore
    secrets: SecretStore
}

/** Where the key store, the secrets and the log live in a flash of `sectorCount` sectors (the log takes the rest). */
export function storageRegions(sectorCount: number): { keys: FlashRegion; secrets: FlashRegion; log: FlashRegion } {
    return {
        keys: { firstSector: KEY_STORE_FIRST_SECTOR, sectorCount: KEY_STORE_SECTOR_COUNT },
        secrets: { firstSector: SECRETS_SECTOR, sectorCount: 1 },
        log: { firstSector: LOG_FIRST_SECTOR, sectorCount: sectorCount - LOG_FIRST_SECTOR },
    }
}

/** Opens (and, after a power cut, repairs) the key store, the secrets and the contact log. */
export async function openStorage(flash: Flash): Promise<Storage> {
    const g = await flash.geometry()
    if (g.sectorCount < LOG_FIRST_SECTOR + 2) throw new RangeError("storage: flash too small")
    const regions = storageRegions(g.sectorCount)
    const keys = await KeyStore.open(flash, regions.keys)
    const secrets = await SecretStore.open(flash, regions.secrets)
    const log = await ContactLog.open(flash, regions.log)
    return { log, keys, secrets }
}

/**
 * Decommissioning: erases every key, secrets and log sector, then reads every row's raw state back.
 * `bytesNotErased === 0` is the proof that nothing is left.
 */
export async function wipeStorage(storage: Storage): Promise<WipeReport> {
    const reports = [await storage.keys.wipe(), await storage.secrets.wipe(), await storage.log.wipe()]
    const total: WipeReport = { sectorsErased: 0, bytesChecked: 0, bytesNotErased: 0 }
    for (const r of reports) {
        total.sectorsErased += r.sectorsErased
        total.bytesChecked += r.bytesChecked
        total.bytesNotErased += r.bytesNotErased
    }
    return total
}
