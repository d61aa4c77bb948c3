// Log read throughput: a kiosk reads a token's FULL log (32,131 records) over the simulator's
// transport (jacdac-ts TCP bus → the token's frame hub → the DeviceScript VM running the firmware).
// Filling the log through scans would take hours, so the flash file is written from Node in the
// exact on-flash format (docs/storage.md, testkit/log-flash-image.ts) and a token boots from it.
// The same read over Bluetooth (the encrypted sync link, lib/ble-link + src/link/, through the
// simulator's radio: AES-256-CCM on every page both ways), beside it. Both read in bursts of 4
// pages per read_log (services/token-sync.md); the single-page read every kiosk made before is
// timed on its first 200 pages, for comparison. And what a cable would allow: the same bytes over
// USB full-speed serial and over a 921,600-baud UART, by arithmetic.
// Also: the token's boot time with a full log (the index is rebuilt from the 253 log sectors' row
// states and headers) against an empty one.
//   npx tsx bench/logread.bench.ts         (run by `npm run bench`)
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir, cpus, loadavg } from "node:os"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import { SimClock } from "../sim/clock/sim-clock.js"
import { TokenVm } from "../sim/harness/token-vm.js"
import { withOwnerSession } from "../sim/harness/owner.js"
import { handOutSticker } from "../sim/harness/hand-out-sticker.js"
import { recordsHeldReach } from "../sim/harness/records-held.js"
import { connectToToken } from "../kiosk/index.js"
import { useBleCentral } from "../kiosk/transport/ble.js"
import { SimulatedBleCentral } from "../sim/harness/ble-central.js"
import { TokenSyncLayout as Layout } from "../lib/jacdac/service-specs.js"
import type { TokenSyncClient } from "../lib/token-sync/sync-client.js"
import type { EncounterRecord } from "../lib/token-sync/records.js"
import { LOG_MAX_RECORDS, writeTokenLog } from "../testkit/log-flash-image.js"

console.debug = () => {} // jacdac-ts narrates connections
const DAY_MINUTES = 1440
const start = Date.UTC(2026, 3, 15, 9, 0)
const startMinutes = Math.floor(start / 60_000)

/** 13 days of encounters, oldest first, all last seen before the bench's start time (as in
 *  countercheck.bench.ts): the token boots at BOOT_SCALE and takes its clock with the owner's press,
 *  hours of simulated time in which a record nearer its 14 days would expire, and a record last seen
 *  after the time the press confirms is destroyed as the clock's false future (on a full log the new
 *  head sector that opens costs the oldest one). */
const LOG_DAYS = 13
/** Minutes before the start the last record is first seen: its last sighting is at most 8 later. */
const LAST_RECORD_LEAD_MINUTES = 10
function fullLog(): EncounterRecord[] {
    return Array.from({ length: LOG_MAX_RECORDS }, (_, i) => {
        const firstSeen = startMinutes - LOG_DAYS * DAY_MINUTES + Math.floor((i * (LOG_DAYS * DAY_MINUTES - LAST_RECORD_LEAD_MINUTES)) / LOG_MAX_RECORDS)
        const rssiMean = -50 - (i % 40)
        return {
            rpi: randomBytes(16),
            aem: randomBytes(4),
            firstSeen,
            lastSeen: firstSeen + (i % 9),
            scans: 1 + (i % 4),
            rssiMax: rssiMean + 3,
            rssiMean,
            rssiMin: rssiMean - 4,
        }
    })
}

/** Boots run at the tests' usual speed; the read itself at real time, as at a kiosk. */
const BOOT_SCALE = 200

async function bootTimed(clock: SimClock, dir: string): Promise<{ vm: TokenVm; ms: number }> {
    clock.setScale(BOOT_SCALE)
    const t0 = performance.now()
    const vm = await TokenVm.start({ clock, dir, startTimeoutMs: 120_000 })
    const ms = performance.now() - t0
    clock.setScale(1)
    return { vm, ms }
}

const same = (a: EncounterRecord, b: EncounterRecord) =>
    Buffer.compare(a.rpi, b.rpi) === 0 &&
    Buffer.compare(a.aem, b.aem) === 0 &&
    a.firstSeen === b.firstSeen &&
    a.lastSeen === b.lastSeen &&
    a.scans === b.scans &&
    a.rssiMax === b.rssiMax &&
    a.rssiMean === b.rssiMean &&
    a.rssiMin === b.rssiMin

