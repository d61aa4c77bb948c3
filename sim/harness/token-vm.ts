// Starts a simulated token (sim/token/token-process.ts) in a child process and connects a jacdac-ts
// bus to it, for tests and tools. Every token has its own process, folder, bus port and device id.
// Children are killed when stopped, when the parent exits, and, through the IPC channel, when the
// parent dies without a chance to clean up.
import { fork, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import jd, { type JDBus, type JDDevice } from "../../lib/jacdac/jacdac-ts.js"
import { SRV_TOKEN_SYNC, loadProjectServiceSpecs } from "../../lib/jacdac/service-specs.js"
import type { SimClock } from "../clock/sim-clock.js"
import { TOKEN_CONFIG_ENV, fromHex, toHex, type TokenControlMessage, type TokenProcessConfig, type TokenProcessMessage } from "../token/token-config.js"
import type { Advertisement, HeardAdvertisement } from "../hardware/radio-medium.js"
import type { PowerCutInfo } from "../hardware/flash-server.js"

/** The token set its status LED to `color` (0xRRGGBB, 0 = off) at token time `atMs` (Unix ms). */
export interface StatusLightChange {
    color: number
    atMs: number
}

/** An advertisement the token put on air, and when (simulated Unix ms). */
export interface AiredAdvertisement extends Advertisement {
    atMs: number
}

/** Answers a token's scan windows; a lone token in an empty room hears nothing. */
export type ScanResponder = (fromMs: number, toMs: number) => HeardAdvertisement[] | Promise<HeardAdvertisement[]>
const emptyRoom: ScanResponder = () => []
/** Real ms a token may take to boot before it counts as failed: a backstop, as long as a test's own
 *  timeout (vitest.config.ts), since a loaded 2-core machine took over 20 s. */
const START_BACKSTOP_MS = 60_000

const projectRoot = fileURLToPath(new URL("../..", import.meta.url))
/** The firmware image kept by `npm run build` (scripts/build-firmware.ts). */
export const FIRMWARE_BYTECODE = join(projectRoot, "built/firmware/bytecode.devs")
const TOKEN_PROCESS = join(projectRoot, "sim/token/token-process.ts")

export interface TokenVmOptions {
    clock: SimClock
    /** The token's folder; a fresh temporary one (removed on stop) when omitted. Reusing a folder
     * across starts is how a token keeps its flash over a power cycle. */
    dir?: string
    deviceId?: string
    bytecode?: string
    /** Fixed TCP port for the token's bus (a kiosk connects there); 0 = any free port. */
    hubPort?: number
    /** Receives every line the token's process prints (VM log, errors). */
    onLog?: (line: string) => void
    /** Flash geometry of the simulated board. */
    flash?: { sectorSize: number; sectorCount: number }
    /** Seed of the damage a power cut does to the flash in this start (default: random): a test
     *  that draws it from its own seed replays a cut exactly. */
    flashDamageSeed?: number
    /** Whether the simulated board has a battery-backed real-time clock (default: no). */
    rtc?: boolean
    /** Called when an armed power cut hit (the token's process is gone; start it again from `dir`). */
    onPowerCut?: (cut: { operation: PowerCutInfo["operation"]; offset: number; bytesDone: number }) => void
    /** Radio calibration of the simulated board. */
    radio?: { txPower: number; advertisingIntervalMs: number }
    /** What the token hears when it scans. */
    onScan?: ScanResponder
    /** Called for each advertisement change (null: advertising stopped). */
    onAdvertising?: (ad: AiredAdvertisement | null) => void
    /** Called for each change of the connectable sync advertisement (null: off the air), with the
     *  token's time of the change (simulated Unix ms). */
    onSyncAdvertising?: (ad: AiredAdvertisement | null, atMs: number) => void
    /** Return only once the firmware's sync service is up (default true). */
    waitForFirmware?: boolean
    /** Real milliseconds to wait for the token to come up. */
    startTimeoutMs?: number
}

/** ESP32 with a PCB antenna at the default power setting; GAEN's recommended advertising interval. */
export const DEFAULT_RADIO = { txPower: -8, advertisingIntervalMs: 250 }
/** 1 MiB of 4 KiB sectors, as the ESP32 token's flash partition (src/storage/layout.ts). */
export const DEFAULT_FLASH = { sectorSize: 4096, sectorCount: 256 }

/** How long a press holds the owner's button down unless told otherwise (simulated ms). */
export const DEFAULT_PRESS_HOLD_MS = 300

/** How often (real ms) a token hears how far the simulation's clock has got. */
const HORIZON_UPDATE_MS = 5

const live = new Set<ChildProcess>()
process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL")
})

export class TokenVm {
    private exited: Promise<number | null>
    private logLines: string[] = []
    /** Every setting of the status LED since the token started, oldest first. */
    light: StatusLightChange[] = []
    /** Every advertisement the token has put on air since it started, oldest first. */
    aired: AiredAdvertisement[] = []
    /** Every connectable sync advertisement the token has put on air, oldest first (src/link/). */
    syncAired: AiredAdvertisement[] = []
    /** The sync advertisement on air now, if any. */
    syncAdvertisement: AiredAdvertisement | null = null

