// Kiosk check benchmark: a full 14-day token log (34,000 encounter records) against N diagnosis
// keys (default 3,500,000: 14 days at ~250,000 a day). In one run, on the same keys:
//   - today's JavaScript path (matchDiagnosisKeys) and the native path on one thread, on the first
//     S keys (default 200,000; the JS path would take minutes on all of them), with the same matches;
//   - the native path on all keys with one worker thread per core (matchDiagnosisKeysFast): the goal
//     is ≤ 5 s and ≤ 1 GiB peak for 3,500,000 keys on 2 cores;
//   - the 16-bit-prefix index against a Map keyed by hex strings on the same derived RPIs.
//   npx tsx bench/kiosk.bench.ts [keys] [sample]       (run by `npm run bench`)
import { generateKeyPairSync, randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { createExportSigner, readExportZip, writeExportZip } from "../lib/keyfile/index.js"
import { DiagnosisKeySet } from "../kiosk/downloads/key-set.js"
import { generateTemporaryExposureKey, rpisForKey } from "../lib/gaen/index.js"
import {
    matchDiagnosisKeys,
    matchDiagnosisKeysFast,
    ObservedRpiIndex,
    dailyRisk,
    loadRiskConfig,
    type DiagnosisKey,
    type EncounterRecord,
    type ExposureMatch,
} from "../kiosk/index.js"
import { contactRecords } from "../testkit/encounter-records.js"

const KEYS = Number(process.argv[2] ?? 3_500_000)
const SAMPLE = Math.min(KEYS, Number(process.argv[3] ?? 200_000))
const RECORDS = 34_000

interface ExportPlan {
    keys: number
    sample: number
    today: number
    privateKeyPem: string
    positives: { tekHex: string; start: number }[]
}

/** Child process: writes the 14 signed export files the plan in `dir` describes. */
function writeExports(dir: string): void {
    const plan = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as ExportPlan
    const signer = createExportSigner(plan.privateKeyPem, { keyId: "440", keyVersion: "v1" })
    const perFile = Math.ceil(plan.keys / 14)
    for (let f = 0, made = 0; made < plan.keys; f++) {
        const n = Math.min(perFile, plan.keys - made)
        const day = plan.today - 1 - f
        const teks = randomBytes(n * 16)
        const fileKeys: DiagnosisKey[] = Array.from({ length: n }, (_, i) => ({
            keyData: teks.subarray(i * 16, i * 16 + 16),
            rollingStartIntervalNumber: day * 144,
            rollingPeriod: 144,
            daysSinceOnsetOfSymptoms: f - 3,
            reportType: 1,
        }))
        if (f === 0)
            for (const [i, k] of plan.positives.entries())
                fileKeys[(i + 1) * Math.floor(Math.min(plan.sample, n) / 4)] = {
                    keyData: Buffer.from(k.tekHex, "hex"),
                    rollingStartIntervalNumber: k.start,
                    rollingPeriod: 144,
                    daysSinceOnsetOfSymptoms: 0,
                    reportType: 1,
                }
        writeFileSync(
            join(dir, `${f}.zip`),
            writeExportZip({ keys: fileKeys, region: "440", start: day * 86_400, end: (day + 1) * 86_400, batchNum: 1, batchSize: 1, signer })
        )
        made += n
    }
}
if (process.argv[2] === "--write-exports") {
    writeExports(process.argv[3])
    process.exit(0)
}
const DAY_MS = 86_400_000
const now = Date.now()
const today = Math.floor(now / DAY_MS)

// A 14-day log: strangers' RPIs spread over the days, plus 3 genuine 20-minute close contacts.
const positives = [1, 5, 9].map(d => generateTemporaryExposureKey(((today - d) * DAY_MS) / 600_000))
const records: EncounterRecord[] = positives.flatMap((k, i) =>
    contactRecords(k, { startMs: (today - [1, 5, 9][i]) * DAY_MS + 9 * 3_600_000, minutes: 20, rssi: -62 })
)
while (records.length < RECORDS) {
    const minute = Math.floor((now - Math.random() * 14 * DAY_MS) / 60_000)
    records.push({ rpi: randomBytes(16), aem: randomBytes(4), firstSeen: minute, lastSeen: minute + 8, scans: 3, rssiMax: -60, rssiMean: -70, rssiMin: -80 })
}

// N keys over the last 14 days in 14 signed export files, as the server publishes them, written by a
// child process (the server's part, kept out of this process's peak memory); this process reads
// them as syncExports does (verify, parse, keep in a DiagnosisKeySet), so its peak memory is the
// kiosk's. The positives are in the first file, among the first SAMPLE keys.
const genStart = performance.now()
const signingKey = generateKeyPairSync("ec", { namedCurve: "P-256" })
const zipDir = mkdtempSync(join(tmpdir(), "kiosk-bench-"))
const plan: ExportPlan = {
    keys: KEYS,
    sample: SAMPLE,
    today,
    privateKeyPem: signingKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    positives: positives.map(k => ({ tekHex: k.keyData.toString("hex"), start: k.rollingStartIntervalNumber })),
}
writeFileSync(join(zipDir, "plan.json"), JSON.stringify(plan))
const writer = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--write-exports", zipDir], { stdio: "inherit" })
if (writer.status !== 0) throw new Error(`writing the export files failed (exit ${writer.status})`)
const genMs = performance.now() - genStart
const readStart = performance.now()
const keys = new DiagnosisKeySet()
for (let f = 0; f < 14 && keys.length < KEYS; f++)
    readExportZip(readFileSync(join(zipDir, `${f}.zip`)), { publicKey: signingKey.publicKey, onKey: k => keys.push(k) })
rmSync(zipDir, { recursive: true, force: true })
const readMs = performance.now() - readStart

// The same matches from both paths, compared as (key, interval, record, TX power).
const sameAs = (a: { matches: ExposureMatch[] }, b: { matches: ExposureMatch[] }) =>
    JSON.stringify(a.matches.map(m => [Buffer.from(m.key.keyData).toString("hex"), m.intervalNumber, m.record.firstSeen, m.txPower])) ===
    JSON.stringify(b.matches.map(m => [Buffer.from(m.key.keyData).toString("hex"), m.intervalNumber, m.record.firstSeen, m.txPower]))

// 1. Today's JS path and the native path on one thread, same sample of keys.
const sampleKeys = Array.from({ length: SAMPLE }, (_, i) => keys.get(i))
// CPU seconds as well as wall time: on a busy machine the CPU-time rates still compare fairly.
const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since)
    return (u.user + u.system) / 1e6
}
let t0 = performance.now(),
    c0 = process.cpuUsage()
