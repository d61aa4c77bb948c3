// Scenario files (format: sim/scenarios/README.md): reading and validating them. Every problem is
// reported with the file, the place (line:column for a syntax error, the JSON path otherwise) and
// what is wrong; all problems of a file at once, and nothing runs while there is one.
import { readFileSync } from "node:fs"
import { CHANNEL_LIMITS, DEFAULT_CHANNEL, MAX_COORDINATE_M, type ChannelModel } from "../world/constants.js"
import type { Position, Waypoint } from "../world/track.js"
import { DEFAULT_PRESS_HOLD_MS } from "../harness/token-vm.js"

export interface ScenarioToken {
    id: string
    waypoints: Waypoint[]
    /** The waypoints repeat with this period (a daily routine). */
    repeatEveryMs?: number
    /** A kiosk sets the token's clock at the start (true unless the file says "handOut": false). */
    handOut: boolean
}

export type ScenarioEvent =
    | { atMs: number; token: string; type: "power-cut"; offMs: number }
    | { atMs: number; token: string; type: "press-button"; holdMs: number }
    | { atMs: number; token: string; type: "set-time" }

export interface Scenario {
    file: string
    name: string
    description: string
    /** Simulated Unix ms of the start. */
    startMs: number
    durationMs: number
    seed: number
    channel: ChannelModel
    /** Where the kiosk's Bluetooth radio stands (metres), for syncing tokens over the air. */
    kiosk: Position
    tokens: ScenarioToken[]
    /** In time order. */
    events: ScenarioEvent[]
}

export interface ScenarioProblem {
    file: string
    /** "line:column" for a syntax error, else a JSON path such as $.tokens[1].path[0].x */
    place: string
    message: string
}

export class ScenarioError extends Error {
    constructor(readonly problems: ScenarioProblem[]) {
        super(problems.map(p => `${p.file}: ${p.place}: ${p.message}`).join("\n"))
        this.name = "ScenarioError"
    }
}

/** Scenarios start between these (the token's clock accepts 2020–2100). */
const EARLIEST_START = Date.UTC(2020, 0, 1)
const LATEST_START = Date.UTC(2099, 0, 1)
const MAX_DURATION_MS = 366 * 86_400_000
const MAX_TOKENS = 200
const TOKEN_ID = /^[A-Za-z0-9_-]{1,32}$/
const EVENT_TYPES = ["power-cut", "press-button", "set-time"] as const

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 }
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|d|h|m|s))+$/
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/g

/** "1h30m", "20m", "250ms", "14d" or a number of seconds → milliseconds; undefined if malformed. */
export function parseDuration(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined
    if (typeof value !== "string" || !DURATION.test(value)) return undefined
    let ms = 0
    for (const m of value.matchAll(DURATION_PART)) ms += Number(m[1]) * UNIT_MS[m[2]]
    return ms
}

/** Reads and validates a scenario file; throws ScenarioError listing every problem. */
export function loadScenario(file: string): Scenario {
    let text: string
    try {
        text = readFileSync(file, "utf8")
    } catch (e: any) {
        throw new ScenarioError([{ file, place: "file", message: `cannot read: ${e.code ?? e.message}` }])
    }
    return parseScenario(text, file)
}

/** Parses and validates scenario JSON text; `file` names it in errors. */
export function parseScenario(text: string, file: string): Scenario {
    let json: unknown
    try {
        json = JSON.parse(text)
    } catch (e: any) {
        throw new ScenarioError([
            {
                file,
                place: syntaxErrorPlace(text, String(e.message)),
                message: `JSON syntax error: ${String(e.message).replace(/ in JSON at position \d+.*$/, "")}`,
            },
        ])
    }
    return new Validator(file).scenario(json)
}

/** line:column of a JSON.parse error (V8 reports a character position, or none at the very end). */
function syntaxErrorPlace(text: string, message: string): string {
    const m = /at position (\d+)/.exec(message)
    const position = m ? Number(m[1]) : text.length
    const before = text.slice(0, position).split("\n")
    return `${before.length}:${before[before.length - 1].length + 1}`
}

type Json = Record<string, unknown>

/** Walks the parsed JSON, collecting problems and building the Scenario. */
class Validator {
    private problems: ScenarioProblem[] = []
    constructor(private readonly file: string) {}

    private problem(place: string, message: string) {
        this.problems.push({ file: this.file, place, message })
    }

