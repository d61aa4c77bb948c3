// The whole check at the counter, as a person waits for it: the token's log read in two phases (the
// digest of every record, then the candidates' whole records: services/token-sync.md
// read_log_digest, kiosk/matching/candidates.ts) and matched against 3,500,000 diagnosis keys (14
// days at ~250,000 a day, as bench/kiosk.bench.ts), against a simulated token at real speed (scale
// 1: the DeviceScript VM's send throttle of 50 packets a second in place, sim/README.md). For a full
// log (32,131 records, the log's capacity) over the cable (the simulator's TCP bus) and over
// Bluetooth (the encrypted sync link through the simulator's radio), and the same for a 2,000-record
// log. The downloads are not timed: a kiosk keeps the keys it has fetched (export-cache.ts).
// The keys of each day are scanned while the digest is still read, once the read has passed the day
// (kiosk/matching/candidates.ts CandidatePipeline, as a kiosk checks); the phases are printed.
// Beside each time: the floor the design allows, from the VM packets the read cost at 50 a second,
// the part of the key scan that comes after the read (the days it had not passed) and the matching;
// and the VM packets and link bytes per record, the whole-log read (read_log bursts) beside the new.
// The new read's VM packets are measured: every packet the token's VM sends during the reads (to its
// flash, to its radio, to the kiosk; sim/token/frame-hub.ts counts them); the whole-log read's are
// measured the same way by bench/logread.bench.ts. Its link bytes are reckoned from its pages.
// The matches are checked against the check of the whole log on the same records.
//   npx tsx bench/countercheck.bench.ts [keys] [full|2000]      (run by `npm run bench`: both logs)
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir, cpus, loadavg } from "node:os"
import { join } from "node:path"
import { SimClock } from "../sim/clock/sim-clock.js"
import { TokenVm } from "../sim/harness/token-vm.js"
import { withOwnerSession } from "../sim/harness/owner.js"
import { handOutSticker } from "../sim/harness/hand-out-sticker.js"
import { recordsHeldReach } from "../sim/harness/records-held.js"
import { SimulatedBleCentral } from "../sim/harness/ble-central.js"
import { MAX_LINK_MTU } from "../sim/hardware/radio-server.js"
import { connectToToken, type TokenConnection } from "../kiosk/transport/connect.js"
import { useBleCentral } from "../kiosk/transport/ble.js"
import { DiagnosisKeySet } from "../kiosk/downloads/key-set.js"
import { CandidatePipeline, findCandidates, matchCandidates } from "../kiosk/matching/candidates.js"
import { matchDiagnosisKeysFast } from "../kiosk/matching/fast-match.js"
import type { ExposureMatch } from "../kiosk/matching/match.js"
import { generateTemporaryExposureKey } from "../lib/gaen/index.js"
import jd, { type Packet } from "../lib/jacdac/jacdac-ts.js"
import { TokenSyncCmd, TokenSyncLayout as Layout } from "../lib/jacdac/service-specs.js"
import { payloadInOneValue } from "../lib/ble-link/protocol.js"
import { DigestLayout, type DigestEntry } from "../lib/token-sync/log-digest.js"
import type { EncounterRecord } from "../lib/token-sync/records.js"
import type { TokenSyncClient } from "../lib/token-sync/sync-client.js"
import { contactRecords } from "../testkit/encounter-records.js"
import { LOG_MAX_RECORDS, RECORDS_PER_SECTOR, writeTokenLog } from "../testkit/log-flash-image.js"
import { seededRandom } from "../testkit/seeded-random.js"

console.debug = () => {} // jacdac-ts narrates connections
const KEYS = Number(process.argv[2] ?? 3_500_000)
/** Only the full log ("full") or only the 2,000-record one ("2000"); both when not given. */
const ONLY = process.argv[3]
const DAY_MS = 86_400_000
const start = Date.UTC(2026, 3, 15, 9, 0)
const today = Math.floor(start / DAY_MS)
const BOOT_SCALE = 200
/** DeviceScript's send throttle: a burst of 5 packets, then one per 20 ms (THROTTLE_BURST_PKTS,
 *  THROTTLE_COST_MS in microsoft/devicescript runtime/devicescript/jdiface.c). */
