// `npm run kiosk -- <command>`: a thin layer over the kiosk core (kiosk/index.ts). It parses the
// command line, picks the language, prints results for people (or one JSON object with --json) and
// maps failures to exit codes (kiosk/README.md).
import { pathToFileURL } from "node:url"
import { createInterface } from "node:readline/promises"
import type { Readable } from "node:stream"
import { KioskError, EXIT_CODES, isTransient } from "./errors.js"
import { chooseLang, type Lang } from "./i18n/locale.js"
import { text } from "./i18n/messages.js"
import { parseArgs, allowOnly, retriesOption, USAGE, type ParsedArgs } from "./cli/args.js"
import { inFlagTerms } from "./cli/options.js"
import { renderStatus, renderError, progressPrinter, type Output } from "./cli/render.js"
import { kioskDataDir, KioskSettings, DEFAULT_REGION } from "./config.js"
import { openTokenSession, type TokenSession } from "./token/session.js"
import { resolveTrustedKey, fetchServerKey } from "./downloads/public-key.js"
import { loadRiskConfig } from "./matching/risk-config.js"
import { checkTokenExposure, type CheckResult } from "./matching/check.js"
import { parseRegistrationDetails } from "./registration/details.js"
import { exportKeysForRegistration } from "./registration/register.js"
import { sendUpload, type PreparedUpload, type UploadTarget } from "./registration/upload.js"
import type { DecommissionResult } from "../lib/token-sync/sync-client.js"
import { parseSurveyOptions, prepareSurvey, exposureDaysFromCheck } from "./decommission/survey.js"
import { decommissionToken } from "./decommission/decommission.js"
import { serverBaseUrl, DEFAULT_RETRY, type RetryPolicy } from "./http/server-client.js"
import type { ProgressListener } from "./progress.js"
import { handOutLinkKey } from "./link/hand-out.js"
import { stickerPage } from "./link/sticker-page.js"
import { handOutToken, requireFresh } from "./handout/hand-out-token.js"
import { ownerSheet } from "./handout/owner-sheet.js"
import { writeFileSync } from "node:fs"
import { startWebApp } from "./web/server.js"
import { useBleCentral } from "./transport/ble.js"
import { parseRadioAddress, SimRadioCentral } from "./transport/sim-radio.js"

export interface KioskIo {
    stdout: Output
    stderr: Output
    env: NodeJS.ProcessEnv
    /** For the "send again?" question after a failed registration (text mode, terminals only). */
    stdin?: Readable & { isTTY?: boolean }
    /** The kiosk's clock, Unix ms (tests: a simulated clock). */
    now?: () => number
    /** Also receives every progress event, in text and JSON mode (an embedding UI, tests). */
    onProgress?: ProgressListener
    /** Backoff of automatic retries (tests shorten it). */
    retry?: Omit<RetryPolicy, "retries">
    /** `serve` runs until this resolves (default: SIGINT or SIGTERM). */
    until?: Promise<void>
}

interface Ctx {
    args: ParsedArgs
    io: KioskIo
    lang: Lang
    json: boolean
    now: () => number
    dataDir: string
    progress?: ProgressListener
}