/** The single-page read (one read_log round trip per 7 records) over `pages` pages; real ms. */
async function timedSinglePages(client: TokenSyncClient, pages: number): Promise<{ ms: number; records: number }> {
    const t0 = performance.now()
    let cursor = null,
        records = 0
    for (let i = 0; i < pages; i++) {
        const page = await client.readLogPage(cursor)
        records += page.records.length
        cursor = page.next
        if (page.done) break
    }
    return { ms: performance.now() - t0, records }
}

/** Bytes a full burst page takes on a Jacdac serial link: frame header 12, packet header 4, the page. */
const PAGE_FRAME_BYTES = 12 + 4 + Layout.BurstPageHeaderBytes + Layout.RecordsPerPage * Layout.RecordBytes
/** Seconds to move `records` records as full pages at `bytesPerSecond` (the link alone, no processing). */
const wireSeconds = (records: number, bytesPerSecond: number) => (Math.ceil(records / Layout.RecordsPerPage) * PAGE_FRAME_BYTES) / bytesPerSecond

/**
 * The DeviceScript runtime lets a program send at most 50 packets a second (a burst of 5, then one
 * per 20 ms of the VM's clock: THROTTLE_COST_MS in microsoft/devicescript
 * runtime/devicescript/jdiface.c), on a device as in the simulator (sim/README.md). The packets a
 * read costs are counted by the simulator (TokenVm.vmPacketsSent): a page's report, and a read_rows
 * per sector run (services/flash.md); over Bluetooth a sealed page of 248 bytes is two radio values.
 */
const THROTTLE_PACKETS_PER_S = 50

/** The clock at real speed for `body`: the owner's press ran faster (sim/harness/owner.ts). */
async function atRealTime<T>(clock: SimClock, body: () => Promise<T>): Promise<T> {
    await clock.changeScaleAndSettle(1)
    return body()
}

/** Reads the whole log and checks it is what was written; real milliseconds and the VM packets it cost. */
async function timedRead(vm: TokenVm, client: TokenSyncClient, records: EncounterRecord[]): Promise<{ ms: number; packets: number }> {
    const sent = await vm.vmPacketsSent()
    const t0 = performance.now()
    const read = await client.readLog()
    const ms = performance.now() - t0
    const packets = (await vm.vmPacketsSent()) - sent
    if (read.length !== records.length || !read.every((r, i) => same(r, records[i])))
        throw new Error(`read ${read.length} records, not the ${records.length} written (or not the same)`)
    return { ms, packets }
}

