// Wires the server together: storage, verifier, kiosk guard, routes, publishing schedule.
// Used by `npm run server -- start`, the tests and the benchmark alike.
import { createServer, type Server } from "node:http"
import { mkdirSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { Router } from "./http/router.js"
import { SqliteStorage } from "./storage/sqlite.js"
import type { Storage } from "./storage/storage.js"
import { RateLimiter } from "./kiosks/rate-limit.js"
import { kioskGuard } from "./kiosks/guard.js"
import { GuessLimiter } from "./kiosks/guess-limit.js"
import { diagnosisHandler } from "./diagnosis/upload.js"
import { eventLogHandler } from "./survey/event-log.js"
import { LocalVerifier } from "./verification/local.js"
import { HersysVerifier } from "./verification/hersys.js"
import type { ProcessingNumberVerifier } from "./verification/verifier.js"
import { loadOrCreateSigningKey, type SigningKey } from "./publishing/signing-key.js"
import { publish, type PublishReport } from "./publishing/publisher.js"
import { syncExportDir } from "./publishing/export-dir.js"
import { listJsonHandler, exportZipHandler, publicKeyHandler } from "./publishing/routes.js"
import { PATHS } from "../lib/cocoa/protocol.js"
import { ServerMetrics } from "./operations/metrics.js"
import { healthHandler, statusHandler } from "./operations/status.js"
import type { ServerConfig } from "./config.js"

export interface ServerApp {
    url: string
    port: number
    storage: Storage
    signingKey: SigningKey
    publishNow(): Promise<PublishReport>
    close(): Promise<void>
}

export function createVerifier(config: ServerConfig, storage: Storage): ProcessingNumberVerifier {
    return config.verifier.kind === "hersys" ? new HersysVerifier(config.verifier) : new LocalVerifier(storage, config.clock)
}

/**
 * Opens the data directory (creating it and the signing key if missing) and the database: PostgreSQL
 * when `databaseUrl` is set, else SQLite in the data directory. Migrations run on open.
 */
export async function openDataDir(config: ServerConfig): Promise<{ storage: Storage; signingKey: SigningKey }> {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
    const signingKey = loadOrCreateSigningKey(config.dataDir, config.signingKey)
    // pg is loaded only when PostgreSQL is used: every command starts faster on SQLite.
    const storage = config.databaseUrl
        ? await (await import("./storage/postgres.js")).PostgresStorage.open(config.databaseUrl)
        : SqliteStorage.open(config.dataDir)
    return { storage, signingKey }
}

export async function startServer(config: ServerConfig): Promise<ServerApp> {
    const { storage, signingKey } = await openDataDir(config)
    const guard = kioskGuard(storage, new RateLimiter(config.rateLimit, config.clock))
    const downloads = {
        storage,
        regions: config.regions,
        publicUrl: config.publicUrl,
        trustProxy: config.trustProxy,
        publicKeys: () => loadOrCreateSigningKey(config.dataDir, config.signingKey),
    }
    const escapedPrefix = PATHS.exportPrefix.replace(/\//g, "\\/")

    const metrics = new ServerMetrics()
    const router = new Router(config.log, (route, method, status) => metrics.httpRequests.inc({ route, method, status: String(status) }))
        .on(PATHS.diagnosis, {
            PUT: diagnosisHandler({
                storage,
                verifier: createVerifier(config, storage),
                guard,
                guesses: new GuessLimiter(config.guessLimit, storage, config.clock),
                regions: config.regions,
                clock: config.clock,
            }),
        })
        .on(PATHS.eventLog, { PUT: eventLogHandler({ storage, guard, clock: config.clock }) })
        .on(
            new RegExp(`^${escapedPrefix}\\/([0-9A-Za-z]{1,8})\\/list\\.json$`),
            { GET: listJsonHandler(downloads) },
            `${PATHS.exportPrefix}/{region}/list.json`
        )
        .on(
            new RegExp(`^${escapedPrefix}\\/([0-9A-Za-z]{1,8})\\/([0-9]{1,15})\\.zip$`),
            { GET: exportZipHandler(downloads) },
            `${PATHS.exportPrefix}/{region}/{id}.zip`
        )
        .on(PATHS.exportPublicKey, { GET: publicKeyHandler(downloads) })
        .on(PATHS.status, { GET: statusHandler(storage) })
        .on(PATHS.health, { GET: healthHandler(storage) })
        .on(PATHS.metrics, {
            GET: async (_req, res) => {
                const text = await metrics.render(storage, { endOfService: (await storage.endOfServiceAt()) !== undefined })
                res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" })
                res.end(text)
            },
        })

    // Every answer carries the server's own time (HTTP Date): a kiosk checks its clock against it
    // before it sets a token's clock with the owner's press (kiosk/token/kiosk-clock.ts).
    const server: Server = createServer((req, res) => {
        res.setHeader("Date", new Date(config.clock()).toUTCString())
        void router.handle(req, res)
    })
    server.requestTimeout = 30_000
    server.headersTimeout = 10_000

    // One run at a time; a schedule tick during a long run is skipped, not queued.
    let running: Promise<PublishReport> | undefined
    const publishNow = (): Promise<PublishReport> => {
        // Keys are read again each run, so a rotation begun by the CLI takes effect without a restart.
        running ??= Promise.resolve()
            .then(() =>
                publish({
                    storage,
                    signer: loadOrCreateSigningKey(config.dataDir, config.signingKey).signers,
                    clock: config.clock,
                    padding: config.exportPadding,
                })
            )
            .then(async report => {
                if (config.exportDir) await syncExportDir(storage, { dir: config.exportDir, publicUrl: config.publicUrl!, regions: config.regions })
                return report
            })
            .then(
                report => {
                    metrics.publishSucceeded(config.clock())
                    return report
                },
                err => {
                    metrics.publishRuns.inc({ result: "failed" })
                    throw err
                }
            )
            .finally(() => (running = undefined))
        return running
    }
    const timer =
        config.publishIntervalMinutes > 0
            ? setInterval(() => {
                  if (running) return
                  publishNow().then(
                      r => config.log("published", "info", { keys: r.keys, files: r.files.length, deletedKeys: r.deleted.keys }),
                      err => config.log(`publishing failed (will retry next run): ${(err as Error).message}`, "error")
                  )
              }, config.publishIntervalMinutes * 60_000)
            : undefined

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject)
        server.listen(config.port, config.host, () => resolve())
    })
    const { port } = server.address() as AddressInfo
    const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host

    return {
        url: `http://${shownHost}:${port}`,
        port,
        storage,
        signingKey,
        publishNow,
        async close() {
            if (timer) clearInterval(timer)
            await new Promise<void>(resolve => {
                server.close(() => resolve())
                server.closeIdleConnections()
            })
            await running?.catch(() => undefined)
            await storage.close()
        },
    }
}