export async function runKiosk(argv: readonly string[], io: KioskIo): Promise<number> {
    let lang: Lang = "en"
    let json = argv.includes("--json")
    try {
        const args = parseArgs(argv)
        json = args.switches.has("json")
        lang = chooseLang(args.values.get("lang"), io.env)
        if (!args.command || args.command === "help" || args.switches.has("help")) {
            io.stdout.write(USAGE)
            return args.command || args.switches.has("help") ? EXIT_CODES.ok : EXIT_CODES.usage
        }
        const ctx: Ctx = {
            args,
            io,
            lang,
            json,
            now: io.now ?? Date.now,
            dataDir: kioskDataDir(args.values.get("data"), io.env),
            progress: combine(json ? undefined : progressPrinter(io.stderr, lang), io.onProgress),
        }
        const command = COMMANDS[args.command]
        if (!command) throw new KioskError("usage", `unknown command "${args.command}" (commands: ${Object.keys(COMMANDS).join(", ")})`)
        const radio = args.values.get("radio") ?? io.env.GAEN_KIOSK_RADIO
        const before = radio ? useBleCentral(simulatedRadio(radio)) : undefined
        try {
            await command(ctx)
        } finally {
            if (radio) useBleCentral(before)
        }
        return EXIT_CODES.ok
    } catch (e) {
        // A field the person typed is named by its flag here.
        const flagged = inFlagTerms(e)
        const err = flagged instanceof KioskError ? flagged : new KioskError("usage", `internal error: ${(e as Error)?.stack ?? e}`)
        const code = flagged instanceof KioskError ? err.exitCode : EXIT_CODES.internal
        const held = pending.get(e as object)
        if (json) io.stdout.write(JSON.stringify({ ok: false, error: { code: err.code, message: err.message, ...(held && { pendingUpload: held }) } }) + "\n")
        else io.stdout.write(renderError(err, lang) + (held ? `\n${text.registerNotSent[lang]}\n` : ""))
        return code
    }
}

function simulatedRadio(address: string): SimRadioCentral {
    const { host, port } = parseRadioAddress(address)
    return new SimRadioCentral(host, port)
}

function combine(...listeners: (ProgressListener | undefined)[]): ProgressListener | undefined {
    const ls = listeners.filter((l): l is ProgressListener => !!l)
    return ls.length ? p => ls.forEach(l => l(p)) : undefined
}

/** A registration that failed after the keys were exported: what is still held for a retry. */
const pending = new WeakMap<object, { idempotencyKey: string; keys: number }>()

function reply(ctx: Ctx, jsonBody: Record<string, unknown>, human: string): void {
    ctx.io.stdout.write(ctx.json ? JSON.stringify({ ok: true, ...jsonBody }) + "\n" : human)
}

function tokenAddress(ctx: Ctx): string {
    const t = ctx.args.values.get("token") ?? ctx.io.env.GAEN_KIOSK_TOKEN
    if (!t) throw new KioskError("usage", "--token is missing: give tcp://host:port (simulated token) or serial:/dev/ttyACM0 (USB), or set GAEN_KIOSK_TOKEN")
    return t
}

function apiKey(ctx: Ctx): string {
    const k = ctx.args.values.get("api-key") ?? ctx.io.env.GAEN_KIOSK_API_KEY
    if (!k) throw new KioskError("usage", "the kiosk's API key is missing: give --api-key or set GAEN_KIOSK_API_KEY (from the server's add-kiosk command)")
    return k
}

function retryPolicy(ctx: Ctx): RetryPolicy {
    return { ...DEFAULT_RETRY, ...ctx.io.retry, retries: retriesOption(ctx.args) ?? DEFAULT_RETRY.retries }
}

async function withToken<T>(ctx: Ctx, use: (s: TokenSession) => Promise<T>): Promise<T> {
    // The server, when the command has one, is what the kiosk checks its own clock against before
    // it sets a token's clock with the owner's press (kiosk/token/kiosk-clock.ts).
    const server = ctx.args.values.get("server")
    const session = await openTokenSession(tokenAddress(ctx), { now: ctx.now, clockReference: server ? serverBaseUrl(server) : undefined })
    try {
        return await use(session)
    } finally {
        await session.close()
    }
}

function clockJson(s: TokenSession) {
    return {
        driftSeconds: s.driftSeconds,
        wasUnset: s.clockWasUnset,
        clock: s.status.clock,
        kioskClock: s.clocks.kiosk,
        tokenClockBefore: s.clocks.token,
        needsPress: s.clockNeedsPress,
        repair: s.clockRepair,
    }
}

