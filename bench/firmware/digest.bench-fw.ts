// Firmware benchmark: how many packets the token's VM sends per record for a whole log read, the
// digest (read_log_digest) beside the full records (read_log), counted on the in-VM RAM flash at the
// token's sector size: each Flash.readRows is one read_rows command of the VM, each page one report
// (services/token-sync.md, services/flash.md). The VM sends at most 50 packets a second (sim/README.md),
// so packets × 20 ms is the floor of a read's time. A log of 8 sectors at a full log's density
// (32,131 records in 14 days: about 1.6 a minute); a full log is 253 such sectors.
// Prints BENCH digest_vm_packets_per_record=… read_log_vm_packets_per_record=… and exits. Run:
//   node node_modules/@devicescript/cli/built/devicescript-cli.cjs run bench/firmware/digest.bench-fw.ts --test --test-self-exit --test-timeout 1200000
import * as ds from "@devicescript/core"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { ContactLog, LOG_START, LogCursor } from "../../src/storage/contact-log"
import { ContactRecord } from "../../src/storage/contact-record"
import { LOG_RECORDS_PER_SECTOR, SECTOR_SIZE } from "../../src/storage/layout"

const SECTORS = 8
/** 2024-03-01T00:00Z in Unix minutes. */
const T0 = 28486080
/** The Bluetooth host's most entries per page: one sealed page in one radio value (ISSUE21 design). */
const BLE_ENTRIES = 38

function round(x: number, digits: number) {
    const f = Math.pow(10, digits)
    return Math.round(x * f) / f
}

async function digestPackets(log: ContactLog, flash: RamNorFlash, maxEntries: number) {
    const before = flash.stats.readRowsRequests
    let pages = 0
    let entries = 0
    let cursor: LogCursor = LOG_START
    let done = false
    while (!done) {
        await log.readDigestPages(cursor, maxEntries, ds.TokenSyncLayout.DigestMaxSpanIntervals, ds.TokenSyncLayout.MaxBurstPages, async p => {
            pages++
            entries += p.count
            cursor = p.next
            done = p.done
        })
    }
    return { packets: flash.stats.readRowsRequests - before + pages, pages, entries }
}

async function readLogPackets(log: ContactLog, flash: RamNorFlash) {
    const before = flash.stats.readRowsRequests
    let pages = 0
    let records = 0
    let cursor: LogCursor = LOG_START
    for (;;) {
        const chunks = await log.readPages(cursor, ds.TokenSyncLayout.RecordsPerPage, ds.TokenSyncLayout.MaxBurstPages)
        pages += chunks.length
        for (const c of chunks) records += c.count
        cursor = chunks[chunks.length - 1].next
        if (chunks[chunks.length - 1].done) break
    }
    return { packets: flash.stats.readRowsRequests - before + pages, records }
}

async function main() {
    const flash = new RamNorFlash({ sectorSize: SECTOR_SIZE, sectorCount: SECTORS })
    const log = await ContactLog.open(flash, { firstSector: 0, sectorCount: SECTORS })
    const record: ContactRecord = {
        rpi: Buffer.alloc(16),
        aem: Buffer.alloc(4),
        firstSeen: T0,
        lastSeen: T0,
        scans: 4,
        rssiMax: -55,
        rssiMean: -63,
        rssiMin: -71,
    }
    const n = SECTORS * LOG_RECORDS_PER_SECTOR
    for (let i = 0; i < n; ++i) {
        record.rpi.setAt(0, "u32", i)
        record.lastSeen = T0 + Math.idiv(i * 5, 8) + 10
        record.firstSeen = record.lastSeen - 10
        await log.append(record)
    }
    const cable = await digestPackets(log, flash, ds.TokenSyncLayout.MaxDigestEntriesPerPage)
    const ble = await digestPackets(log, flash, BLE_ENTRIES)
    const full = await readLogPackets(log, flash)
    if (cable.entries !== n || ble.entries !== n || full.records !== n)
        throw new Error(`digest bench: read ${cable.entries}/${ble.entries}/${full.records} of ${n}`)
    console.log(
        `BENCH digest_records=${n} digest_vm_packets_per_record=${round(cable.packets / n, 4)} digest_pages=${cable.pages} ` +
            `digest_ble_vm_packets_per_record=${round(ble.packets / n, 4)} read_log_vm_packets_per_record=${round(full.packets / n, 4)} ` +
            `digest_floor_full_log_s=${round((cable.packets / n) * 32131 * 0.02, 1)} digest_ble_floor_full_log_s=${round((ble.packets / n) * 32131 * 0.02, 1)}`
    )
    ds.restart()
}

await main()
