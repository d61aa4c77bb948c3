// Notification-server benchmark: `npx tsx bench/server.bench.ts`.
//   1. Registrations per second sustained: the server runs as its own process (`server/cli.ts start`),
//      real PUT /v3/diagnosis requests go over loopback from this process (10 keys each, COCOA-sized
//      padding, each with its own processing number), bounded by a request count and a time limit.
//   2. Publishing 1,000,000 keys: keys written straight into a fresh store (setup, timed
//      separately), then one publishing run timed: read, group per key day, shuffle, encode, sign, zip, store.
// Both on SQLite and on PostgreSQL (a cluster this benchmark starts, fsync on), registrations with 1
// and 2 server processes sharing the database. Prints a table; about five minutes on a 2-core machine.
import type { ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir, cpus } from "node:os"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import { defaultConfig } from "../server/config.js"
import { openDataDir } from "../server/app.js"
import { addKiosk } from "../server/kiosks/api-keys.js"
import { issueProcessingNumbers } from "../server/verification/local.js"
import { publish } from "../server/publishing/publisher.js"
import type { DiagnosisKeyRecord } from "../server/storage/storage.js"
import { upload, startServerCli } from "../testkit/server.js"
import { startPostgresCluster } from "../scripts/postgres-cluster.js"
import pg from "pg"

const REGISTRATIONS = { maxRequests: 6_000, maxSeconds: 20, concurrency: 16, keysPerUpload: 10 }
const PUBLISH_KEYS = 1_000_000
const DAY_MS = 86_400_000

const rows: [string, string][] = []
const row = (what: string, value: string) => {
    rows.push([what, value])
    console.log(`  ${what}: ${value}`)
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

type Backend = { name: string; databaseUrl?: () => Promise<string> }

async function benchRegistrations(backend: Backend, processes: number): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), "gaen-bench-reg-"))
    const children: ChildProcess[] = []
    const label = `${backend.name}, ${processes} server process${processes > 1 ? "es" : ""}`
    try {
        const databaseUrl = await backend.databaseUrl?.()
        const config = defaultConfig({ dataDir: dir, databaseUrl })
        const { storage } = await openDataDir(config)
        const { apiKey } = await addKiosk(storage, "bench", Date.now())
        const { numbers } = await issueProcessingNumbers(storage, { count: REGISTRATIONS.maxRequests, validHours: 1, now: Date.now() })
        await storage.close()
        // Bodies are built before the clock starts (~2.5 KB each, like COCOA's padded uploads).
        const bodies = numbers.map(n => JSON.stringify(upload(n, { days: REGISTRATIONS.keysPerUpload, onsetDaysAgo: 5 })))

        const urls: string[] = []
        for (let p = 0; p < processes; p++) {
            const server = await startServerCli([
                "--port",
                "0",
                "--host",
                "127.0.0.1",
                "--data",
                dir,
                "--publish-interval-minutes",
                "0",
                "--rate-limit-per-minute",
                "10000000",
                "--rate-limit-burst",
                "1000000",
                ...(databaseUrl ? ["--database-url", databaseUrl] : []),
            ])
            children.push(server.child)
            urls.push(server.url)
        }
        const latencies: number[] = []
        const statuses = new Map<number, number>()
        let next = 0
        const start = performance.now()
        const deadline = start + REGISTRATIONS.maxSeconds * 1000
        const worker = async () => {
            while (next < bodies.length && performance.now() < deadline) {
                const i = next++
                const body = bodies[i]
                const t0 = performance.now()
                const res = await fetch(urls[i % urls.length] + "/v3/diagnosis", {
                    method: "PUT",
                    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
                    body,
                })
                await res.arrayBuffer()
                latencies.push(performance.now() - t0)
                statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
            }
        }
        await Promise.all(Array.from({ length: REGISTRATIONS.concurrency }, worker))
        const seconds = (performance.now() - start) / 1000
        latencies.sort((a, b) => a - b)
        const ok = statuses.get(200) ?? 0
        if (ok !== latencies.length) throw new Error(`unexpected answers: ${JSON.stringify([...statuses])}`)
        row(
            `${label}: registrations per second`,
            `${(ok / seconds).toFixed(0)} (${ok} in ${seconds.toFixed(1)} s, ${REGISTRATIONS.concurrency} concurrent, ${REGISTRATIONS.keysPerUpload} keys each)`
        )
        row(`${label}: latency p50 / p99`, `${percentile(latencies, 0.5).toFixed(1)} ms / ${percentile(latencies, 0.99).toFixed(1)} ms`)
    } finally {
        for (const child of children) {
            if (child.exitCode !== null) continue
            const exited = new Promise(r => child.once("exit", r))
            child.kill("SIGTERM")
            await exited
        }
        rmSync(dir, { recursive: true, force: true })
    }
}