/** Options of `check` and of `decommission --consent-exposures`, resolved before the token is touched. */
function checkSetup(ctx: Ctx) {
    const server = serverBaseUrl(ctx.args.values.get("server"))
    const region = ctx.args.values.get("region") ?? DEFAULT_REGION
    const trustedKey = resolveTrustedKey(KioskSettings.open(ctx.dataDir), server, ctx.args.values.get("public-key"))
    const riskConfig = loadRiskConfig(ctx.args.values.get("config"))
    return { server, region, dataDir: ctx.dataDir, trustedKey, riskConfig, onProgress: ctx.progress }
}

function checkJson(r: CheckResult) {
    return {
        result: r.probableContact ? "probable-contact" : "no-contact",
        contactDates: r.contactDates,
        days: r.days.map(d => ({ date: d.date, highRisk: d.highRisk, scoreSum: d.scoreSum, maxScore: d.maxScore, seconds: d.seconds, matches: d.matches })),
        matching: r.matching,
        downloads: { files: r.downloads.files.length, downloaded: r.downloads.downloaded, keys: r.downloads.keys },
        log: r.log,
    }
}

/** A stopped token's stop for --json: who stopped it and its proof, or the state while it erases. */
function stopJson(stop: DecommissionResult | undefined) {
    if (!stop) return undefined
    if (stop.state !== "done") return { state: stop.state }
    return { state: "done", by: stop.byOwner ? "owner" : "kiosk", bytesChecked: stop.bytesChecked, bytesNotErased: stop.bytesNotErased }
}

