// A world: the tokens of a scenario, each the real firmware in its own simulator process
// (sim/harness/token-vm.ts), joined by one radio channel, on one simulated clock. The world hands the
// tokens out (a kiosk sets their clocks at the start), moves them along their paths, answers their
// scan windows from the channel, records everything that goes on air, cuts and restores their power
// and presses their buttons when the scenario says so, and in the end reads what each token logged.
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { SimClock } from "../clock/sim-clock.js"
import { TokenVm, DEFAULT_PRESS_HOLD_MS, DEFAULT_RADIO, type AiredAdvertisement } from "../harness/token-vm.js"
import type { HeardAdvertisement } from "../hardware/radio-medium.js"
import { TokenSyncClient, type EncounterRecord, type TokenStatus } from "../../lib/token-sync/sync-client.js"
import type { Scenario, ScenarioEvent } from "../scenarios/scenario.js"
import { BOOT_CONCURRENCY, BOOT_TIMEOUT_REAL_MS, FIRST_ADVERTISEMENT_WAIT_REAL_MS, GOVERNOR_PERIOD_REAL_MS, SLOW_DOWN_LEAD_REAL_MS } from "./constants.js"
import { RadioChannel } from "./radio-channel.js"
import { KioskRadio } from "./kiosk-radio.js"
import { SpeedGovernor } from "./speed-governor.js"
import { Track, type Position } from "./track.js"
import { writeWorldOutputs, type WorldSummary } from "./world-outputs.js"
import { setTokenClock } from "../harness/set-token-clock.js"
import { OWNER_PRESS_SCALE, withOwnerSession } from "../harness/owner.js"
import { handOutSticker } from "../harness/hand-out-sticker.js"
import { gaenIdsHex } from "../capture/trace.js"

/** What happened in the world, as it happens (for a live view or the demo). */
export type WorldEvent =
    | { type: "on-air"; atMs: number; token: string; address: Uint8Array; rpi?: string }
    | { type: "off-air"; atMs: number; token: string }
    | { type: "scan"; atMs: number; token: string; heard: { from: string; rssi: number; packets: number }[] }
    | { type: "handed-out" | "sticker" | "power-off" | "power-on" | "button" | "set-time" | "moved"; atMs: number; token: string; detail?: string }
    | { type: "note"; atMs: number; detail: string }

export interface WorldOptions {
    scenario: Scenario
    /** Output folder: tokens/<id>/ (each token's flash), trace.jsonl, air.pcap, summary.json. */
    outDir: string
    /** Fastest simulated seconds per real second (default: constants.DEFAULT_MAX_SCALE). */
    maxScale?: number
    /** Write air.pcap at the end (it holds every advertising event: large for long scenarios). */
    pcap?: boolean
    onEvent?: (e: WorldEvent) => void
    /** Receives every line a token prints (firmware log), prefixed with nothing. */
    onTokenLog?: (token: string, line: string) => void
}

/** The world's side of one token. */
export class WorldToken {
    vm: TokenVm | undefined
    sync: TokenSyncClient | undefined
    /** The kiosk address stays the same across power cycles. */
    hubPort = 0
    powerCuts = 0
    /** The code of its Bluetooth sticker, once handed out (`ble:<code>` reaches it through the kiosk radio). */
    stickerCode: string | undefined
    constructor(
        readonly id: string,
        readonly dir: string,
        readonly track: Track
    ) {}
    get poweredOn(): boolean {
        return this.vm !== undefined
    }
}

type TimelineStep = { atMs: number; run: () => Promise<void> }

export class World {
    readonly tokens = new Map<string, WorldToken>()
    readonly channel: RadioChannel
    /** The kiosk's Bluetooth radio, at the scenario's kiosk position. */
    readonly kioskRadio: KioskRadio
    readonly governor: SpeedGovernor
    readonly startMs: number
    readonly endMs: number
    private finished: WorldSummary | undefined
    private stopped = false
    /** Real time (ms) the world was created, and the scenario started (tokens handed out). */
    readonly realCreatedMs = performance.now()
    realStartedMs = 0

