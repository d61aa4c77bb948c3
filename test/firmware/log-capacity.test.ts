// The capacity claim at the token's real geometry: 253 sectors of 4 KiB (with the key store's 2
// sectors and the secrets sector, exactly 1 MiB) hold 32,131 records, and at least 32,004 (≥ 32,000)
// once the log wraps, on encrypted flash (one 32-byte row per record, rules enforced by the RAM flash).
// A full 1 MiB does not fit the VM heap, so the RAM flash keeps full content only for the two most
// recently written sectors and the header row and row states of the others (see ram-flash.ts):
// enough to fill the log, reboot it (boot reads row states, headers and the head sector only) and
// read its newest records.
import { describe, test, expect } from "@devicescript/test"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { ContactLog } from "../../src/storage/contact-log"
import { RECORD_SIZE } from "../../src/storage/contact-record"
import {
    FLASH_SECTOR_COUNT,
    LOG_FIRST_SECTOR,
    LOG_GUARANTEED_RECORDS,
    LOG_MAX_RECORDS,
    LOG_RECORDS_PER_SECTOR,
    LOG_SECTOR_COUNT,
    ROW_SIZE,
    SECTOR_SIZE,
} from "../../src/storage/layout"
import { T0, recordIndex, testRecord } from "./helpers/fixtures"

describe("contact log at the real geometry", () => {
    test("holds 32,131 records in 253 × 4 KiB, at least 32,000 after wrapping, and reboots full", async () => {
        expect(LOG_RECORDS_PER_SECTOR).toBe(127)
        expect(LOG_MAX_RECORDS).toBe(32131)
        expect(LOG_GUARANTEED_RECORDS).toBe(32004)
        expect(LOG_GUARANTEED_RECORDS >= 32000).toBe(true)
        expect(FLASH_SECTOR_COUNT * SECTOR_SIZE).toBe(1024 * 1024)
        expect(LOG_FIRST_SECTOR + LOG_SECTOR_COUNT).toBe(FLASH_SECTOR_COUNT)
        // A header row and one row per record fill the sector.
        expect((1 + LOG_RECORDS_PER_SECTOR) * ROW_SIZE).toBe(SECTOR_SIZE)

        const region = { firstSector: 0, sectorCount: LOG_SECTOR_COUNT }
        const flash = new RamNorFlash({ sectorSize: SECTOR_SIZE, sectorCount: LOG_SECTOR_COUNT, retainSectors: 2 })
        let log = await ContactLog.open(flash, region)
        // One record object, renumbered for each append (keeps the fill fast under GC stress).
        const r = testRecord(0, T0)
        for (let i = 0; i < LOG_MAX_RECORDS; ++i) {
            r.rpi.setAt(0, "u32", i)
            await log.append(r)
        }
        let s = log.stats()
        expect(s.capacity).toBe(LOG_MAX_RECORDS)
        expect(s.slotsUsed).toBe(LOG_MAX_RECORDS)
        expect(s.records).toBe(LOG_MAX_RECORDS)
        expect(s.sectorsInUse).toBe(LOG_SECTOR_COUNT)
        expect(flash.stats.erases).toBe(LOG_SECTOR_COUNT) // each sector erased once, nothing reclaimed yet

        log = await ContactLog.open(flash, region)
        s = log.stats()
        expect(s.slotsUsed).toBe(LOG_MAX_RECORDS)
        expect(s.records).toBe(LOG_MAX_RECORDS)
        expect(s.badHeaders).toBe(0)

        r.rpi.setAt(0, "u32", LOG_MAX_RECORDS)
        await log.append(r)
        s = log.stats()
        expect(s.sectorsInUse).toBe(LOG_SECTOR_COUNT)
        expect(s.slotsUsed).toBe(LOG_GUARANTEED_RECORDS + 1)
        expect(s.records).toBe(LOG_GUARANTEED_RECORDS + 1)
        expect(flash.stats.refused).toBe(0)

        // The newest two sectors read back in order (sequence 252 = the last one filled).
        const c = await log.readChunk({ seq: LOG_SECTOR_COUNT - 1, slot: 0 }, 200)
        expect(c.count).toBe(LOG_RECORDS_PER_SECTOR + 1)
        expect(c.done).toBe(true)
        for (let i = 0; i < c.count; ++i) expect(recordIndex(c.records, i)).toBe(LOG_MAX_RECORDS - LOG_RECORDS_PER_SECTOR + i)
    })
})
