// Server configuration: defaults, and parsing of `npm run server -- <command> [--flag value]...`.
// Secrets come from the environment, never from flags (flags show up in `ps`).
import { resolve } from "node:path"
import { parseArgs as parseNodeArgs } from "node:util"
import { DEFAULT_SIGNING_KEY_ID, DEFAULT_SIGNING_KEY_VERSION, DEFAULT_EXPORT_PADDING } from "./protocol.js"
import type { ExportPadding } from "./publishing/publisher.js"
import { DEFAULT_REGION, REGION_PATTERN } from "../lib/cocoa/protocol.js"
import { isLoopbackHost } from "../lib/net/loopback.js"
import { DEFAULT_HERSYS_RESULTS, type HersysConfig } from "./verification/hersys.js"
import type { RateLimitConfig } from "./kiosks/rate-limit.js"
import { jsonLog, type Log } from "./operations/logger.js"
import { DEFAULT_GUESS_LIMIT, type GuessLimitConfig } from "./kiosks/guess-limit.js"

export type VerifierConfig = { kind: "local" } | ({ kind: "hersys" } & HersysConfig)

export interface ServerConfig {
    dataDir: string
    /** PostgreSQL connection string; unset = SQLite in dataDir. */
    databaseUrl?: string
    host: string
    /** 0 picks a free port. */
    port: number
    regions: string[]
    /**
     * Base URL written into list.json (e.g. a CDN). Required unless listening on loopback or behind a
     * trusted proxy: otherwise list.json URLs would come from whatever Host header a client sent.
     */
    publicUrl?: string
    /** Behind a reverse proxy that sets X-Forwarded-Proto / X-Forwarded-Host: build list.json URLs from them. */
    trustProxy: boolean
    verifier: VerifierConfig
    rateLimit: RateLimitConfig
    guessLimit: GuessLimitConfig
    /** Minutes between scheduled publishing runs; 0 = only `npm run server -- publish`. */
    publishIntervalMinutes: number
    /** Small publishing runs are padded with random keys up to this minimum (plus a random few). */
    exportPadding: ExportPadding
    /** Also write list.json and the zips here after each run, for a static host or CDN (needs publicUrl). */
    exportDir?: string
    signingKey: { keyId: string; keyVersion: string }
    clock: () => number
    /** Structured log (JSON lines on stderr by default); tests pass a no-op. */
    log: Log
}

export const DEFAULT_DATA_DIR = "server-data"
export const DEFAULT_PORT = 8080

export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
    return {
        dataDir: resolve(DEFAULT_DATA_DIR),
        host: "0.0.0.0",
        port: DEFAULT_PORT,
        regions: [DEFAULT_REGION],
        verifier: { kind: "local" },
        rateLimit: { perMinute: 60, burst: 60 },
        guessLimit: DEFAULT_GUESS_LIMIT,
        trustProxy: false,
        publishIntervalMinutes: 60,
        exportPadding: { ...DEFAULT_EXPORT_PADDING },
        signingKey: { keyId: DEFAULT_SIGNING_KEY_ID, keyVersion: DEFAULT_SIGNING_KEY_VERSION },
        clock: Date.now,
        log: jsonLog(),
        ...overrides,
    }
}

/** Options that take a value; each may repeat (the last wins, except --region which accumulates). */
const VALUE_FLAGS = [
    "data",
    "database-url",
    "port",
    "host",
    "region",
    "public-url",
    "verifier",
    "hersys-url",
    "hersys-parameter",
    "hersys-results",
    "hersys-timeout-ms",
    "rate-limit-per-minute",
    "rate-limit-burst",
    "publish-interval-minutes",
    "export-min-keys",
    "export-padding-extra",
    "export-dir",
    "signing-key-id",
    "signing-key-version",
    "count",
    "valid-hours",
    "guess-limit-per-kiosk",
    "guess-limit-global",
    "guess-limit-window-minutes",
    "to",
    "min-count",
    "key-version",
] as const
/** Options without a value. */
const SWITCH_FLAGS = ["help", "trust-proxy"] as const

/**
 * Splits argv into positional arguments and --flag values with node:util's parseArgs (strict): an
 * unknown option, or an option without its value (`--data` at the end, `--data --port 1`), is a
 * ConfigError instead of a silent "true".
 */
export function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string[]> } {
    let parsed
    try {
        parsed = parseNodeArgs({
            args: argv,
            strict: true,
            allowPositionals: true,
            options: {
                ...Object.fromEntries(VALUE_FLAGS.map(name => [name, { type: "string", multiple: true }] as const)),
                ...Object.fromEntries(SWITCH_FLAGS.map(name => [name, { type: "boolean" }] as const)),
            },
        })
    } catch (err) {
        const { code, message } = err as { code?: string; message: string }
        const option = /'(--[a-z-]+)/.exec(message)?.[1]
        if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option)
            throw new ConfigError(`${option} needs a value (${option} <value>); see: npm run server -- help`)
        if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) throw new ConfigError(`unknown option ${option}; see: npm run server -- help`)
        throw new ConfigError(`${message}; see: npm run server -- help`)
    }
    const flags = new Map<string, string[]>()
    for (const [name, value] of Object.entries(parsed.values as Record<string, string[] | boolean | undefined>)) {
        if (value === undefined || value === false) continue
        flags.set(name, value === true ? ["true"] : value)
    }
    return { positional: parsed.positionals, flags }
}