async function benchPublishing(backend: Backend): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), "gaen-bench-pub-"))
    const config = defaultConfig({ dataDir: dir, databaseUrl: await backend.databaseUrl?.() })
    const { storage, signingKey } = await openDataDir(config)
    try {
        // 1,000,000 keys spread over the last 14 key days (a wave's peak for a region), all released.
        const now = Date.now()
        const today = Math.floor(now / DAY_MS)
        const t0 = performance.now()
        const batch = 10_000
        const data = randomBytes(16 * PUBLISH_KEYS)
        for (let i = 0; i < PUBLISH_KEYS; i += batch) {
            const keys: DiagnosisKeyRecord[] = []
            for (let j = i; j < Math.min(i + batch, PUBLISH_KEYS); j++) {
                keys.push({
                    region: "440",
                    keyData: data.subarray(16 * j, 16 * j + 16),
                    rollingStartIntervalNumber: (today - 1 - (j % 14)) * 144,
                    rollingPeriod: 144,
                    reportType: 1,
                    daysSinceOnsetOfSymptoms: (j % 14) - 3,
                })
            }
            await storage.saveUpload({ idempotencyHash: randomBytes(32), day: today, response: "{}", keys })
        }
        row(`${backend.name}: setup: store 1,000,000 keys (10,000 per transaction)`, `${((performance.now() - t0) / 1000).toFixed(1)} s`)

        const t1 = performance.now()
        const report = await publish({ storage, signer: signingKey.signers, clock: () => now })
        const seconds = (performance.now() - t1) / 1000
        if (report.keys !== PUBLISH_KEYS) throw new Error(`published ${report.keys} keys, expected ${PUBLISH_KEYS}`)
        const bytes = report.files.length
            ? (await Promise.all(report.files.map(f => storage.readExportFile(f.region, f.id)))).reduce((n, z) => n + z!.length, 0)
            : 0
        row(
            `${backend.name}: publish 1,000,000 keys`,
            `${seconds.toFixed(1)} s (${report.files.length} signed files, ${(bytes / 1e6).toFixed(1)} MB, ${(bytes / PUBLISH_KEYS).toFixed(1)} bytes/key)`
        )
    } finally {
        await storage.close()
        rmSync(dir, { recursive: true, force: true })
    }
}

const began = performance.now()
console.log(`notification server benchmark (${cpus().length} cores, Node ${process.version})`)
const cluster = await startPostgresCluster({ durable: true })
// An interrupted benchmark must not leave its PostgreSQL server running.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cluster.stop().finally(() => process.exit(1)))
let databases = 0
const postgres: Backend = {
    name: "PostgreSQL",
    async databaseUrl() {
        const name = `bench_${++databases}`
        const admin = new pg.Client({ connectionString: cluster.url("postgres") })
        await admin.connect()
        await admin.query(`CREATE DATABASE ${name}`)
        await admin.end()
        return cluster.url(name)
    },
}
try {
    for (const backend of [{ name: "SQLite" }, postgres]) {
        for (const processes of [1, 2]) await benchRegistrations(backend, processes)
        await benchPublishing(backend)
    }
} finally {
    await cluster.stop()
}
row("total benchmark time", `${((performance.now() - began) / 1000).toFixed(0)} s`)

const width = Math.max(...rows.map(r => r[0].length))
console.log(`\nnotification server (${cpus().length} cores, Node ${process.version})`)
console.log(`${"measure".padEnd(width)} | result`)
console.log(`${"-".repeat(width)}-|-${"-".repeat(40)}`)
for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`)