const THROTTLE_PACKETS_PER_S = 50
const THROTTLE_BURST_PACKETS = 5
/** A Jacdac serial frame's header and a packet's header around each report. */
const FRAME_BYTES = 12 + 4
const rnd = seededRandom(21)

/** 3 genuine close contacts (1, 5 and 9 days ago) among strangers spread over 13 days (none reaches its
 *  14 days while the token boots at BOOT_SCALE and takes its clock) and last seen before `start` (a
 *  record last seen after the time the owner's press confirms is destroyed as the clock's false
 *  future, and on a full log the new head sector this opens costs the oldest one), oldest first. */
const positives = [1, 5, 9].map(d => generateTemporaryExposureKey(((today - d) * DAY_MS) / 600_000))
function log(size: number): EncounterRecord[] {
    const records = positives.flatMap((k, i) => contactRecords(k, { startMs: (today - [1, 5, 9][i]) * DAY_MS + 9 * 3_600_000, minutes: 20, rssi: -62 }))
    while (records.length < size) {
        const minute = Math.floor((start - 10 * 60_000 - rnd.next() * 13 * DAY_MS) / 60_000)
        const rssiMean = -55 - rnd.int(0, 35)
        records.push({
            rpi: rnd.bytes(16),
            aem: rnd.bytes(4),
            firstSeen: minute,
            lastSeen: minute + rnd.int(0, 8),
            scans: rnd.int(1, 4),
            rssiMax: rssiMean + 3,
            rssiMean,
            rssiMin: rssiMean - 4,
        })
    }
    return records.sort((a, b) => a.firstSeen - b.firstSeen)
}

/** The diagnosis keys: random TEKs of the 14 days before today, the positives among them. */
function diagnosisKeys(): DiagnosisKeySet {
    const keys = new DiagnosisKeySet()
    const at = new Set(positives.map((_, i) => Math.floor(((i + 1) * KEYS) / 4)))
    for (let k = 0, p = 0; k < KEYS; k++) {
        if (at.has(k)) keys.push({ ...positives[p++] })
        else keys.push({ keyData: Buffer.from(rnd.bytes(16)), rollingStartIntervalNumber: (today - 1 - (k % 14)) * 144, rollingPeriod: 144 })
    }
    return keys
}

const matchKey = (m: ExposureMatch) =>
    [Buffer.from(m.key.keyData).toString("hex"), m.intervalNumber, Buffer.from(m.record.rpi).toString("hex"), m.seconds, m.dayMs].join()

interface Run {
    seconds: number
    records: number
    candidates: number
    matches: string[]
    /** Reports the token sent (digest pages and candidates' pages) and their bytes on a serial link. */
    reports: number
    reportBytes: number
    /** Packets the token's VM sent from the first digest request to the candidates' last record. */
    vmPackets: number
    /** The scan of all keys on its own (after the check: nothing else runs), and the matching of the
     *  candidates' records. */
    scanSeconds: number
    matchSeconds: number
    /** Seconds of the digest read (the scan of the days it passed within), the rest of the scan,
     *  the candidates' read, the matching of their records. */
    phases: number[]
    /** Days of keys (and their keys) scanned while the digest was read. */
    scannedEarly: { days: number; keys: number }
}

/** Seconds the key scan takes alone on the same digest (what the floor counts for it). */
async function scanAlone(keys: DiagnosisKeySet, digest: DigestEntry[]): Promise<number> {
    const s0 = performance.now()
    await findCandidates(keys, digest, { scanPeriodSeconds: 240 })
    return (performance.now() - s0) / 1000
}

