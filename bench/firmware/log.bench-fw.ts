// Firmware benchmark of the contact log at the token's real geometry (253 × 4 KiB sectors), in VM
// time (ds.millis()), against the in-VM RAM flash (which keeps full content only for the two most
// recently written sectors: a full 1 MiB does not fit the VM heap; see src/storage/ram-flash.ts).
// The RAM flash yields once per operation, as any real flash call would, so the figures include
// the VM's scheduling but no Jacdac round trips (each append is 1 program command on a device).
// Prints
//   BENCH log_flash_bytes_per_record=… log_records_per_s=… log_boot_full_ms=… …
// and exits (ds.restart(), which the CLI's test mode reports as "test OK", exit code 0). Run:
//   node node_modules/@devicescript/cli/built/devicescript-cli.cjs run bench/firmware/log.bench-fw.ts --test --test-self-exit --test-timeout 1200000
import * as ds from "@devicescript/core"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { ContactLog } from "../../src/storage/contact-log"
import { ContactRecord } from "../../src/storage/contact-record"
import { LOG_GUARANTEED_RECORDS, LOG_MAX_RECORDS, LOG_RECORDS_PER_SECTOR, LOG_SECTOR_COUNT, SECTOR_SIZE } from "../../src/storage/layout"

/** 2024-03-01T00:00Z in Unix minutes: any time does, the log keeps the minutes it is given. */
const FIRST_SEEN = 28486080

function round(x: number, digits: number) {
    const f = Math.pow(10, digits)
    return Math.round(x * f) / f
}

async function main() {
    const region = { firstSector: 0, sectorCount: LOG_SECTOR_COUNT }
    const flash = new RamNorFlash({ sectorSize: SECTOR_SIZE, sectorCount: LOG_SECTOR_COUNT, retainSectors: 2 })
    let log = await ContactLog.open(flash, region)
    // One record object, its RPI renumbered per append (not testRecord()): nothing is allocated in the timed loop.
    const record: ContactRecord = {
        rpi: Buffer.alloc(16),
        aem: Buffer.alloc(4),
        firstSeen: FIRST_SEEN,
        lastSeen: FIRST_SEEN + 12,
        scans: 4,
        rssiMax: -55,
        rssiMean: -63,
        rssiMin: -71,
    }

    // Fill the log completely, timing the appends.
    await ds.sleep(0)
    const fillStart = ds.millis()
    for (let i = 0; i < LOG_MAX_RECORDS; ++i) {
        record.rpi.setAt(0, "u32", i)
        await log.append(record)
    }
    const fillMs = ds.millis() - fillStart
    const programmed = flash.stats.bytesProgrammed

    // Boot: rebuild the index of the full log.
    const readsBefore = flash.stats.reads
    const bytesReadBefore = flash.stats.bytesRead
    await ds.sleep(0)
    const bootStart = ds.millis()
    log = await ContactLog.open(flash, region)
    const bootMs = ds.millis() - bootStart
    const bootReads = flash.stats.reads - readsBefore
    const bootBytes = flash.stats.bytesRead - bytesReadBefore
    if (log.stats().slotsUsed !== LOG_MAX_RECORDS) throw new Error("bench: the rebuilt index lost records")

    // Steady state of a full log: each sector's worth of appends reclaims the oldest sector.
    await ds.sleep(0)
    const wrapStart = ds.millis()
    const wrapCount = 4 * LOG_RECORDS_PER_SECTOR
    for (let i = 0; i < wrapCount; ++i) {
        record.rpi.setAt(0, "u32", LOG_MAX_RECORDS + i)
        await log.append(record)
    }
    const wrapMs = ds.millis() - wrapStart

    const results = [
        "log_flash_bytes_per_record=" + round(SECTOR_SIZE / LOG_RECORDS_PER_SECTOR, 2),
        "log_programmed_bytes_per_record=" + round(programmed / LOG_MAX_RECORDS, 2),
        "log_capacity_records=" + LOG_MAX_RECORDS,
        "log_guaranteed_records=" + LOG_GUARANTEED_RECORDS,
        "log_records_per_s=" + round((LOG_MAX_RECORDS * 1000) / fillMs, 0),
        "log_full_records_per_s=" + round((wrapCount * 1000) / wrapMs, 0),
        "log_boot_full_ms=" + bootMs,
        "log_boot_reads=" + bootReads,
        "log_boot_bytes_read=" + bootBytes,
        "log_index_ram_bytes=" + LOG_SECTOR_COUNT * 14, // sequence number, newest and oldest time, record count per sector
    ]
    console.log("BENCH " + results.join(" "))
    ds.restart()
}

await main()
