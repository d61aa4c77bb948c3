// `npm run sim -- <command>`: run simulated worlds of tokens (sim/README.md).
//   run <scenario> [--out DIR] [--pcap | --no-pcap] [--max-speed N] [--quiet]
//   up <scenario> [--out DIR] [--speed N]        a live world; commands on stdin ("help")
//   check <scenario>...                          validate scenario files only
//   list                                         the scenarios in sim/scenarios/
import { existsSync, readdirSync } from "node:fs"
import { basename, join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { parseArgs } from "node:util"
import { fileURLToPath } from "node:url"
import { loadScenario, parseDuration, formatMs, ScenarioError, type Scenario } from "./scenarios/scenario.js"
import { serveKioskRadio } from "./world/kiosk-radio-server.js"
import { World, type WorldEvent } from "./world/world.js"
import type { WorldSummary } from "./world/world-outputs.js"
import { formatAddress } from "./capture/trace.js"

const SCENARIO_DIR = fileURLToPath(new URL("./scenarios", import.meta.url))
/** Scenarios longer than this write air.pcap only with --pcap (a day of one token is ~350,000 packets). */
const PCAP_BY_DEFAULT_UP_TO_MS = 6 * 3_600_000
const PROGRESS_EVERY_REAL_MS = 5_000

class UsageError extends Error {}

const USAGE = `usage: npm run sim -- <command>
  run <scenario> [--out DIR] [--pcap | --no-pcap] [--max-speed N] [--quiet]
      runs a scenario to its end as fast as the machine allows; writes DIR/summary.json,
      DIR/trace.jsonl, DIR/air.pcap (scenarios up to 6 h, or with --pcap), DIR/tokens/<id>/
  up <scenario> [--out DIR] [--speed N]
      runs a world live (default: real time) and prints each token's kiosk address; type "help"
  check <scenario>...    validates scenario files
  list                   lists the scenarios in sim/scenarios/
<scenario> is a file, or the name of one in sim/scenarios/ (e.g. two-people-1m).`

/** A scenario argument: a path, or a name in sim/scenarios/. */
function scenarioPath(arg: string | undefined): string {
    if (!arg) throw new UsageError("which scenario? (npm run sim -- list)")
    for (const candidate of [arg, join(SCENARIO_DIR, arg), join(SCENARIO_DIR, `${arg}.json`)])
        if (existsSync(candidate) && candidate.endsWith(".json")) return resolve(candidate)
    return resolve(arg) // loadScenario reports that it cannot be read
}

/** Strict node:util parseArgs: an unknown option or one without its value is a UsageError. */
function parseFlags(args: string[], known: Record<string, "flag" | "value">) {
    let parsed
    try {
        parsed = parseArgs({
            args,
            strict: true,
            allowPositionals: true,
            options: Object.fromEntries(Object.entries(known).map(([name, kind]) => [name, { type: kind === "value" ? "string" : "boolean" }] as const)),
        })
    } catch (err) {
        const { code, message } = err as { code?: string; message: string }
        const option = /'(--[a-z-]+)/.exec(message)?.[1]
        if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) throw new UsageError(`${option} needs a value`)
        throw new UsageError(option && code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? `unknown option ${option}` : message)
    }
    return { flags: parsed.values as Record<string, string | true | undefined>, rest: parsed.positionals }
}

function positiveNumber(value: string | true | undefined, option: string): number | undefined {
    if (value === undefined) return undefined
    const n = Number(value)
    if (!Number.isFinite(n) || n < 1) throw new UsageError(`${option} must be a number of at least 1, got ${value}`)
    return n
}

const clockText = (startMs: number, ms: number) =>
    `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} (+${formatMs(Math.max(0, Math.round((ms - startMs) / 1000) * 1000))})`

/** One line per world event, for people. */
export function describeEvent(startMs: number, e: WorldEvent): string {
    const at = clockText(startMs, e.atMs)
    switch (e.type) {
        case "on-air":
            return `${at}  ${e.token} on air: address ${formatAddress(e.address)}${e.rpi ? `, RPI ${e.rpi.slice(0, 8)}…` : ""}`
        case "off-air":
            return `${at}  ${e.token} off air`
        case "scan":
            return `${at}  ${e.token} scanned: ${e.heard.length ? e.heard.map(h => `${h.from} ${h.rssi} dBm ×${h.packets}`).join(", ") : "nothing"}`
        case "note":
            return `${at}  ${e.detail}`
        default:
            return `${at}  ${e.token}: ${e.type}${e.detail ? ` ${e.detail}` : ""}`
    }
}