/** The check, timed from the first digest request to the matches. */
async function counterCheck(vm: TokenVm, client: TokenSyncClient, keys: DiagnosisKeySet, held: number): Promise<Run> {
    let reports = 0,
        reportBytes = 0
    const count = (pkt: Packet) => {
        if (pkt.serviceCommand !== DigestLayout.Command && pkt.serviceCommand !== TokenSyncCmd.ReadLog) return
        reports++
        reportBytes += FRAME_BYTES + pkt.data.length
    }
    client.service.on(jd.REPORT_RECEIVE, count)
    try {
        const sentBefore = await vm.vmPacketsSent()
        const t0 = performance.now()
        // As a kiosk checks (kiosk/matching/check.ts): each day's keys are scanned once the read has passed it.
        const pipeline = new CandidatePipeline(keys, { scanPeriodSeconds: 240 })
        const digest = await client.readLogDigest({ total: held, onEntries: e => pipeline.advance(e) }) // a kiosk has read records_held at connection
        const t1 = performance.now()
        const scan = await pipeline.finish(digest)
        const t2 = performance.now()
        const records = await client.readCandidateRecords(scan.candidates.map(c => digest[c]))
        const t3 = performance.now()
        // Asked as the read ends and awaited after the matching: the token answers at once, and the
        // wait for the answer stays out of the timed check.
        const sentAfterRead = vm.vmPacketsSent()
        const r = await matchCandidates(keys, scan, records, { scanPeriodSeconds: 240 })
        const t4 = performance.now()
        return {
            seconds: (t4 - t0) / 1000,
            records: digest.length,
            candidates: scan.candidates.length,
            matches: r.matches.map(matchKey),
            reports,
            reportBytes,
            vmPackets: (await sentAfterRead) - sentBefore,
            scanSeconds: await scanAlone(keys, digest),
            matchSeconds: (t4 - t3) / 1000,
            phases: [t1 - t0, t2 - t1, t3 - t2, t4 - t3].map(ms => ms / 1000),
            scannedEarly: pipeline.scannedEarly,
        }
    } finally {
        client.service.off(jd.REPORT_RECEIVE, count)
    }
}

const oldBytes = (records: number) => Math.ceil(records / Layout.RecordsPerPage) * (FRAME_BYTES + Layout.BurstPageHeaderBytes) + records * Layout.RecordBytes

/** A token booted from `records`, a cable kiosk connected to it with the clock set (a token that
 *  holds records and restarted without a running RTC takes a clock only with the owner's press). */
async function tokenWith(clock: SimClock, dir: string, records: EncounterRecord[]): Promise<{ vm: TokenVm; cable: TokenConnection; version: string }> {
    writeTokenLog(dir, records)
    clock.setScale(BOOT_SCALE)
    const vm = await TokenVm.start({ clock, dir, startTimeoutMs: 120_000 })
    const cable = await connectToToken(`tcp://127.0.0.1:${vm.hubPort}`)
    // The token answers once it has rebuilt its index from the log's sectors (at the boot's speed).
    await recordsHeldReach(cable.client, records.length)
    const set = await withOwnerSession(clock, vm, cable.client, () => cable.client.setTime(Math.floor(clock.now() / 1000)))
    if (set.outcome !== "set") throw new Error(`the token did not take the clock (${set.outcome})`)
    await clock.changeScaleAndSettle(1)
    return { vm, cable, version: await recordsHeldReach(cable.client, records.length) }
}

/** The check within the owner's session, at real time (the press runs faster: sim/harness/owner.ts). */
function pressedCheck(clock: SimClock, vm: TokenVm, client: TokenSyncClient, keys: DiagnosisKeySet, held: number): Promise<Run> {
    return withOwnerSession(clock, vm, client, async () => {
        await clock.changeScaleAndSettle(1)
        return counterCheck(vm, client, keys, held)
    })
}