    private constructor(
        readonly clock: SimClock,
        readonly scenario: Scenario,
        private readonly options: WorldOptions
    ) {
        this.startMs = scenario.startMs
        this.endMs = scenario.startMs + scenario.durationMs
        for (const t of scenario.tokens)
            this.tokens.set(t.id, new WorldToken(t.id, join(options.outDir, "tokens", t.id), new Track(t.waypoints, t.repeatEveryMs)))
        this.channel = new RadioChannel({
            positionOf: (id, atMs) => this.token(id).track.positionAt(atMs - this.startMs),
            txPowerDbm: DEFAULT_RADIO.txPower,
            advertisingIntervalMs: DEFAULT_RADIO.advertisingIntervalMs,
            model: scenario.channel,
            seed: scenario.seed,
        })
        this.kioskRadio = new KioskRadio(
            {
                clock,
                channel: this.channel,
                poweredTokens: () => [...this.tokens.values()].flatMap(t => (t.vm ? [{ id: t.id, vm: t.vm }] : [])),
            },
            scenario.kiosk
        )
        this.governor = new SpeedGovernor(clock, {
            maxScale: options.maxScale,
            pids: () => [...this.tokens.values()].flatMap(t => (t.vm?.child.pid ? [t.vm.child.pid] : [])),
        })
    }

    /** How long before the scenario's start the world's clock starts, so every token can boot. */
    static bootAllowanceMs(tokens: number): number {
        return 5_000 + Math.ceil(tokens / BOOT_CONCURRENCY) * 2_000
    }

    /**
     * Boots every token (at real speed, a few at a time), waits for the scenario's start time and
     * hands the tokens out: a kiosk sets each one's clock. Resolves at the start of the scenario.
     */
    static async start(options: WorldOptions): Promise<World> {
        const { scenario } = options
        const bootAllowanceMs = World.bootAllowanceMs(scenario.tokens.length)
        const clock = SimClock.startingAt(scenario.startMs - bootAllowanceMs, 1)
        const world = new World(clock, scenario, options)
        prepareOutputFolder(options.outDir)
        try {
            const queue = [...world.tokens.values()]
            await Promise.all(
                Array.from({ length: BOOT_CONCURRENCY }, async () => {
                    for (let t = queue.shift(); t; t = queue.shift()) await world.boot(t)
                })
            )
            world.governor.start()
            if (clock.now() < scenario.startMs) {
                world.governor.calm()
                await clock.until(scenario.startMs)
            }
            // The hand-outs below overlap, and each saves and restores the clock's speed around its
            // set_time (set-token-clock.ts): one could restore the faster speed while another is still
            // setting. At 1 already, every save and restore is 1.
            clock.setScale(1)
            await Promise.all(
                scenario.tokens
                    .filter(t => t.handOut)
                    .map(async t => {
                        await world.setTime(t.id)
                        world.emit({ type: "handed-out", atMs: clock.now(), token: t.id })
                    })
            )
            world.realStartedMs = performance.now()
            return world
        } catch (e) {
            await world.stop()
            throw e
        }
    }

    token(id: string): WorldToken {
        const t = this.tokens.get(id)
        if (!t) throw new Error(`no token "${id}" in this world (tokens: ${[...this.tokens.keys()].join(", ")})`)
        return t
    }

    /** Simulated ms since the scenario's start. */
    get elapsedMs(): number {
        return this.clock.now() - this.startMs
    }

    private emit(e: WorldEvent) {
        this.options.onEvent?.(e)
    }

    private async boot(t: WorldToken): Promise<void> {
        mkdirSync(t.dir, { recursive: true })
        const vm = await TokenVm.start({
            clock: this.clock,
            dir: t.dir,
            hubPort: t.hubPort,
            startTimeoutMs: BOOT_TIMEOUT_REAL_MS,
            onLog: line => this.options.onTokenLog?.(t.id, line),
            onScan: (fromMs, toMs) => this.answerScan(t, fromMs, toMs),
            onAdvertising: ad => this.advertisingChanged(t, ad),
            onSyncAdvertising: (ad, atMs) => this.syncAdvertisingChanged(t, ad, atMs),
        })
        t.vm = vm
        t.hubPort = vm.hubPort
        t.sync = await TokenSyncClient.find(vm.bus, BOOT_TIMEOUT_REAL_MS)
    }

    private advertisingChanged(t: WorldToken, ad: AiredAdvertisement | null) {
        // The harness reports no time for a stop; the world's clock is within an IPC hop of it.
        const atMs = ad?.atMs ?? this.clock.now()
        if (atMs >= this.endMs || this.finished) return
        this.channel.advertisingChanged(t.id, ad, atMs)
        if (!ad) return this.emit({ type: "off-air", atMs, token: t.id })
        // A payload that is not an exposure notification has no RPI, but is on air and recorded all the same.
        this.emit({ type: "on-air", atMs, token: t.id, address: ad.address, rpi: gaenIdsHex(ad.payload)?.rpi })
    }