const js = matchDiagnosisKeys(sampleKeys, records, { scanPeriodSeconds: 240 })
const jsMs = performance.now() - t0,
    jsCpu = cpuSeconds(c0)
t0 = performance.now()
c0 = process.cpuUsage()
const one = await matchDiagnosisKeysFast(sampleKeys, records, { scanPeriodSeconds: 240, threads: 0 })
const oneMs = performance.now() - t0,
    oneCpu = cpuSeconds(c0)
if (one.stats.engine !== "native") throw new Error(`native matcher not in use: ${one.fallbackReason}`)
if (!sameAs(js, one)) throw new Error("the native path found other matches than the JS path")

// 2. The native path on all keys, one worker per core.
const threads = availableParallelism()
t0 = performance.now()
c0 = process.cpuUsage()
const all = await matchDiagnosisKeysFast(keys, records, { scanPeriodSeconds: 240, threads })
const days = dailyRisk(all.matches, loadRiskConfig())
const matchMs = performance.now() - t0,
    allCpu = cpuSeconds(c0)
const peakRssMb = process.resourceUsage().maxRSS / 1024
if (days.filter(d => d.highRisk).length !== 3) throw new Error(`expected 3 high-risk days, got ${JSON.stringify(days)}`)

// Index comparison on the RPIs of 20,000 keys (derivation excluded from both timings).
const sample = sampleKeys.slice(0, 20_000).map(k => rpisForKey(k.keyData, k.rollingStartIntervalNumber, k.rollingPeriod))
const prefixIndex = new ObservedRpiIndex(records)
const hexIndex = new Map(records.map((r, i) => [Buffer.from(r.rpi).toString("hex"), i]))
let hitsA = 0,
    hitsB = 0
const ta = performance.now()
for (const day of sample) for (const { rpi } of day) hitsA += prefixIndex.find(rpi).length
const prefixMs = performance.now() - ta
const tb = performance.now()
for (const day of sample) for (const { rpi } of day) hitsB += hexIndex.has(rpi.toString("hex")) ? 1 : 0
const hexMs = performance.now() - tb
if (hitsA !== hitsB) throw new Error("indexes disagree")
const lookups = sample.length * 144

console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? "?"}, Node ${process.version}`)
console.log(
    `keys: ${KEYS.toLocaleString("en")} in 14 signed export files, written in ${(genMs / 1000).toFixed(1)} s, verified and read in ${(readMs / 1000).toFixed(1)} s; log: ${records.length.toLocaleString("en")} records`
)
const perSecond = (n: number, ms: number) => Math.round(n / (ms / 1000))
console.log(
    `BENCH kiosk_js_keys=${SAMPLE} kiosk_js_seconds=${(jsMs / 1000).toFixed(1)} kiosk_js_keys_per_second=${perSecond(SAMPLE, jsMs)} kiosk_js_keys_per_cpu_second=${Math.round(SAMPLE / jsCpu)}`
)
console.log(
    `BENCH kiosk_native_1thread_keys=${SAMPLE} kiosk_native_1thread_seconds=${(oneMs / 1000).toFixed(2)} kiosk_native_keys_per_second_per_core=${perSecond(SAMPLE, oneMs)} kiosk_native_keys_per_cpu_second=${Math.round(SAMPLE / oneCpu)} kiosk_native_vs_js=${(jsMs / oneMs).toFixed(1)}x kiosk_native_vs_js_cpu=${(jsCpu / oneCpu).toFixed(1)}x`
)
console.log(
    `BENCH kiosk_match_keys=${KEYS} kiosk_match_threads=${threads} kiosk_match_seconds=${(matchMs / 1000).toFixed(2)} kiosk_match_keys_per_second=${perSecond(KEYS, matchMs)} kiosk_match_cpu_seconds=${allCpu.toFixed(2)} kiosk_peak_rss_mb=${peakRssMb.toFixed(0)}`
)
console.log(`BENCH kiosk_rpis_derived=${all.stats.rpisChecked} kiosk_matches=${all.stats.matches} kiosk_high_risk_days=${days.filter(d => d.highRisk).length}`)
console.log(
    `goal 3,500,000 keys in ≤ 5 s and ≤ 1 GiB: ${matchMs <= 5000 * (KEYS / 3_500_000) ? "met" : "NOT met"} (${(matchMs / 1000).toFixed(2)} s for ${KEYS.toLocaleString("en")} keys), peak RSS ${peakRssMb.toFixed(0)} MB ${peakRssMb <= 1024 ? "≤" : ">"} 1024 MB`
)
console.log(
    `BENCH index_prefix16_ns_per_lookup=${((prefixMs * 1e6) / lookups).toFixed(0)} index_hex_map_ns_per_lookup=${((hexMs * 1e6) / lookups).toFixed(0)} (${lookups.toLocaleString("en")} lookups)`
)
