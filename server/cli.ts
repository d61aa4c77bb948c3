// `npm run server -- <command> [options]`: see `help` below and server/README.md.
import { parseArgs, configFromFlags, checkStartConfig, ConfigError, type ServerConfig } from "./config.js"
import { startServer, openDataDir } from "./app.js"
import { addKiosk } from "./kiosks/api-keys.js"
import { issueProcessingNumbers, DEFAULT_PROCESSING_NUMBER_VALID_HOURS } from "./verification/local.js"
import { publish } from "./publishing/publisher.js"
import { syncExportDir } from "./publishing/export-dir.js"
import { DuplicateNameError } from "./storage/storage.js"
import { DAY_MS } from "./protocol.js"
import { PATHS } from "../lib/cocoa/protocol.js"
import { isoDay } from "./survey/event-log.js"
import { RETENTION_DAYS } from "../lib/gaen/index.js"
import { mkdirSync, readdirSync, copyFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { SqliteStorage, DATABASE_FILE } from "./storage/sqlite.js"
import { beginSigningKeyRotation, finishSigningKeyRotation, SigningKeyError } from "./publishing/signing-key.js"
import { serviceStatus } from "./operations/status.js"
import { surveyReport, formatSurveyReport, DEFAULT_MIN_REPORTED_COUNT } from "./survey/report.js"

const HELP = `usage: npm run server -- <command> [options]

commands:
  start                        run the HTTP server
      --port <n> (8080)  --host <addr> (0.0.0.0)  --region <code> (440; repeat or comma-separate)
      --public-url <url>       base URL written into list.json, e.g. a CDN (required unless --host is loopback)
      --trust-proxy            behind a reverse proxy: list.json URLs from X-Forwarded-Proto / X-Forwarded-Host
      --database-url <url>     PostgreSQL instead of SQLite (or env GAEN_DATABASE_URL)
      --guess-limit-per-kiosk <n> (5)  --guess-limit-global <n> (200)  --guess-limit-window-minutes <n> (60)
      --verifier local|hersys  processing-number verifier (local)
      --hersys-url <url>  --hersys-parameter <name> (processNumber)  --hersys-timeout-ms <n> (5000)
      --hersys-results <code=accepted|rejected,...> (valid=accepted,invalid=rejected,used=rejected,expired=rejected)
      env HERSYS_API_SECRET    sent as Ocp-Apim-Subscription-Key
      --rate-limit-per-minute <n> (60)  --rate-limit-burst <n> (60)   per kiosk
      --publish-interval-minutes <n> (60; 0 = only the publish command)
  start and publish:
      --export-min-keys <n> (1000)  --export-padding-extra <n> (100)   pad small runs with random keys
      --export-dir <dir>       also write list.json and the zips there for a static host (needs --public-url)
  add-kiosk <name>             issue an API key for a kiosk (shown once)
  list-kiosks                  list kiosks
  revoke-kiosk <name>          revoke a kiosk's API key
  issue-processing-number      issue processing numbers for the local verifier
      --count <n> (1)  --valid-hours <n> (${DEFAULT_PROCESSING_NUMBER_VALID_HOURS})
  publish                      publish released keys now and delete what is older than ${RETENTION_DAYS} days
  public-key                   print the export-signing public key for kiosks
  rotate-signing-key begin --key-version <v>   add a new signing key: files carry both signatures from now on
  rotate-signing-key finish    make the new key the only one (re-pin every kiosk to it first)
  backup --to <dir>            consistent copy of the database (SQLite online backup) and the signing keys
  end-of-service               end the programme: no new numbers or uploads; publishing goes on until the
                               last keys expire (14 days), the survey stays open
  survey-report [--min-count <n>] (10)   survey aggregates; counts below n are suppressed
all commands: --data <dir> (./server-data, or env GAEN_SERVER_DATA)
              --database-url <postgresql://…> (or env GAEN_DATABASE_URL): PostgreSQL instead of SQLite in --data;
                  put a password in env PGPASSWORD, not in the URL`

async function refuseAfterEndOfService(config: ServerConfig): Promise<void> {
    await withStorage(config, async ({ storage }) => {
        const at = await storage.endOfServiceAt()
        if (at !== undefined) throw new ConfigError(`end of service was declared on ${new Date(at).toISOString()}: no new processing numbers are issued`)
    })
}

function printPublicKey(info: { keyId: string; keyVersion: string; publicKey: string }): void {
    console.log(`export-signing public key (key id ${info.keyId}, version ${info.keyVersion}), base64 SubjectPublicKeyInfo:`)
    console.log(info.publicKey)
}

async function withStorage<T>(config: ServerConfig, run: (o: Awaited<ReturnType<typeof openDataDir>>) => Promise<T>): Promise<T> {
    const opened = await openDataDir(config)
    try {
        return await run(opened)
    } finally {
        await opened.storage.close()
    }
}

async function main(argv: string[]): Promise<number> {
    const { positional, flags } = parseArgs(argv)
    const [command, ...rest] = positional
    if (!command || command === "help" || flags.has("help")) {
        console.log(HELP)
        return command || flags.has("help") ? 0 : 1
    }
    const config = configFromFlags(flags)

    switch (command) {
        case "start": {
            checkStartConfig(config)
            const app = await startServer(config)
            if (app.signingKey.created) console.log(`created a new export-signing key in ${config.dataDir}`)
            printPublicKey(app.signingKey.info)
            console.log(`processing numbers: ${config.verifier.kind} verifier; regions: ${config.regions.join(", ")}`)
            console.log(`listening on ${app.url} (data: ${config.dataDir})`)
            const stop = () => {
                console.log("shutting down")
                app.close().then(
                    () => process.exit(0),
                    () => process.exit(1)
                )
            }
            process.once("SIGINT", stop)
            process.once("SIGTERM", stop)
            return -1 // keep running
        }
        case "add-kiosk": {
            const name = rest.join(" ").trim()
            if (!name) throw new ConfigError('add-kiosk needs a name, e.g. add-kiosk "Shinjuku library"')
            return withStorage(config, async ({ storage, signingKey }) => {
                const { kiosk, apiKey } = await addKiosk(storage, name, config.clock())
                console.log(`kiosk "${kiosk.name}" (id ${kiosk.id}) added. Its API key (shown only now; the server keeps a hash):`)
                console.log(apiKey)
                console.log(`The kiosk sends it as "Authorization: Bearer <key>" to ${PATHS.diagnosis} and ${PATHS.eventLog}.`)
                printPublicKey(signingKey.info)
                return 0
            })
        }
        case "list-kiosks":
            return withStorage(config, async ({ storage }) => {
                for (const k of await storage.listKiosks()) {
                    console.log(
                        `${k.id}\t${k.name}\tadded ${new Date(k.createdAt).toISOString()}${k.revokedAt ? `\trevoked ${new Date(k.revokedAt).toISOString()}` : ""}`
                    )
                }
                return 0
            })
        case "revoke-kiosk": {
            const name = rest.join(" ").trim()
            return withStorage(config, async ({ storage }) => {
                if (await storage.revokeKiosk(name, config.clock())) {
                    console.log(`kiosk "${name}" revoked (a running server refuses its key from the next request on)`)
                    return 0
                }
                console.error(`no active kiosk named "${name}"`)
                return 1
            })
        }
        case "issue-processing-number": {
            await refuseAfterEndOfService(config)
            const count = Number(flags.get("count")?.at(-1) ?? 1)
            const validHours = Number(flags.get("valid-hours")?.at(-1) ?? DEFAULT_PROCESSING_NUMBER_VALID_HOURS)
            if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new ConfigError("--count: 1 to 10000")
            if (!(validHours > 0)) throw new ConfigError("--valid-hours: a positive number")
            return withStorage(config, async ({ storage }) => {
                const { numbers, expiresAt } = await issueProcessingNumbers(storage, { count, validHours, now: config.clock() })
                for (const n of numbers) console.log(n)
                console.error(`${numbers.length} processing number(s), single use, valid until ${new Date(expiresAt).toISOString()}`)
                return 0
            })
        }
        case "publish":
            return withStorage(config, async ({ storage, signingKey }) => {
                const r = await publish({ storage, signer: signingKey.signers, clock: config.clock, padding: config.exportPadding })
                console.log(
                    `published ${r.keys} keys in ${r.files.length} file(s) (with ${r.paddingKeys} random padding keys); deleted ${r.deleted.keys} keys and ${r.deleted.files} files older than ${RETENTION_DAYS} days`
                )
                for (const f of r.files)
                    console.log(
                        `  ${f.region}/${f.id}.zip  batch ${f.batchNum}/${f.batchSize}  ${f.keyCount} keys on the wire  kept until ${isoDay((f.newestKeyDay + RETENTION_DAYS) * DAY_MS)}`
                    )
                if (config.exportDir) {
                    const d = await syncExportDir(storage, { dir: config.exportDir, publicUrl: config.publicUrl!, regions: config.regions })
                    console.log(`export folder ${config.exportDir}: ${d.written} zip(s) written, ${d.removed} removed, list.json updated`)
                }
                return 0
            })
        case "public-key":
            return withStorage(config, async ({ signingKey }) => {
                printPublicKey(signingKey.info)
                console.log(signingKey.info.publicKeyPem.trim())
                return 0
            })
        case "rotate-signing-key": {
            const step = rest[0]
            if (step === "begin") {
                const version = flags.get("key-version")?.at(-1)
                if (!version || !/^[A-Za-z0-9._-]{1,32}$/.test(version)) throw new ConfigError("rotate-signing-key begin needs --key-version <v> (e.g. v2)")
                mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
                const incoming = beginSigningKeyRotation(config.dataDir, config.signingKey, version)
                console.log("a new export-signing key was added; from the next publishing run every file carries both signatures.")
                console.log("Pin the new key on every kiosk (--public-key), then run: rotate-signing-key finish")
                printPublicKey(incoming)
                return 0
            }
            if (step === "finish") {
                const active = finishSigningKeyRotation(config.dataDir, config.signingKey)
                console.log("the new key is now the only export-signing key; the old one is kept as a retired file.")
                printPublicKey(active)
                return 0
            }
            throw new ConfigError("rotate-signing-key: say begin or finish")
        }
        case "backup": {
            const to = flags.get("to")?.at(-1)
            if (!to) throw new ConfigError("backup needs --to <dir> (a new or empty directory)")
            return withStorage(config, async ({ storage }) => {
                if (!(storage instanceof SqliteStorage)) {
                    throw new ConfigError(
                        "backup copies the SQLite database; for PostgreSQL use pg_dump (see server/README.md), and copy the signing keys from --data"
                    )
                }
                const target = resolve(to)
                mkdirSync(target, { recursive: true, mode: 0o700 })
                if (readdirSync(target).length > 0) throw new ConfigError(`backup --to ${to}: the directory is not empty`)
                await storage.backupTo(join(target, DATABASE_FILE))
                const keyFiles = readdirSync(config.dataDir).filter(f => f.startsWith("export-signing-key"))
                for (const f of keyFiles) copyFileSync(join(config.dataDir, f), join(target, f))
                console.log(`backed up the database and ${keyFiles.length} signing-key file(s) to ${target}`)
                console.log(`restore: stop the server, copy these files into the data directory (remove its ${DATABASE_FILE}-wal and -shm), start it`)
                return 0
            })
        }
        case "end-of-service":
            return withStorage(config, async ({ storage }) => {
                await storage.declareEndOfService(config.clock())
                const status = await serviceStatus(storage)
                console.log(
                    `end of service since ${new Date(status.endOfServiceAt!).toISOString()}: new processing numbers and uploads are refused (HTTP 410 end_of_service).`
                )
                console.log(
                    `Publishing goes on until the last keys expire on ${new Date(status.lastKeysExpireAt!).toISOString()}; the survey stays open. Kiosks see it at ${PATHS.status}.`
                )
                return 0
            })
        case "survey-report": {
            const minCount = Number(flags.get("min-count")?.at(-1) ?? DEFAULT_MIN_REPORTED_COUNT)
            if (!Number.isInteger(minCount) || minCount < 1) throw new ConfigError("--min-count: a whole number ≥ 1")
            return withStorage(config, async ({ storage }) => {
                console.log(formatSurveyReport(await surveyReport(storage, minCount)))
                return 0
            })
        }
        default:
            console.error(`unknown command "${command}"\n`)
            console.error(HELP)
            return 1
    }
}

main(process.argv.slice(2)).then(
    code => {
        if (code >= 0) process.exitCode = code
    },
    err => {
        if (err instanceof ConfigError || err instanceof DuplicateNameError || err instanceof SigningKeyError) console.error(`error: ${err.message}`)
        else console.error(err)
        process.exitCode = 1
    }
)