    /** A press opened (or the window closed) the token's Bluetooth sync advertisement: on air too. */
    private syncAdvertisingChanged(t: WorldToken, ad: AiredAdvertisement | null, atMs: number) {
        if (atMs >= this.endMs || this.finished) return
        this.channel.advertisingChanged(t.id, ad, atMs, true)
    }

    private answerScan(t: WorldToken, fromMs: number, toMs: number): HeardAdvertisement[] {
        if (fromMs >= this.endMs || this.finished) return []
        const heard = this.channel.scan(t.id, fromMs, Math.min(toMs, this.endMs))
        this.emit({ type: "scan", atMs: toMs, token: t.id, heard: heard.map(h => ({ from: h.from, rssi: h.rssi, packets: h.packets })) })
        return heard
    }

    // ---- Acting on tokens (the scenario's events, or a person at the `up` prompt) -------------

    /**
     * A kiosk sets the token's clock to the simulated time (sim/harness/set-token-clock.ts).
     * Resolves once the token is on air (or after a few real seconds), so that a scenario starts
     * with every handed-out token broadcasting.
     */
    async setTime(id: string): Promise<void> {
        const t = this.token(id)
        if (!t.sync) throw new Error(`token "${id}" has no power`)
        await setTokenClock(this.clock, t.sync, t.vm)
        this.emit({ type: "set-time", atMs: this.clock.now(), token: id })
        const deadline = performance.now() + FIRST_ADVERTISEMENT_WAIT_REAL_MS
        while (!this.channel.onAirOf(id) && t.vm && performance.now() < deadline) await new Promise(r => setTimeout(r, 10))
    }

    /** A kiosk hands out the tokens' Bluetooth stickers (a few at a time), each with its owner's press
     *  (once in a token's life); the clock runs at the owner's pace meanwhile. A token whose hand-out
     *  fails is reported (a "note" event) and left without a sticker; the others go on. */
    async handOutStickers(ids: string[]): Promise<void> {
        const tokens = ids.map(id => this.token(id))
        const speed = this.clock.scale
        try {
            await this.clock.changeScaleAndSettle(Math.min(speed, OWNER_PRESS_SCALE))
            const queue = [...tokens]
            await Promise.all(
                Array.from({ length: BOOT_CONCURRENCY }, async () => {
                    for (let t = queue.shift(); t; t = queue.shift()) {
                        try {
                            if (!t.vm) throw new Error("it has no power")
                            t.stickerCode = await handOutSticker(this.clock, t.vm)
                            this.emit({ type: "sticker", atMs: this.clock.now(), token: t.id })
                        } catch (e) {
                            this.emit({ type: "note", atMs: this.clock.now(), detail: `${t.id}: no Bluetooth sticker (${(e as Error).message})` })
                        }
                    }
                })
            )
        } finally {
            this.clock.setScale(speed)
        }
    }

    async pressButton(id: string, holdMs = DEFAULT_PRESS_HOLD_MS): Promise<void> {
        const t = this.token(id)
        if (!t.vm) throw new Error(`token "${id}" has no power`)
        this.emit({ type: "button", atMs: this.clock.now(), token: id })
        await t.vm.pressButton(this.clock, holdMs)
    }

    /** Pulls the battery: the process dies at once; its flash (folder) stays. */
    async powerOff(id: string): Promise<void> {
        const t = this.token(id)
        if (!t.vm) throw new Error(`token "${id}" is already off`)
        const vm = t.vm
        const atMs = this.clock.now()
        t.vm = undefined
        t.sync = undefined
        t.powerCuts++
        this.channel.advertisingChanged(id, null, atMs)
        this.channel.advertisingChanged(id, null, atMs, true)
        this.emit({ type: "power-off", atMs, token: id })
        await vm.stop()
    }

    /** Puts the battery back: the firmware boots from the same flash (its clock is not set). */
    async powerOn(id: string): Promise<void> {
        const t = this.token(id)
        if (t.vm) throw new Error(`token "${id}" is already on`)
        await this.boot(t)
        this.emit({ type: "power-on", atMs: this.clock.now(), token: id })
    }

    /** Moves a token now (null: away, out of everyone's range); it stays there. */
    move(id: string, position: Position | null): void {
        const t = this.token(id)
        t.track.moveTo(this.elapsedMs, position)
        this.emit({ type: "moved", atMs: this.clock.now(), token: id, detail: position ? `${position.x} ${position.y}` : "away" })
    }

    // ---- Running ---------------------------------------------------------------------------------