async function main() {
    console.log(
        `== log read over the simulator's transport (${cpus().length} cores, Node ${process.version}, load average ${loadavg()
            .map(l => l.toFixed(2))
            .join(" ")})`
    )
    const clock = SimClock.startingAt(start, 1)
    const emptyDir = mkdtempSync(join(tmpdir(), "gaen-bench-logread-empty-"))
    const fullDir = mkdtempSync(join(tmpdir(), "gaen-bench-logread-full-"))
    try {
        const records = fullLog()
        writeTokenLog(fullDir, records)

        const empty = await bootTimed(clock, emptyDir)
        await empty.vm.stop()
        const full = await bootTimed(clock, fullDir)
        try {
            const kiosk = await connectToToken(`tcp://127.0.0.1:${full.vm.hubPort}`)
            try {
                // The token has counted its log after the restart; then it takes its clock, which a
                // restarted token that holds records takes only with the owner's press.
                await recordsHeldReach(kiosk.client, LOG_MAX_RECORDS)
                const set = await withOwnerSession(clock, full.vm, kiosk.client, () => kiosk.client.setTime(Math.floor(clock.now() / 1000)))
                if (set.outcome !== "set") throw new Error(`the token did not take the clock (${set.outcome})`)
                await recordsHeldReach(kiosk.client, LOG_MAX_RECORDS)
                // The owner presses once for each read (a session); the read itself is what is timed.
                const { cableRead, single } = await withOwnerSession(clock, full.vm, kiosk.client, () =>
                    atRealTime(clock, async () => ({
                        cableRead: await timedRead(full.vm, kiosk.client, records),
                        single: await timedSinglePages(kiosk.client, 200),
                    }))
                )
                const code = await handOutSticker(clock, full.vm)
                useBleCentral(new SimulatedBleCentral(full.vm))
                const ble = await connectToToken(`ble:${code}`)
                let bleRead: { ms: number; packets: number }
                try {
                    bleRead = await withOwnerSession(clock, full.vm, ble.client, () => atRealTime(clock, () => timedRead(full.vm, ble.client, records)))
                } finally {
                    await ble.close()
                }
                const read = records
                const pages = Math.ceil(read.length / Layout.RecordsPerPage)
                const bursts = Math.ceil(pages / Layout.MaxBurstPages)
                const perSecond = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString("en")
                // USB full-speed: 12 Mbit/s on the wire, about 1 MB/s of payload in bulk transfers
                // (the ESP32-S3's USB-Serial-JTAG); a classic ESP32's UART bridge at 921,600 baud, 8N1.
                const readMs = cableRead.ms
                const bleMs = bleRead.ms
                const throttleSeconds = cableRead.packets / THROTTLE_PACKETS_PER_S
                const bleThrottleSeconds = bleRead.packets / THROTTLE_PACKETS_PER_S
                const usbSeconds = wireSeconds(read.length, 1_000_000)
                const uartSeconds = wireSeconds(read.length, 921_600 / 10)
                const rows: [string, string][] = [
                    ["records in the log (full: 253 sectors × 127)", read.length.toLocaleString("en")],
                    [
                        `full log read (readLog: bursts of ${Layout.MaxBurstPages} pages of ${Layout.RecordsPerPage} records), real time (scale 1)`,
                        `${(readMs / 1000).toFixed(1)} s`,
                    ],
                    ["throughput", `${perSecond(read.length, readMs)} records/s`],
                    [
                        `the runtime's limit: the read's ${cableRead.packets.toLocaleString("en")} VM packets (measured) at ${THROTTLE_PACKETS_PER_S} a second (DeviceScript's send throttle)`,
                        `${throttleSeconds.toFixed(1)} s, ${perSecond(read.length, throttleSeconds * 1000)} records/s`,
                    ],
                    [
                        "per page / per burst",
                        `${(readMs / pages).toFixed(1)} ms (${pages.toLocaleString("en")} pages) / ${(readMs / bursts).toFixed(0)} ms (${bursts} bursts)`,
                    ],
                    [
                        `single-page read as before (one round trip per page), first ${single.records.toLocaleString("en")} records`,
                        `${perSecond(single.records, single.ms)} records/s`,
                    ],
                    ["the same full read over Bluetooth (encrypted link, simulator's radio), real time", `${(bleMs / 1000).toFixed(1)} s`],
                    ["throughput over Bluetooth", `${perSecond(read.length, bleMs)} records/s`],
                    [
                        `the runtime's limit over Bluetooth: the read's ${bleRead.packets.toLocaleString("en")} VM packets (measured)`,
                        `${bleThrottleSeconds.toFixed(1)} s, ${perSecond(read.length, bleThrottleSeconds * 1000)} records/s`,
                    ],
                    [`the full log's pages (${PAGE_FRAME_BYTES} B each) over USB full-speed serial at ~1 MB/s, wire time alone`, `${usbSeconds.toFixed(1)} s`],
                    ["the same over a 921,600-baud UART bridge (classic ESP32), wire time alone", `${uartSeconds.toFixed(1)} s`],
                    [`token boot, empty flash (harness start to sync service up, scale ${BOOT_SCALE})`, `${(empty.ms / 1000).toFixed(2)} s real`],
                    [
                        `token boot, full log (index rebuilt from 253 sectors' row states and headers, scale ${BOOT_SCALE})`,
                        `${(full.ms / 1000).toFixed(2)} s real`,
                    ],
                ]
                const w = Math.max(...rows.map(r => r[0].length))
                console.log(`| ${"what".padEnd(w)} | number |\n|${"-".repeat(w + 2)}|---|`)
                for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`)
                console.log(
                    `BENCH logread_records=${read.length} logread_seconds=${(readMs / 1000).toFixed(2)} logread_records_per_s=${Math.round(read.length / (readMs / 1000))} ble_logread_seconds=${(bleMs / 1000).toFixed(2)} ble_logread_records_per_s=${Math.round(read.length / (bleMs / 1000))} single_page_records_per_s=${Math.round(single.records / (single.ms / 1000))} throttle_limit_s=${throttleSeconds.toFixed(1)} ble_throttle_limit_s=${bleThrottleSeconds.toFixed(1)} usb_fs_wire_s=${usbSeconds.toFixed(1)} uart_921600_wire_s=${uartSeconds.toFixed(1)} boot_empty_s=${(empty.ms / 1000).toFixed(2)} boot_full_s=${(full.ms / 1000).toFixed(2)}`
                )
            } finally {
                await kiosk.close()
            }
        } finally {
            await full.vm.stop()
        }
    } finally {
        rmSync(emptyDir, { recursive: true, force: true })
        rmSync(fullDir, { recursive: true, force: true })
    }
}

await main()