    private constructor(
        readonly child: ChildProcess,
        readonly dir: string,
        private readonly ownsDir: boolean,
        readonly hubPort: number,
        readonly bus: JDBus,
        exited: Promise<number | null>
    ) {
        this.exited = exited
    }

    static async start(options: TokenVmOptions): Promise<TokenVm> {
        const ownsDir = !options.dir
        const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), "gaen-token-")))
        const bytecode = options.bytecode ?? FIRMWARE_BYTECODE
        if (!existsSync(bytecode)) throw new Error(`firmware not built: ${bytecode} is missing (run "npm run build")`)
        const config: TokenProcessConfig = {
            deviceId: options.deviceId ?? "token",
            dir,
            bytecode,
            clock: { startMs: options.clock.now(), scale: options.clock.scale },
            hubPort: options.hubPort ?? 0,
            radio: options.radio ?? DEFAULT_RADIO,
            flash: options.flash ?? DEFAULT_FLASH,
            flashDamageSeed: options.flashDamageSeed,
            rtc: options.rtc ?? false,
        }
        const child = fork(TOKEN_PROCESS, [], {
            execArgv: ["--import", "tsx"],
            env: { ...process.env, [TOKEN_CONFIG_ENV]: JSON.stringify(config) },
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            cwd: projectRoot,
        })
        live.add(child)
        // A token may die on its own (a simulated power cut): messages and frames still on their way
        // to it then fail; that is expected, not an error of the test or tool.
        child.on("error", () => {})
        const exited = new Promise<number | null>(res =>
            child.once("exit", code => {
                live.delete(child)
                res(code)
            })
        )
        const lines: string[] = []
        const onLine = (chunk: Buffer) => {
            for (const line of chunk.toString("utf8").split("\n")) {
                if (!line) continue
                lines.push(line)
                if (lines.length > 500) lines.splice(0, 250)
                options.onLog?.(line)
            }
        }
        child.stdout!.on("data", onLine)
        child.stderr!.on("data", onLine)
        const light: StatusLightChange[] = []

        const aired: AiredAdvertisement[] = []
        const syncAired: AiredAdvertisement[] = []
        let vmRef: TokenVm | undefined
        const onScan = options.onScan ?? emptyRoom
        let tokenTime = options.clock.now()
        const unfollowTime = options.clock.follow(() => (child.exitCode === null && child.signalCode === null ? tokenTime : Infinity))
        exited.then(unfollowTime)
        child.on("message", async (m: TokenProcessMessage) => {
            if (m.type === "time") {
                tokenTime = m.now
            } else if (m.type === "advertising") {
                const ad = m.ad && { address: fromHex(m.ad.address), payload: fromHex(m.ad.payload), atMs: m.atMs }
                if (ad) aired.push(ad)
                options.onAdvertising?.(ad)
            } else if (m.type === "sync-advertising") {
                const ad = m.ad && { address: fromHex(m.ad.address), payload: fromHex(m.ad.payload), atMs: m.atMs }
                if (ad) syncAired.push(ad)
                if (vmRef) vmRef.syncAdvertisement = ad
                options.onSyncAdvertising?.(ad, m.atMs)
            } else if (m.type === "power-cut") {
                options.onPowerCut?.(m)
            } else if (m.type === "status-light") {
                light.push({ color: m.color, atMs: m.atMs })
                if (light.length > 10_000) light.splice(0, 5_000) // a long world run keeps the recent past
            } else if (m.type === "scan") {
                const heard = await onScan(m.fromMs, m.toMs)
                const reply: TokenControlMessage = {
                    type: "scan-result",
                    id: m.id,
                    heard: heard.map(h => ({ address: toHex(h.address), payload: toHex(h.payload), rssi: h.rssi, packets: h.packets })),
                }
                if (child.connected) child.send(reply)
            }
        })

        const startTimeoutMs = options.startTimeoutMs ?? START_BACKSTOP_MS
        const hubPort = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(
                () => reject(new Error(`token ${config.deviceId} did not start within ${startTimeoutMs} ms:\n${lines.slice(-20).join("\n")}`)),
                startTimeoutMs
            )
            child.on("message", (m: TokenProcessMessage) => {
                if (m.type === "ready") {
                    clearTimeout(timer)
                    resolve(m.hubPort)
                } else if (m.type === "fatal") {
                    clearTimeout(timer)
                    reject(new Error(`token ${config.deviceId} failed: ${m.message}`))
                }
            })
            exited.then(code => {
                clearTimeout(timer)
                reject(new Error(`token ${config.deviceId} exited (${code}) while starting:\n${lines.slice(-20).join("\n")}`))
            })
        }).catch(async e => {
            child.kill("SIGKILL")
            await exited
            if (ownsDir) rmSync(dir, { recursive: true, force: true })
            throw e
        })

        loadProjectServiceSpecs()
        const bus = new jd.JDBus([jd.createNodeSocketTransport(hubPort)], { client: true, disableRoleManager: true })
        bus.autoConnect = true
        await bus.connect()
        // The token's clock may run up to the simulation's: tell it where that is, often.
        const horizonTimer = setInterval(() => {
            // A send to a token that is just exiting fails (EPIPE) into the 'error' handler above;
            // its exit is handled through `exited`.
            if (child.connected) child.send({ type: "horizon", now: options.clock.now(), scale: options.clock.scale } satisfies TokenControlMessage)
        }, HORIZON_UPDATE_MS)
        exited.then(() => clearInterval(horizonTimer))
        exited.then(() => bus.disconnect().catch(() => {}))
        const vm = new TokenVm(child, dir, ownsDir, hubPort, bus, exited)
        vm.light = light
        vm.logLines = lines
        vm.aired = aired
        vm.syncAired = syncAired
        vmRef = vm
        if (options.waitForFirmware !== false) {
            // Booting keeps the token busy while the simulation's clock runs on; wait until the
            // firmware serves kiosks, then let the token catch up, so that a time a host sets now
            // is the token's now too.
            await vm.waitForService(SRV_TOKEN_SYNC, options.startTimeoutMs ?? START_BACKSTOP_MS)
            await options.clock.until(options.clock.now())
        }
        return vm
    }

    /** The last lines the token printed (for failure messages). */
    recentLog(n = 40): string {
        return this.logLines.slice(-n).join("\n")
    }

    /** Waits until a device on the token's bus offers a service of the given class. */
    async waitForService(serviceClass: number, realTimeoutMs = START_BACKSTOP_MS): Promise<JDDevice> {
        const deadline = Date.now() + realTimeoutMs
        for (;;) {
            const dev = this.bus.devices({ serviceClass })[0]
            if (dev) return dev
            if (Date.now() > deadline)
                throw new Error(`no device with service 0x${serviceClass.toString(16)} on token bus within ${realTimeoutMs} ms\n${this.recentLog()}`)
            await new Promise(r => setTimeout(r, 20))
        }
    }

    /** Presses the owner's button and releases it after `holdMs` of simulated time. */
    async pressButton(clock: SimClock, holdMs = DEFAULT_PRESS_HOLD_MS): Promise<void> {
        this.control({ type: "button", pressed: true })
        await clock.sleep(holdMs)
        this.control({ type: "button", pressed: false })
    }

    /** Cuts the token's power after `afterBytes` more bytes of flash work (0: at the next one). */
    armPowerCut(afterBytes: number) {
        this.control({ type: "arm-power-cut", afterBytes })
    }

    /** Makes `length` bytes of the token's flash at `offset` worn out: they stay 0x00 whatever is
     *  programmed or erased, until the token's process ends (sim/hardware/flash-server.ts). */
    stickFlashBytes(offset: number, length: number) {
        this.control({ type: "stick-flash-bytes", offset, length })
    }

    private packetCountRequests = 0
    /** Jacdac packets the token's program has sent since its process started, to its own services
     *  (flash, radio, …) and to hosts alike: what the VM's send throttle spends, 50 a second
     *  (sim/README.md). The runtime's own control packets are not counted (FrameHub.vmPacketsSent). */
    async vmPacketsSent(): Promise<number> {
        const id = ++this.packetCountRequests
        let answered: (m: TokenProcessMessage) => void = () => {}
        const answer = new Promise<number>(resolve => {
            answered = m => {
                if (m.type === "vm-packets-sent" && m.id === id) resolve(m.packets)
            }
            this.child.on("message", answered)
        })
        try {
            this.control({ type: "count-vm-packets", id })
            const exited = this.exited.then(code => {
                throw new Error(`the token exited (${code}) before it said how many packets its VM has sent`)
            })
            return await Promise.race([answer, exited])
        } finally {
            this.child.off("message", answered)
        }
    }

    /** Resolves when the token's process has ended (power cut, crash or stop). */
    whenExited(): Promise<number | null> {
        return this.exited
    }

    /** Sends a message to the token's process (its hardware). */
    control(msg: TokenControlMessage) {
        if (!this.child.connected) throw new Error("token is not running")
        this.child.send(msg)
    }

    /** Stops the token like pulling its battery: the process is killed, its folder kept unless temporary. */
    async stop(): Promise<void> {
        // Bus first, then the process, and only once the socket has closed: killing the token
        // while the socket is still open makes jacdac-ts report a connection reset.
        const sock: import("node:net").Socket | undefined = (this.bus.transports[0] as any)?.sock
        const closed = sock && !sock.destroyed ? new Promise(r => sock.once("close", r)) : Promise.resolve()
        try {
            await this.bus.disconnect()
        } catch {
            /* the bus may already be down */
        }
        await Promise.race([closed, new Promise(r => setTimeout(r, 1000))])
        this.bus.stop()
        if (this.child.exitCode === null) this.child.kill("SIGKILL")
        await this.exited
        if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true })
    }
}