    private timeline(): TimelineStep[] {
        const steps: TimelineStep[] = []
        const at = (e: ScenarioEvent, offsetMs = 0) => this.startMs + e.atMs + offsetMs
        for (const e of this.scenario.events) {
            if (e.type === "power-cut") {
                steps.push({ atMs: at(e), run: () => this.powerOff(e.token) })
                steps.push({ atMs: at(e, e.offMs), run: () => this.powerOn(e.token) })
            } else if (e.type === "press-button") steps.push({ atMs: at(e), run: () => this.pressButton(e.token, e.holdMs) })
            else steps.push({ atMs: at(e), run: () => this.setTime(e.token) })
        }
        return steps.sort((a, b) => a.atMs - b.atMs)
    }

    /** Runs at full speed until `atMs` (simulated Unix ms), arriving there at the calm speed. */
    private async advanceTo(atMs: number): Promise<void> {
        const leadMs = () => this.governor.currentFastScale * SLOW_DOWN_LEAD_REAL_MS
        if (atMs - this.clock.now() > leadMs()) {
            this.governor.fast()
            // The fast speed may change on the way; re-aim until close enough.
            // Short waits: the governor may change the speed, and a long timer set at the old speed
            // would overshoot.
            while (atMs - this.clock.now() > leadMs() && !this.stopped)
                await this.clock.until(Math.min(atMs - leadMs(), this.clock.now() + this.clock.scale * GOVERNOR_PERIOD_REAL_MS))
        }
        this.governor.calm()
        // In short steps too, so that a stop (`up`'s quit before the scenario's end) ends the run
        // at once instead of after the rest of the scenario in real time.
        while (this.clock.now() < atMs && !this.stopped) await this.clock.until(Math.min(atMs, this.clock.now() + this.clock.scale * GOVERNOR_PERIOD_REAL_MS))
        if (!this.stopped) await this.clock.until(atMs) // and every token has got there too
    }

    /** Runs the scenario's events to its end, then reads the tokens and writes the outputs. Once
     *  stop() is called it ends promptly, with what finish() found (if it was called before). */
    async run(): Promise<WorldSummary> {
        for (const step of this.timeline()) {
            await this.advanceTo(step.atMs)
            if (this.stopped) break
            try {
                await step.run()
            } catch (e: any) {
                this.emit({ type: "note", atMs: this.clock.now(), detail: `scenario event failed: ${e.message}` })
            }
        }
        await this.advanceTo(this.endMs)
        return this.finish()
    }

    /**
     * Ends the scenario now (or at its end, whichever is first): nothing more goes on air, the world
     * reads every powered token's status (and log, where the sync service offers it) and writes
     * trace.jsonl, summary.json and (if asked) air.pcap. The tokens keep running until stop().
     */
    async finish(): Promise<WorldSummary> {
        if (this.finished) return this.finished
        const endMs = Math.min(this.endMs, this.clock.now())
        this.clock.setScale(1)
        this.channel.closeAll(endMs)
        const statuses = new Map<string, { status?: TokenStatus; log?: EncounterRecord[]; error?: string }>()
        await Promise.all(
            [...this.tokens.values()].map(async t => {
                if (!t.sync) return statuses.set(t.id, { error: "no power at the end" })
                try {
                    // The log first: reading it commits what the token still hears, as a kiosk visit would.
                    const sync = t.sync
                    const log = t.vm ? await withOwnerSession(this.clock, t.vm, sync, () => sync.readLog()) : await sync.readLog()
                    const status = await t.sync.status()
                    statuses.set(t.id, { status, log })
                } catch (e: any) {
                    statuses.set(t.id, { error: e.message })
                }
            })
        )
        this.finished = await writeWorldOutputs(this, endMs, statuses, { pcap: this.options.pcap ?? false, outDir: this.options.outDir })
        return this.finished
    }

    /** Stops every token process (their folders stay in the output folder). */
    async stop(): Promise<void> {
        this.stopped = true
        this.governor.stop()
        await Promise.all(
            [...this.tokens.values()].map(async t => {
                const vm = t.vm
                t.vm = undefined
                t.sync = undefined
                await vm?.stop()
            })
        )
    }
}

/** A run replaces the previous run's outputs in the same folder (and its tokens' flash). */
function prepareOutputFolder(outDir: string) {
    mkdirSync(outDir, { recursive: true })
    for (const name of ["tokens", "trace.jsonl", "air.pcap", "summary.json"]) rmSync(join(outDir, name), { recursive: true, force: true })
    mkdirSync(join(outDir, "tokens"), { recursive: true })
}
