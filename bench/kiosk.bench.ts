// Kiosk check benchmark: a full 14-day token log (34,000 encounter records) against N diagnosis
// keys (default 1,000,000): derive every key's 144 RPIs, look each up, score. Also compares the
// 16-bit-prefix index with a Map keyed by hex strings on the same derived RPIs.
//   npx tsx bench/kiosk.bench.ts [keys]       (run by `npm run bench`)
import { randomBytes } from "node:crypto"
import { cpus } from "node:os"
import { generateTemporaryExposureKey, rpisForKey } from "../lib/gaen/index.js"
import { matchDiagnosisKeys, ObservedRpiIndex, dailyRisk, loadRiskConfig, type DiagnosisKey, type EncounterRecord } from "../kiosk/index.js"
import { contactRecords } from "../test/kiosk/fixtures.js"

const KEYS = Number(process.argv[2] ?? 1_000_000)
const RECORDS = 34_000
const DAY_MS = 86_400_000
const now = Date.now()
const today = Math.floor(now / DAY_MS)

// A 14-day log: strangers' RPIs spread over the days, plus 3 genuine 20-minute close contacts.
const positives = [1, 5, 9].map(d => generateTemporaryExposureKey(((today - d) * DAY_MS) / 600_000))
const records: EncounterRecord[] = positives.flatMap((k, i) =>
    contactRecords(k, { startMs: (today - [1, 5, 9][i]) * DAY_MS + 9 * 3_600_000, minutes: 20, rssi: -62 }))
while (records.length < RECORDS) {
    const minute = Math.floor((now - Math.random() * 14 * DAY_MS) / 60_000)
    records.push({ rpi: randomBytes(16), aem: randomBytes(4), firstSeen: minute, lastSeen: minute + 8, scans: 3, rssiMax: -60, rssiMean: -70, rssiMin: -80 })
}

// N keys over the last 14 days, the positives among them; days since onset as a server sets it.
const keys: DiagnosisKey[] = []
const genStart = performance.now()
for (let i = 0; i < KEYS; i++) {
    const day = today - 1 - (i % 14)
    keys.push({ keyData: randomBytes(16), rollingStartIntervalNumber: day * 144, rollingPeriod: 144, daysSinceOnsetOfSymptoms: (i % 14) - 3, reportType: 1 })
}
for (const [i, k] of positives.entries()) keys[(i + 1) * Math.floor(KEYS / 4)] = { ...k, daysSinceOnsetOfSymptoms: 0, reportType: 1 }
const genMs = performance.now() - genStart

const heapBefore = process.memoryUsage()
const t0 = performance.now()
const { matches, stats } = matchDiagnosisKeys(keys, records, { scanPeriodSeconds: 240 })
const days = dailyRisk(matches, loadRiskConfig())
const matchMs = performance.now() - t0
const mem = process.memoryUsage()

if (days.filter(d => d.highRisk).length !== 3) throw new Error(`expected 3 high-risk days, got ${JSON.stringify(days)}`)

// Index comparison on the RPIs of 20,000 keys (derivation excluded from both timings).
const sample = keys.slice(0, 20_000).map(k => rpisForKey(k.keyData, k.rollingStartIntervalNumber, k.rollingPeriod))
const prefixIndex = new ObservedRpiIndex(records)
const hexIndex = new Map(records.map((r, i) => [Buffer.from(r.rpi).toString("hex"), i]))
let hitsA = 0, hitsB = 0
const ta = performance.now()
for (const day of sample) for (const { rpi } of day) hitsA += prefixIndex.find(rpi).length
const prefixMs = performance.now() - ta
const tb = performance.now()
for (const day of sample) for (const { rpi } of day) hitsB += hexIndex.has(rpi.toString("hex")) ? 1 : 0
const hexMs = performance.now() - tb
if (hitsA !== hitsB) throw new Error("indexes disagree")
const lookups = sample.length * 144

const mb = (b: number) => (b / 1048576).toFixed(0)
console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? "?"}, Node ${process.version}`)
console.log(`keys generated: ${KEYS.toLocaleString("en")} in ${(genMs / 1000).toFixed(1)} s; log: ${records.length.toLocaleString("en")} records`)
console.log(`BENCH kiosk_match_keys=${KEYS} kiosk_match_seconds=${(matchMs / 1000).toFixed(1)} kiosk_match_keys_per_second=${Math.round(KEYS / (matchMs / 1000))}`)
console.log(`BENCH kiosk_rpis_derived=${stats.rpisChecked} kiosk_matches=${stats.matches} kiosk_high_risk_days=${days.filter(d => d.highRisk).length}`)
console.log(`BENCH kiosk_heap_mb_before=${mb(heapBefore.heapUsed)} kiosk_heap_mb_after=${mb(mem.heapUsed)} kiosk_rss_mb=${mb(mem.rss)}`)
console.log(`BENCH index_prefix16_ns_per_lookup=${((prefixMs * 1e6) / lookups).toFixed(0)} index_hex_map_ns_per_lookup=${((hexMs * 1e6) / lookups).toFixed(0)} (${lookups.toLocaleString("en")} lookups)`)