const COMMANDS: Record<string, (ctx: Ctx) => Promise<void>> = {
    /** Once per token, over USB with the owner's press: the Bluetooth sticker page. */
    async sticker(ctx) {
        allowOnly(ctx.args, "sticker", ["token", "out"])
        const out = ctx.args.values.get("out")
        if (!out)
            throw new KioskError("usage", "--out <file.html> is missing: where to write the sticker page (it holds the token's key: delete it once printed)")
        await withToken(ctx, async s => {
            const code = await handOutLinkKey(s, { onProgress: ctx.progress })
            writeFileSync(out, await stickerPage(code), { mode: 0o600 })
            reply(ctx, { command: "sticker", page: out }, `${text.stickerWritten(out)[ctx.lang]}\n`)
        })
    },

    /** A new token to its owner: fresh only; the owner's presses for the clock and the sticker; the pages to print. */
    async "hand-out"(ctx) {
        allowOnly(ctx.args, "hand-out", ["token", "sticker", "sheet"])
        const stickerOut = ctx.args.values.get("sticker")
        const sheetOut = ctx.args.values.get("sheet")
        if (!stickerOut)
            throw new KioskError(
                "usage",
                "--sticker <file.html> is missing: where to write the sticker page (it holds the token's key: delete it once printed)"
            )
        if (!sheetOut) throw new KioskError("usage", "--sheet <file.html> is missing: where to write the owner's sheet")
        const sheet = ownerSheet(ctx.lang, KioskSettings.open(ctx.dataDir).desk())
        const session = await openTokenSession(tokenAddress(ctx), { now: ctx.now, setClock: false })
        try {
            requireFresh(session)
            const { stickerCode } = await handOutToken(session, { onProgress: ctx.progress })
            writeFileSync(stickerOut, await stickerPage(stickerCode), { mode: 0o600 })
            writeFileSync(sheetOut, sheet)
            reply(
                ctx,
                { command: "hand-out", sticker: stickerOut, sheet: sheetOut, clock: clockJson(session) },
                `${text.handedOut(stickerOut, sheetOut)[ctx.lang]}\n`
            )
        } finally {
            await session.close()
        }
    },

    async status(ctx) {
        allowOnly(ctx.args, "status", ["token"])
        await withToken(ctx, async s => {
            const { firmwareVersion, tokenId, state, keysHeld, recordsHeld, storageUsed, storageCapacity } = s.status
            reply(
                ctx,
                {
                    command: "status",
                    token: { firmwareVersion, tokenId, state, keysHeld, recordsHeld, storageUsed, storageCapacity },
                    clock: clockJson(s),
                    stop: stopJson(s.stop),
                },
                renderStatus(s.status, s, ctx.lang)
            )
        })
    },

    async check(ctx) {
        allowOnly(ctx.args, "check", ["token", "server", "region", "public-key", "config"])
        const setup = checkSetup(ctx)
        await withToken(ctx, async s => {
            const r = await checkTokenExposure(s, setup)
            const repaired = s.clockRepair ? `${text.clockRepaired(s.clockRepair.tokenOffSeconds, s.clockRepair.futureRecordsErased)[ctx.lang]}\n\n` : ""
            const human =
                repaired +
                (r.probableContact ? `${text.contact(r.contactDates, ctx.lang)}\n\n${text.contactNext[ctx.lang]}\n` : `${text.noContact[ctx.lang]}\n`)
            reply(ctx, { command: "check", ...checkJson(r), clock: clockJson(s) }, human)
        })
    },

    async register(ctx) {
        allowOnly(ctx.args, "register", ["token", "server", "region", "processing-number", "onset", "symptoms", "api-key", "retries"])
        // No number as a flag (which shell history keeps): the number, and the onset unless given,
        // are asked for on the terminal or read from stdin.
        const asked = ctx.args.values.has("processing-number")
            ? new Map<string, string>()
            : await askFor(ctx, ctx.args.values.has("onset") ? ["processing-number"] : ["processing-number", "onset"])
        // Everything the person typed is checked before the token is touched.
        const details = parseRegistrationDetails(
            {
                processingNumber: ctx.args.values.get("processing-number") ?? asked.get("processing-number"),
                onset: ctx.args.values.get("onset") ?? (asked.get("onset") || undefined),
                symptoms: ctx.args.values.get("symptoms"),
                region: ctx.args.values.get("region") ?? DEFAULT_REGION,
            },
            ctx.now()
        )
        const target: UploadTarget = { server: serverBaseUrl(ctx.args.values.get("server")), apiKey: apiKey(ctx) }
        const policy = retryPolicy(ctx)
        const prepared = await withToken(ctx, s => exportKeysForRegistration(s, details, { onProgress: ctx.progress, now: ctx.now }))
        const result = await sendKeepingUpload(ctx, prepared, target, policy)
        reply(
            ctx,
            {
                command: "register",
                accepted: result.accepted,
                dropped: result.dropped,
                attempts: result.attempts,
                keys: prepared.keyCount,
                idempotencyKey: prepared.idempotencyKey,
            },
            text.registered(result.accepted)[ctx.lang] + "\n"
        )
    },

    async decommission(ctx) {
        allowOnly(ctx.args, "decommission", [
            "token",
            "server",
            "region",
            "public-key",
            "config",
            "api-key",
            "retries",
            "age",
            "commute",
            "consent-start-date",
            "start-date",
            "consent-exposures",
        ])
        const answers = parseSurveyOptions(
            {
                age: ctx.args.values.get("age"),
                commute: ctx.args.values.get("commute"),
                consentStartDate: ctx.args.switches.has("consent-start-date"),
                startDate: ctx.args.values.get("start-date"),
            },
            ctx.now()
        )
        const wantsSurvey =
            answers.ageBracket !== undefined || answers.commuting !== undefined || answers.startDate !== undefined || ctx.args.switches.has("consent-exposures")
        const setup = ctx.args.switches.has("consent-exposures") ? checkSetup(ctx) : undefined
        const target = wantsSurvey ? { server: serverBaseUrl(ctx.args.values.get("server")), apiKey: apiKey(ctx) } : undefined
        // Checked before the token is touched, as everything typed (a bad --retries must not end a session midway).
        const policy = retryPolicy(ctx)
        await withToken(ctx, async s => {
            if (setup) answers.exposureDays = exposureDaysFromCheck((await checkTokenExposure(s, setup)).days)
            const survey = prepareSurvey(answers, ctx.now())
            const outcome = await decommissionToken(s, { survey, target, retry: policy, onProgress: ctx.progress })
            const human = (outcome.survey.sent ? text.surveySent[ctx.lang] + "\n" : "") + text.decommissioned(outcome.erasure.bytesChecked)[ctx.lang] + "\n"
            reply(ctx, { command: "decommission", survey: outcome.survey, erasure: outcome.erasure }, human)
        })
    },

    async serve(ctx) {
        allowOnly(ctx.args, "serve", ["port"])
        const port = ctx.args.values.has("port") ? Number(ctx.args.values.get("port")) : 0
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KioskError("usage", `--port ${ctx.args.values.get("port")}: expected 0-65535`)
        const app = await startWebApp({ dataDir: ctx.dataDir, port, now: ctx.io.now, retry: ctx.io.retry })
        ctx.io.stdout.write(ctx.json ? JSON.stringify({ ok: true, command: "serve", url: app.url }) + "\n" : text.serving(app.url)[ctx.lang] + "\n")
        await (ctx.io.until ??
            new Promise<void>(r => {
                process.once("SIGINT", r)
                process.once("SIGTERM", r)
            }))
        await app.close()
    },

    async "trust-server-key"(ctx) {
        allowOnly(ctx.args, "trust-server-key", ["server"])
        const server = serverBaseUrl(ctx.args.values.get("server"))
        const key = await fetchServerKey(server)
        KioskSettings.open(ctx.dataDir).pinPublicKey(server, key.spki, ctx.now())
        reply(
            ctx,
            { command: "trust-server-key", server, publicKey: key.spki, fingerprint: key.fingerprint, keyId: key.keyId, keyVersion: key.keyVersion },
            text.trustedKey(key.fingerprint)[ctx.lang] + "\n"
        )
    },
}