export class ConfigError extends Error {}

function checkPublicUrl(text: string | undefined): string | undefined {
    if (text === undefined) return undefined
    let url: URL
    try {
        url = new URL(text)
    } catch {
        throw new ConfigError(`--public-url ${text}: not a URL`)
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new ConfigError(`--public-url ${text}: expected https://…`)
    return text
}

/** The folder's list.json must name where the folder is served, so --export-dir needs --public-url. */
function exportDir(dir: string | undefined, publicUrl: string | undefined): string | undefined {
    if (dir === undefined) return undefined
    if (!publicUrl) throw new ConfigError(`--export-dir ${dir} needs --public-url <the URL the folder is served at> (list.json names each zip by its full URL)`)
    return resolve(dir)
}

/** `start` refuses to take list.json URLs from request headers on a reachable address. */
export function checkStartConfig(config: ServerConfig): void {
    if (!config.publicUrl && !config.trustProxy && !isLoopbackHost(config.host)) {
        throw new ConfigError(
            `--public-url is required when listening on ${config.host} (the base URL kiosks download from, e.g. https://en.example.org); ` +
                "or --trust-proxy behind a reverse proxy that sets X-Forwarded-Proto and X-Forwarded-Host; or --host 127.0.0.1"
        )
    }
}

function int(flags: Map<string, string[]>, name: string, fallback: number, min = 0): number {
    const v = flags.get(name)?.at(-1)
    if (v === undefined) return fallback
    const n = Number(v)
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name}: expected an integer ≥ ${min}, got "${v}"`)
    return n
}

const KNOWN_FLAGS = new Set<string>([...VALUE_FLAGS, ...SWITCH_FLAGS])

export function configFromFlags(flags: Map<string, string[]>, env: NodeJS.ProcessEnv = process.env): ServerConfig {
    for (const name of flags.keys()) if (!KNOWN_FLAGS.has(name)) throw new ConfigError(`unknown option --${name}`)
    const base = defaultConfig()
    const last = (name: string) => flags.get(name)?.at(-1)

    const regions = (flags.get("region") ?? [DEFAULT_REGION])
        .flatMap(r => r.split(","))
        .map(r => r.trim())
        .filter(Boolean)
    for (const r of regions) if (!REGION_PATTERN.test(r)) throw new ConfigError(`--region: "${r}" is not a region code`)

    let verifier: VerifierConfig = { kind: "local" }
    const kind = last("verifier") ?? "local"
    if (kind === "hersys") {
        const url = last("hersys-url") ?? (env.HERSYS_URL || undefined)
        if (!url) throw new ConfigError("--verifier hersys needs --hersys-url (or HERSYS_URL)")
        let results = DEFAULT_HERSYS_RESULTS
        const spec = last("hersys-results")
        if (spec) {
            results = {}
            for (const pair of spec.split(",")) {
                const [code, outcome] = pair.split("=")
                if (!code || (outcome !== "accepted" && outcome !== "rejected")) {
                    throw new ConfigError(`--hersys-results: expected code=accepted|rejected pairs, got "${pair}"`)
                }
                results[code] = outcome
            }
        }
        verifier = {
            kind: "hersys",
            url,
            parameterName: last("hersys-parameter") ?? "processNumber",
            apiSecret: env.HERSYS_API_SECRET || undefined,
            results,
            timeoutMs: int(flags, "hersys-timeout-ms", 5000, 1),
        }
    } else if (kind !== "local") {
        throw new ConfigError(`--verifier: "${kind}" is not one of local, hersys`)
    }

    return {
        ...base,
        dataDir: resolve(last("data") ?? (env.GAEN_SERVER_DATA || DEFAULT_DATA_DIR)),
        databaseUrl: last("database-url") ?? (env.GAEN_DATABASE_URL || undefined),
        host: last("host") ?? base.host,
        port: int(flags, "port", base.port),
        regions,
        publicUrl: checkPublicUrl(last("public-url")),
        trustProxy: flags.has("trust-proxy"),
        verifier,
        rateLimit: {
            perMinute: int(flags, "rate-limit-per-minute", base.rateLimit.perMinute, 1),
            burst: int(flags, "rate-limit-burst", base.rateLimit.burst, 1),
        },
        guessLimit: {
            perKiosk: int(flags, "guess-limit-per-kiosk", base.guessLimit.perKiosk, 1),
            global: int(flags, "guess-limit-global", base.guessLimit.global, 1),
            windowMinutes: int(flags, "guess-limit-window-minutes", base.guessLimit.windowMinutes, 1),
        },
        publishIntervalMinutes: int(flags, "publish-interval-minutes", base.publishIntervalMinutes),
        exportPadding: {
            minKeys: int(flags, "export-min-keys", base.exportPadding.minKeys),
            extraUpTo: int(flags, "export-padding-extra", base.exportPadding.extraUpTo),
        },
        exportDir: exportDir(last("export-dir"), last("public-url")),
        signingKey: {
            keyId: last("signing-key-id") ?? base.signingKey.keyId,
            keyVersion: last("signing-key-version") ?? base.signingKey.keyVersion,
        },
    }
}
