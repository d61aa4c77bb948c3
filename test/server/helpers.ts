// Shared test fixtures: a real server on 127.0.0.1 (port 0) over a temp data directory, a kiosk, and
// a fault in its key store. Every start is paired with a cleanup the tests await. The server's CLI
// as a process and COCOA-shaped uploads are in testkit/server.ts (the benches use them too).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomUUID } from "node:crypto"
import { startServer, type ServerApp } from "../../server/app.js"
import { defaultConfig, type ServerConfig } from "../../server/config.js"
import { addKiosk } from "../../server/kiosks/api-keys.js"
import { issueProcessingNumbers } from "../../server/verification/local.js"
import { DATABASE_FILE } from "../../server/storage/sqlite.js"
import { newTestDatabase } from "../helpers/postgres.js"
import Database from "better-sqlite3"
import pg from "pg"
import { inject } from "vitest"

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
        dataDir: dir,
        databaseUrl: await databaseFor(dir),
        host: "127.0.0.1",
        port: 0,
        publishIntervalMinutes: 0,
        clock: () => Date.now() + clockOffset.ms,
        log: () => {},
        ...overrides,
    })
    const app = await startServer(config)
    const { apiKey } = await addKiosk(app.storage, `kiosk-${randomUUID().slice(0, 8)}`, config.clock())
    let stopped = false
    const t: TestServer = {
        app,
        dataDir: dir,
        apiKey,
        clockOffset,
        config,
        numbers: async (count = 1) => (await issueProcessingNumbers(app.storage, { count, validHours: 72, now: config.clock() })).numbers,
        async put(path, body, headers = {}) {
            const res = await fetch(app.url + path, {
                method: "PUT",
                headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, ...headers },
                body: typeof body === "string" ? body : JSON.stringify(body),
            })
            const text = await res.text()
            let parsed: unknown = text
            try {
                parsed = JSON.parse(text)
            } catch {
                /* keep text */
            }
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