/**
 * Reads what was not given as flags from the terminal (with a prompt on stderr) or from piped stdin,
 * one line each, in order. Without stdin nothing is asked: the checks then name what is missing.
 */
async function askFor(ctx: Ctx, names: ("processing-number" | "onset")[]): Promise<Map<string, string>> {
    const answers = new Map<string, string>()
    if (!names.length || !ctx.io.stdin) return answers
    const prompts = { "processing-number": text.promptProcessingNumber, onset: text.promptOnset }
    const rl = createInterface({ input: ctx.io.stdin, terminal: false })
    const lines = rl[Symbol.asyncIterator]()
    try {
        for (const name of names) {
            if (ctx.io.stdin.isTTY) ctx.io.stderr.write(prompts[name][ctx.lang])
            const next = await lines.next()
            if (next.done) break
            answers.set(name, String(next.value).trim())
        }
    } finally {
        rl.close()
    }
    return answers
}

/** Sends the upload; after a transient failure a person at a terminal may send the same upload again. */
async function sendKeepingUpload(ctx: Ctx, prepared: PreparedUpload, target: UploadTarget, policy: RetryPolicy) {
    for (;;) {
        try {
            return await sendUpload(prepared, target, { retry: policy, onProgress: ctx.progress })
        } catch (e) {
            // Worth asking when sending again later may work: the transient failures, and a rate limit.
            const canAsk = !ctx.json && ctx.io.stdin?.isTTY && (isTransient(e) || (e instanceof KioskError && e.code === "rate-limited"))
            if (canAsk) {
                ctx.io.stdout.write(renderError(e as KioskError, ctx.lang))
                // The prompt goes to the injected stdout like every other line; readline only reads the answer.
                ctx.io.stdout.write(text.registerKept[ctx.lang])
                const rl = createInterface({ input: ctx.io.stdin! })
                const answer = (await rl.question("")).trim().toLowerCase()
                rl.close()
                if (answer === "y" || answer === "yes" || answer === "はい") continue
            }
            pending.set(e as object, { idempotencyKey: prepared.idempotencyKey, keys: prepared.keyCount })
            throw e
        }
    }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    // jacdac-ts narrates every connection on console.debug; a person at the kiosk needs none of it.
    console.debug = () => {}
    const code = await runKiosk(process.argv.slice(2), {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        stdin: process.stdin,
    })
    process.exit(code)
}