async function main() {
    console.log(
        `== counter check over the simulator's transport (${cpus().length} cores, Node ${process.version}, load average ${loadavg()
            .map(l => l.toFixed(2))
            .join(" ")})`
    )
    const k0 = performance.now()
    const keys = diagnosisKeys()
    console.log(
        `${KEYS.toLocaleString("en")} diagnosis keys made in ${((performance.now() - k0) / 1000).toFixed(1)} s (not timed below: a kiosk holds them already)`
    )
    const clock = SimClock.startingAt(start, 1)
    const rows: [string, string, string][] = []
    const lines: string[] = []
    for (const [name, size, viaBle] of [
        ["full log", LOG_MAX_RECORDS, true],
        ["2,000-record log", 2_000, true],
    ] as const) {
        if (ONLY && !name.startsWith(ONLY === "2000" ? "2,000" : ONLY)) continue
        const dir = mkdtempSync(join(tmpdir(), "gaen-bench-countercheck-"))
        try {
            const records = log(size)
            const expected = (await matchDiagnosisKeysFast(keys, records, { scanPeriodSeconds: 240 })).matches.map(matchKey)
            const { vm, cable, version } = await tokenWith(clock, dir, records)
            try {
                const runs: [string, Run][] = [["cable", await pressedCheck(clock, vm, cable.client, keys, records.length).catch(e => fail(e, version, vm))]]
                if (viaBle) {
                    const code = await handOutSticker(clock, vm)
                    useBleCentral(new SimulatedBleCentral(vm))
                    const ble = await connectToToken(`ble:${code}`)
                    try {
                        runs.push(["ble", await pressedCheck(clock, vm, ble.client, keys, records.length).catch(e => fail(e, version, vm))])
                    } finally {
                        await ble.close()
                    }
                }
                for (const [link, r] of runs) {
                    if (r.records !== records.length) throw new Error(`${link}: the digest named ${r.records} records, not the ${records.length} written`)
                    if (r.matches.join("|") !== expected.join("|")) throw new Error(`${link}: the matches differ from the check of the whole log`)
                    const packets = r.vmPackets
                    // The scan of the days the read passed overlaps the read: only the rest adds to the wait.
                    const lateScan = r.scanSeconds * (1 - r.scannedEarly.keys / keys.length)
                    const floor = Math.max(0, packets - THROTTLE_BURST_PACKETS) / THROTTLE_PACKETS_PER_S + lateScan + r.matchSeconds
                    const per = (n: number) => (n / r.records).toFixed(3)
                    rows.push(
                        [
                            `${name}, ${link}: log read + matching (${r.records.toLocaleString("en")} records, ${r.candidates} candidates, ${r.matches.length} matches)`,
                            `${r.seconds.toFixed(1)} s`,
                            `floor ${floor.toFixed(1)} s (${packets} VM packets measured, the first 5 free, at 50 a second + the scan after the read ${lateScan.toFixed(1)} s of ${r.scanSeconds.toFixed(1)} s + matching ${r.matchSeconds.toFixed(1)} s)`,
                        ],
                        [
                            `${name}, ${link}: phases: digest read (${r.scannedEarly.days} days of keys scanned within it), rest of the scan, candidates' read, matching`,
                            r.phases.map(p => `${p.toFixed(1)} s`).join(" + "),
                            "",
                        ],
                        [`${name}, ${link}: VM packets per record, two-phase (measured; the whole-log read's: bench/logread.bench.ts)`, per(packets), ""],
                        [
                            `${name}, ${link}: link bytes per record (token → kiosk, serial framing), whole-log read → two-phase`,
                            `${per(oldBytes(r.records))} → ${per(r.reportBytes)}`,
                            "",
                        ]
                    )
                    const suffix = size === LOG_MAX_RECORDS ? link : `${link}_2000`
                    lines.push(`counter_check_seconds_${suffix}=${r.seconds.toFixed(1)}`, `floor_seconds_${suffix}=${floor.toFixed(1)}`)
                }
            } finally {
                await cable.close()
                await vm.stop()
            }
        } finally {
            rmSync(dir, { recursive: true, force: true })
        }
    }
    const w = Math.max(...rows.map(r => r[0].length))
    console.log(`| ${"what".padEnd(w)} | measured | the design allows |\n|${"-".repeat(w + 2)}|---|---|`)
    for (const [k, v, f] of rows) console.log(`| ${k.padEnd(w)} | ${v} | ${f} |`)
    console.log(
        `(Bluetooth digest pages: ${Math.floor((payloadInOneValue(MAX_LINK_MTU) - DigestLayout.PageHeaderBytes) / DigestLayout.EntryBytes)} entries, one radio value each; ${RECORDS_PER_SECTOR} records per sector)`
    )
    for (const l of lines) console.log(l)
    console.log(`BENCH ${lines.join(" ")}`)
}

/** The check's error, with the token's firmware version and the last lines the token printed. */
function fail(e: unknown, version: string, vm: TokenVm): never {
    throw new Error(`the counter check failed on a token with firmware ${version}: ${(e as Error).message}\nthe token's log:\n${vm.recentLog(60)}`)
}

await main()
process.exit(0)