function printSummary(summary: WorldSummary, outDir: string) {
    console.log(
        `\n${summary.scenario}: ${formatMs(summary.simulatedSeconds * 1000)} simulated in ${summary.speed.runSeconds} s ` +
            `(${summary.speed.simulatedSecondsPerRealSecond}× real time; boot ${summary.speed.bootSeconds} s; peak memory ${Math.round(summary.speed.peakMemoryBytes / 2 ** 20)} MiB)`
    )
    for (const t of summary.tokens) {
        const heard =
            Object.entries(t.heardFrom)
                .map(([from, c]) => `${from} (${c.identifiers} ids, best ${c.strongestRssi} dBm)`)
                .join(", ") || "nobody"
        const logged = t.recordsLogged === undefined ? (t.error ?? "not read") : `${t.recordsLogged} records, ${t.storageUsed} bytes`
        console.log(
            `  ${t.id}: sent ${t.advertisementsSent} identifiers (longest ${formatMs(t.longestOnAirSeconds * 1000)} on air); heard ${heard}; logged ${logged}`
        )
    }
    console.log(`outputs in ${outDir}: summary.json, trace.jsonl${summary.outputs.pcap ? `, air.pcap (${summary.outputs.pcapPackets} packets)` : ""}, tokens/`)
}

async function run(args: string[]) {
    const { flags, rest } = parseFlags(args, { out: "value", pcap: "flag", "no-pcap": "flag", "max-speed": "value", quiet: "flag" })
    const scenario = loadScenario(scenarioPath(rest[0]))
    const outDir = resolve(typeof flags.out === "string" ? flags.out : join("tmp", "sim", basename(scenario.file, ".json")))
    const pcap = flags.pcap ? true : flags["no-pcap"] ? false : scenario.durationMs <= PCAP_BY_DEFAULT_UP_TO_MS
    const maxScale = positiveNumber(flags["max-speed"], "--max-speed")
    console.log(`${scenario.name}: ${scenario.tokens.length} tokens, ${formatMs(scenario.durationMs)} from ${new Date(scenario.startMs).toISOString()}`)
    console.log(`booting ${scenario.tokens.length} tokens…`)
    const world = await World.start({
        scenario,
        outDir,
        pcap,
        maxScale,
        onEvent: e => {
            if (!flags.quiet && e.type !== "scan") console.log(describeEvent(scenario.startMs, e))
        },
    })
    const progress = setInterval(() => {
        const onAir = [...world.tokens.values()].filter(t => t.poweredOn).length
        console.log(`  … ${clockText(world.startMs, world.clock.now())}, ${Math.round(world.clock.scale)}× real time, ${onAir} tokens powered`)
    }, PROGRESS_EVERY_REAL_MS)
    try {
        const summary = await world.run()
        printSummary(summary, outDir)
    } finally {
        clearInterval(progress)
        await world.stop()
    }
}

const UP_HELP = `commands:
  press <token> [hold]     press the token's button (hold: e.g. 1s; default 300ms)
                           the owner ends use on the token: speed 1, press <token> 11s (light
                           steady red), then press <token> within 10 s; status <token> shows it
  move <token> <x> <y>     put the token at x, y (metres) from now on
  move <token> away        take the token out of everyone's range
  off <token>              pull its battery          on <token>    put it back (clock not set)
  time <token>             a kiosk sets the token's clock
  speed <n>                run at n simulated seconds per real second
  where                    positions, power and time          status <token>   the token's status
  quit                     end: write the outputs and stop every token`