    private object(value: unknown, place: string, allowed: string[], required: string[]): Json | undefined {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            this.problem(place, `must be an object, got ${describe(value)}`)
            return undefined
        }
        const obj = value as Json
        for (const key of Object.keys(obj))
            if (!allowed.includes(key)) this.problem(`${place}.${key}`, `unknown field "${key}" (allowed here: ${allowed.join(", ")})`)
        for (const key of required) if (!(key in obj)) this.problem(place, `missing field "${key}"`)
        return obj
    }

    private string(value: unknown, place: string): string | undefined {
        if (typeof value === "string") return value
        this.problem(place, `must be a string, got ${describe(value)}`)
        return undefined
    }

    private number(value: unknown, place: string, [min, max]: [number, number], unit = ""): number | undefined {
        if (typeof value !== "number" || !Number.isFinite(value)) {
            this.problem(place, `must be a finite number${unit}, got ${describe(value)}`)
            return undefined
        }
        if (value < min || value > max) {
            this.problem(place, `${value}${unit} is out of range: must be between ${min} and ${max}`)
            return undefined
        }
        return value
    }

    private duration(value: unknown, place: string): number | undefined {
        const ms = parseDuration(value)
        if (ms === undefined) this.problem(place, `must be a duration such as "20m", "1h30m", "14d", "250ms" or a number of seconds, got ${describe(value)}`)
        return ms
    }

    /** A time within the scenario [0, durationMs]. */
    private time(value: unknown, place: string, durationMs: number | undefined, what: string): number | undefined {
        const ms = this.duration(value, place)
        if (ms !== undefined && durationMs !== undefined && ms > durationMs)
            this.problem(place, `${what} at ${formatMs(ms)} is after the end of the scenario (${formatMs(durationMs)})`)
        return ms
    }

    scenario(json: unknown): Scenario {
        const root = this.object(
            json,
            "$",
            ["name", "description", "start", "duration", "seed", "channel", "kiosk", "tokens", "events"],
            ["start", "duration", "tokens"]
        )
        if (!root) throw new ScenarioError(this.problems)
        const name = root.name === undefined ? this.file : this.string(root.name, "$.name")
        const description = root.description === undefined ? "" : this.string(root.description, "$.description")
        let startMs: number | undefined
        const start = this.string(root.start, "$.start")
        if (start !== undefined) {
            startMs = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(start) ? Date.parse(start) : NaN
            if (Number.isNaN(startMs)) this.problem("$.start", `must be an ISO 8601 UTC time such as "2026-04-01T09:00:00Z", got ${JSON.stringify(start)}`)
            else if (startMs < EARLIEST_START || startMs > LATEST_START)
                this.problem("$.start", `must be between 2020 and 2099 (a token's clock accepts no other), got ${start}`)
        }
        let durationMs = this.duration(root.duration, "$.duration")
        if (durationMs !== undefined && (durationMs <= 0 || durationMs > MAX_DURATION_MS)) {
            this.problem("$.duration", `must be more than 0 and at most 366 days, got ${formatMs(durationMs)}`)
            durationMs = undefined
        }
        const seed = root.seed === undefined ? 1 : this.number(root.seed, "$.seed", [0, 2 ** 32 - 1])
        const channel = this.channel(root.channel)
        const kiosk = this.kiosk(root.kiosk)
        const tokens = this.tokens(root.tokens, durationMs)
        const events = this.events(root.events, durationMs, tokens)
        if (this.problems.length) throw new ScenarioError(this.problems)
        return {
            file: this.file,
            name: name!,
            description: description!,
            startMs: startMs!,
            durationMs: durationMs!,
            seed: seed!,
            channel,
            kiosk,
            tokens,
            events,
        }
    }

    private channel(value: unknown): ChannelModel {
        if (value === undefined) return DEFAULT_CHANNEL
        const keys = Object.keys(CHANNEL_LIMITS) as (keyof ChannelModel)[]
        const obj = this.object(value, "$.channel", keys, [])
        const model = { ...DEFAULT_CHANNEL }
        for (const key of keys) {
            if (obj?.[key] === undefined) continue
            const v = this.number(obj[key], `$.channel.${key}`, CHANNEL_LIMITS[key])
            if (v !== undefined) model[key] = v
        }
        return model
    }

    private kiosk(value: unknown): Position {
        if (value === undefined) return { x: 0, y: 0 }
        const obj = this.object(value, "$.kiosk", ["x", "y"], ["x", "y"])
        const x = obj && this.coordinate(obj.x, "$.kiosk.x")
        const y = obj && this.coordinate(obj.y, "$.kiosk.y")
        return { x: x ?? 0, y: y ?? 0 }
    }

    private coordinate(value: unknown, place: string): number | undefined {
        return this.number(value, place, [-MAX_COORDINATE_M, MAX_COORDINATE_M], " m")
    }

    private tokens(value: unknown, durationMs: number | undefined): ScenarioToken[] {
        if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TOKENS) {
            this.problem("$.tokens", `must be a list of 1 to ${MAX_TOKENS} tokens, got ${describe(value)}`)
            return []
        }
        const seen = new Set<string>()
        const tokens: ScenarioToken[] = []
        value.forEach((raw, i) => {
            const place = `$.tokens[${i}]`
            const obj = this.object(raw, place, ["id", "path", "repeatEvery", "handOut"], ["id", "path"])
            if (!obj) return
            let id = obj.id === undefined ? undefined : this.string(obj.id, `${place}.id`)
            if (id !== undefined && !TOKEN_ID.test(id)) {
                this.problem(`${place}.id`, `token id ${JSON.stringify(id)} must be 1–32 letters, digits, "-" or "_"`)
                id = undefined
            } else if (id !== undefined && seen.has(id)) {
                this.problem(`${place}.id`, `token id "${id}" is used twice`)
                id = undefined
            }
            if (id !== undefined) seen.add(id)
            let repeatEveryMs: number | undefined
            if (obj.repeatEvery !== undefined) {
                repeatEveryMs = this.duration(obj.repeatEvery, `${place}.repeatEvery`)
                if (repeatEveryMs !== undefined && repeatEveryMs < 60_000) {
                    this.problem(`${place}.repeatEvery`, `a repeating path needs a period of at least 1 minute, got ${formatMs(repeatEveryMs)}`)
                    repeatEveryMs = undefined
                }
            }
            const handOut = obj.handOut === undefined ? true : obj.handOut
            if (typeof handOut !== "boolean") this.problem(`${place}.handOut`, `must be true or false, got ${describe(handOut)}`)
            const waypoints = this.path(obj.path, `${place}.path`, durationMs, repeatEveryMs)
            if (id !== undefined) tokens.push({ id, waypoints, repeatEveryMs, handOut: handOut === true })
        })
        return tokens
    }

    private path(value: unknown, place: string, durationMs: number | undefined, repeatEveryMs: number | undefined): Waypoint[] {
        if (!Array.isArray(value) || value.length === 0) {
            this.problem(place, `must be a list of at least one waypoint, got ${describe(value)}`)
            return []
        }
        const waypoints: Waypoint[] = []
        value.forEach((raw, i) => {
            const wp = `${place}[${i}]`
            const obj = this.object(raw, wp, ["at", "x", "y", "away"], ["at"])
            if (!obj) return
            const limit = repeatEveryMs ?? durationMs
            const atMs = this.duration(obj.at, `${wp}.at`)
            if (atMs === undefined) return
            if (repeatEveryMs !== undefined && atMs >= repeatEveryMs)
                this.problem(`${wp}.at`, `waypoint at ${formatMs(atMs)} is not within the repeating period (${formatMs(repeatEveryMs)})`)
            else if (repeatEveryMs === undefined && limit !== undefined && atMs > limit)
                this.problem(`${wp}.at`, `waypoint at ${formatMs(atMs)} is after the end of the scenario (${formatMs(limit)})`)
            if (i === 0 && atMs !== 0) this.problem(`${wp}.at`, `the first waypoint must be at 0 (where the token is at the start), got ${formatMs(atMs)}`)
            const previous = waypoints[waypoints.length - 1]
            if (previous && atMs < previous.atMs)
                this.problem(`${wp}.at`, `waypoints must be in time order: ${formatMs(atMs)} comes after ${formatMs(previous.atMs)}`)
            if (obj.away !== undefined) {
                if (obj.away !== true) this.problem(`${wp}.away`, `must be true (or left out), got ${describe(obj.away)}`)
                if (obj.x !== undefined || obj.y !== undefined) this.problem(wp, `a waypoint is either away or at x/y, not both`)
                waypoints.push({ atMs, position: null })
                return
            }
            if (obj.x === undefined || obj.y === undefined) {
                this.problem(wp, `needs "x" and "y" (metres) or "away": true`)
                return
            }
            const x = this.coordinate(obj.x, `${wp}.x`)
            const y = this.coordinate(obj.y, `${wp}.y`)
            if (x !== undefined && y !== undefined) waypoints.push({ atMs, position: { x, y } })
        })
        return waypoints
    }

    private events(value: unknown, durationMs: number | undefined, tokens: ScenarioToken[]): ScenarioEvent[] {
        if (value === undefined) return []
        if (!Array.isArray(value)) {
            this.problem("$.events", `must be a list, got ${describe(value)}`)
            return []
        }
        const ids = new Set(tokens.map(t => t.id))
        const events: { e: ScenarioEvent; i: number }[] = []
        value.forEach((raw, i) => {
            const place = `$.events[${i}]`
            const type = (raw as Json)?.type
            const extra = type === "power-cut" ? ["off"] : type === "press-button" ? ["hold"] : []
            const obj = this.object(raw, place, ["at", "token", "type", ...extra], ["at", "token", "type", ...(type === "power-cut" ? ["off"] : [])])
            if (!obj) return
            if (!EVENT_TYPES.includes(type as any)) {
                this.problem(`${place}.type`, `unknown event type ${JSON.stringify(type)} (one of: ${EVENT_TYPES.join(", ")})`)
                return
            }
            const token = this.string(obj.token, `${place}.token`)
            if (token !== undefined && !ids.has(token)) this.problem(`${place}.token`, `unknown token "${token}" (tokens: ${[...ids].join(", ")})`)
            const atMs = this.time(obj.at, `${place}.at`, durationMs, "event")
            if (atMs !== undefined && durationMs !== undefined && atMs === durationMs)
                this.problem(`${place}.at`, `event at ${formatMs(atMs)} is at the very end of the scenario: nothing would follow it`)
            if (token === undefined || atMs === undefined) return
            if (type === "power-cut") {
                const offMs = this.duration(obj.off, `${place}.off`)
                if (offMs === undefined) return
                if (offMs <= 0) this.problem(`${place}.off`, `a power cut lasts longer than 0`)
                if (durationMs !== undefined && atMs + offMs >= durationMs)
                    this.problem(
                        `${place}.off`,
                        `power would return at ${formatMs(atMs + offMs)}, not before the end of the scenario (${formatMs(durationMs)})`
                    )
                events.push({ e: { atMs, token, type, offMs }, i })
            } else if (type === "press-button") {
                const holdMs = obj.hold === undefined ? DEFAULT_PRESS_HOLD_MS : this.duration(obj.hold, `${place}.hold`)
                if (holdMs === undefined) return
                if (holdMs <= 0 || holdMs > 60_000)
                    this.problem(`${place}.hold`, `a button is held longer than 0 and at most 1 minute, got ${formatMs(holdMs)}`)
                events.push({ e: { atMs, token, type, holdMs }, i })
            } else events.push({ e: { atMs, token, type: "set-time" }, i })
        })
        // Nothing can happen to a token while its battery is out.
        for (const { e: cut } of events) {
            if (cut.type !== "power-cut") continue
            for (const { e, i } of events) {
                if (e === cut || e.token !== cut.token || e.atMs < cut.atMs || e.atMs >= cut.atMs + cut.offMs) continue
                this.problem(
                    `$.events[${i}]`,
                    `token "${e.token}" has no power at ${formatMs(e.atMs)} (cut at ${formatMs(cut.atMs)} for ${formatMs(cut.offMs)})`
                )
            }
        }
        return events.sort((a, b) => a.e.atMs - b.e.atMs || a.i - b.i).map(x => x.e)
    }
}

function describe(value: unknown): string {
    if (value === undefined) return "nothing"
    if (Array.isArray(value)) return `a list of ${value.length}`
    if (value === null) return "null"
    if (typeof value === "object") return "an object"
    return JSON.stringify(value)
}

/** 5400000 → "1h30m" (for messages). */
export function formatMs(ms: number): string {
    if (ms === 0) return "0s"
    let rest = ms
    let out = ""
    for (const [unit, size] of Object.entries(UNIT_MS)) {
        if (unit === "ms") continue
        const n = Math.floor(rest / size)
        if (n) out += `${n}${unit}`
        rest -= n * size
    }
    if (rest) out += `${Math.round(rest)}ms`
    return out
}
