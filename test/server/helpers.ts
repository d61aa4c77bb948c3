// Shared test fixtures: a real server on 127.0.0.1 (port 0) over a temp data directory, a kiosk,
// and builders for COCOA-shaped uploads. Every start is paired with a cleanup the tests await.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomBytes, randomUUID } from "node:crypto"
import { startServer, type ServerApp } from "../../server/app.js"
import { defaultConfig, type ServerConfig } from "../../server/config.js"
import { addKiosk } from "../../server/kiosks/api-keys.js"
import { issueProcessingNumbers } from "../../server/verification/local.js"
import { DATABASE_FILE } from "../../server/storage/sqlite.js"
import { newTestDatabase } from "../helpers/postgres.js"
import Database from "better-sqlite3"
import pg from "pg"
import { inject } from "vitest"

export const DAY_MS = 86_400_000
export const root = new URL("../../", import.meta.url).pathname
export const TSX = join(root, "node_modules/tsx/dist/cli.mjs")
/** The environment the server's CLI runs in: the operator's own HERSYS_URL / GAEN_SERVER_DATA must not leak in. */
export const cliEnv = { ...process.env, HERSYS_URL: "", GAEN_SERVER_DATA: "", GAEN_DATABASE_URL: "" }

/**
 * The server tests run on SQLite, and again on PostgreSQL in the vitest project "server-on-postgres"
 * (its global setup starts a cluster and provides its directory). Each data directory's database, so a restart on the same directory finds its PostgreSQL database again. */
const databaseOfDataDir = new Map<string, string>()

async function databaseFor(dataDir: string): Promise<string | undefined> {
    const clusterDir = inject("postgresClusterDir")
    if (!clusterDir) return undefined
    let url = databaseOfDataDir.get(dataDir)
    if (!url) databaseOfDataDir.set(dataDir, (url = await newTestDatabase(clusterDir)))
    return url
}

/**
 * Makes the next stores of keys fail inside their transaction (as a full disk would), through a
 * second connection to the server's database; returns the function that ends the fault.
 */
export async function failKeyStores(s: TestServer): Promise<() => Promise<void>> {
    if (s.config.databaseUrl) {
        const client = new pg.Client({ connectionString: s.config.databaseUrl })
        await client.connect()
        await client.query(`CREATE FUNCTION fail_store() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
            CREATE TRIGGER fail_store BEFORE INSERT ON diagnosis_keys FOR EACH STATEMENT EXECUTE FUNCTION fail_store()`)
        return async () => {
            await client.query("DROP TRIGGER fail_store ON diagnosis_keys; DROP FUNCTION fail_store()")
            await client.end()
        }
    }
    const db = new Database(join(s.dataDir, DATABASE_FILE))
    db.exec("CREATE TRIGGER fail_store BEFORE INSERT ON diagnosis_keys BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    return async () => {
        db.exec("DROP TRIGGER fail_store")
        db.close()
    }
}

/**
 * `server/cli.ts start <args>` as its own process, as an operator starts it; resolves once it prints
 * the URL it listens on. `output()` is everything it printed (stdout and stderr) so far.
 */
export function startServerCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
    const child = spawn(process.execPath, [TSX, "server/cli.ts", "start", ...args], { cwd: root, env: cliEnv, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000)
        const onData = (d: Buffer) => {
            out += d
            const m = /listening on (http:\/\/\S+)/.exec(out)
            if (m) {
                clearTimeout(timer)
                resolve({ child, url: m[1], output: () => out })
            }
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
        child.once("exit", code => {
            clearTimeout(timer) // an early exit must not leave a 30-second timer holding the process open
            reject(new Error(`server exited with ${code}:\n${out}`))
        })
    })
}

export interface TestServer {
    app: ServerApp
    dataDir: string
    apiKey: string
    /** Milliseconds added to the real clock; tests move time forward with it. */
    clockOffset: { ms: number }
    config: ServerConfig
    numbers(count?: number): Promise<string[]>
    put(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>
    get(path: string): Promise<Response>
    /** Stops the server; keeps the data directory unless `remove`. */
    stop(remove?: boolean): Promise<void>
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}, dataDir?: string): Promise<TestServer> {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), "gaen-server-test-"))
    const clockOffset = { ms: 0 }
    const config = defaultConfig({
        dataDir: dir, databaseUrl: await databaseFor(dir), host: "127.0.0.1", port: 0, publishIntervalMinutes: 0,
        clock: () => Date.now() + clockOffset.ms, log: () => {}, ...overrides,
    })
    const app = await startServer(config)
    const { apiKey } = await addKiosk(app.storage, `kiosk-${randomUUID().slice(0, 8)}`, config.clock())
    let stopped = false
    const t: TestServer = {
        app, dataDir: dir, apiKey, clockOffset, config,
        numbers: async (count = 1) => (await issueProcessingNumbers(app.storage, { count, validHours: 72, now: config.clock() })).numbers,
        async put(path, body, headers = {}) {
            const res = await fetch(app.url + path, {
                method: "PUT",
                headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, ...headers },
                body: typeof body === "string" ? body : JSON.stringify(body),
            })
            const text = await res.text()
            let parsed: unknown = text
            try { parsed = JSON.parse(text) } catch { /* keep text */ }
            return { status: res.status, body: parsed, headers: res.headers }
        },
        get: path => fetch(app.url + path),
        async stop(remove = true) {
            if (!stopped) await app.close()
            stopped = true
            if (remove) rmSync(dir, { recursive: true, force: true })
        },
    }
    return t
}

/** The rolling start number of the UTC day `daysAgo` days before `now`. */
export function dayStart(now: number, daysAgo: number): number {
    return (Math.floor(now / DAY_MS) - daysAgo) * 144
}

export function key(rollingStartNumber: number, extra: Record<string, unknown> = {}) {
    return { keyData: randomBytes(16).toString("base64"), rollingStartNumber, rollingPeriod: 144, reportType: 1, ...extra }
}

/** A COCOA v3 upload: onset `onsetDaysAgo` days ago (symptomatic), one key per day for `days` days ending yesterday. */
export function upload(processingNumber: string, opts: { now?: number; days?: number; onsetDaysAgo?: number; hasSymptom?: boolean } = {}) {
    const now = opts.now ?? Date.now()
    const onset = new Date((Math.floor(now / DAY_MS) - (opts.onsetDaysAgo ?? 3)) * DAY_MS).toISOString().slice(0, 10)
    const example = JSON.parse(readFileSync(join(root, "data/diagnosis_v3_request.example.json"), "utf8"))
    delete example._comment
    return {
        ...example,
        hasSymptom: opts.hasSymptom ?? true,
        onsetOfSymptomOrTestDate: `${onset}T00:00:00.000+09:00`,
        keys: Array.from({ length: opts.days ?? 5 }, (_, i) => key(dayStart(now, i + 1))),
        verificationPayload: processingNumber,
        idempotency_key: randomUUID(),
        deviceVerificationPayload: "kiosk",
        padding: randomBytes(900).toString("base64"),
    }
}