async function up(args: string[]) {
    const { flags, rest } = parseFlags(args, { out: "value", speed: "value" })
    // A live world runs on today's date, whatever the scenario's: a kiosk connecting to one of its
    // tokens sets the token's clock from the real clock, which then agrees with the world's (at the
    // default speed of 1).
    const planned = loadScenario(scenarioPath(rest[0]))
    const scenario = { ...planned, startMs: Date.now() + World.bootAllowanceMs(planned.tokens.length) }
    const outDir = resolve(typeof flags.out === "string" ? flags.out : join("tmp", "sim", `${basename(scenario.file, ".json")}-live`))
    const speed = positiveNumber(flags.speed, "--speed") ?? 1
    console.log(`${scenario.name}: booting ${scenario.tokens.length} tokens…`)
    const world = await World.start({
        scenario,
        outDir,
        maxScale: speed,
        pcap: scenario.durationMs <= PCAP_BY_DEFAULT_UP_TO_MS,
        onEvent: e => console.log(describeEvent(scenario.startMs, e)),
    })
    // Each token's Bluetooth sticker, handed out by the world's kiosk with the owner's press (a token
    // does it once), and the kiosk radio a kiosk in another process reaches the tokens through.
    // Only tokens handed out at the start: the hand-out sets a token's clock, which a token the
    // scenario keeps unset ("handOut": false) must not get.
    const withSticker = scenario.tokens.filter(t => t.handOut && world.token(t.id).poweredOn).map(t => t.id)
    console.log(`handing out ${withSticker.length} Bluetooth stickers (each token's owner presses once)…`)
    await world.handOutStickers(withSticker)
    const radio = await serveKioskRadio(world.kioskRadio)
    const radioAddress = `tcp://127.0.0.1:${radio.port}`
    console.log("\nkiosk addresses (Jacdac over TCP, as a USB cable; Bluetooth: ble:<sticker code> through the kiosk radio):")
    for (const t of world.tokens.values())
        console.log(`  ${t.id.padEnd(10)} tcp://127.0.0.1:${t.hubPort}  ${t.stickerCode ? `ble:${t.stickerCode}` : "(no sticker: not handed out)"}`)
    const k = world.kioskRadio.position
    console.log(`kiosk radio: ${radioAddress} at x ${k.x} y ${k.y} (a token syncs over Bluetooth within about 40 m)`)
    console.log(`  e.g. npm run kiosk -- status --radio ${radioAddress} --token ble:<code>, and here "press <token>" to open its window`)
    console.log(`\nrunning at ${speed}× real time; type "help" for commands\n`)
    let quitting = false
    const ended = world.run().then(summary => {
        if (quitting) return // "quit" before the scenario's end: its summary is printed below
        printSummary(summary, outDir)
        console.log(`scenario over; the tokens keep running for kiosks until "quit"`)
    })
    ended.catch(e => console.error(`world failed: ${e.message}`))
    const rl = createInterface({ input: process.stdin, prompt: "> " })
    rl.prompt()
    for await (const line of rl) {
        const [cmd, id, ...more] = line.trim().split(/\s+/)
        try {
            if (!cmd) {
                // nothing
            } else if (cmd === "help") console.log(UP_HELP)
            else if (cmd === "quit" || cmd === "exit") break
            else if (cmd === "press") await world.pressButton(requireId(id), more[0] ? (parseDuration(more[0]) ?? badArg(`hold ${more[0]}`)) : undefined)
            else if (cmd === "move") world.move(requireId(id), more[0] === "away" ? null : { x: coordinate(more[0]), y: coordinate(more[1]) })
            else if (cmd === "off") await world.powerOff(requireId(id))
            else if (cmd === "on") await world.powerOn(requireId(id))
            else if (cmd === "time") await world.setTime(requireId(id))
            else if (cmd === "speed") world.governor.setMaxScale(positiveNumber(id, "speed") ?? badArg("speed needs a number"))
            else if (cmd === "where") {
                for (const t of world.tokens.values()) {
                    const p = t.track.positionAt(world.elapsedMs)
                    console.log(`  ${t.id.padEnd(10)} ${p ? `x ${p.x.toFixed(1)} y ${p.y.toFixed(1)}` : "away"}  ${t.poweredOn ? "on" : "OFF"}`)
                }
                console.log(`  ${"kiosk radio".padEnd(10)} x ${k.x.toFixed(1)} y ${k.y.toFixed(1)}`)
                console.log(`  ${clockText(world.startMs, world.clock.now())}`)
            } else if (cmd === "status") {
                const t = world.token(requireId(id))
                console.log(t.sync ? await t.sync.status() : "no power")
            } else console.log(`unknown command "${cmd}" (help)`)
        } catch (e: any) {
            console.log(`error: ${e.message}`)
        }
        rl.prompt()
    }
    rl.close()
    quitting = true
    await radio.close()
    await world.finish().then(
        s => printSummary(s, outDir),
        () => {}
    )
    await world.stop()
    await ended.catch(() => {})
}

function requireId(id: string | undefined): string {
    if (!id) throw new Error("which token?")
    return id
}
function coordinate(v: string | undefined): number {
    const n = Number(v)
    if (v === undefined || !Number.isFinite(n)) throw new Error(`"${v ?? ""}" is not a coordinate in metres`)
    return n
}
function badArg(message: string): never {
    throw new Error(message)
}

function check(args: string[]) {
    if (!args.length) throw new UsageError("which scenario files?")
    let bad = 0
    for (const a of args) {
        try {
            const s = loadScenario(scenarioPath(a))
            console.log(`${s.file}: ok (${s.tokens.length} tokens, ${formatMs(s.durationMs)}, ${s.events.length} events)`)
        } catch (e) {
            if (!(e instanceof ScenarioError)) throw e
            console.error(e.message)
            bad++
        }
    }
    if (bad) process.exitCode = 1
}

function list() {
    for (const f of readdirSync(SCENARIO_DIR)
        .filter(f => f.endsWith(".json"))
        .sort()) {
        let s: Scenario
        try {
            s = loadScenario(join(SCENARIO_DIR, f))
        } catch (e: any) {
            console.log(`${basename(f, ".json").padEnd(22)} INVALID: ${e.message.split("\n")[0]}`)
            continue
        }
        console.log(`${basename(f, ".json").padEnd(22)} ${String(s.tokens.length).padStart(3)} tokens ${formatMs(s.durationMs).padStart(6)}  ${s.name}`)
    }
}

async function main(argv: string[]) {
    console.debug = () => {} // jacdac-ts announces every socket connection there
    const [command, ...args] = argv
    if (command === "run") await run(args)
    else if (command === "up") await up(args)
    else if (command === "check") check(args)
    else if (command === "list") list()
    else throw new UsageError(command ? `unknown command "${command}"` : "which command?")
}

main(process.argv.slice(2)).then(
    () => process.exit(process.exitCode ?? 0),
    e => {
        if (e instanceof UsageError) console.error(`${e.message}\n\n${USAGE}`)
        else if (e instanceof ScenarioError) console.error(`invalid scenario, nothing started:\n${e.message}`)
        else console.error(e?.stack ?? e)
        process.exit(2)
    }
)
