// One simulated token = one Node process: the DeviceScript VM running the real firmware, a Jacdac
// bus (frame hub) of its own, and the token's simulated hardware, all on one virtual clock
// (sim/clock/virtual-time.ts) that follows the simulation's shared clock.
// Started by sim/harness/token-vm.ts; exits when its parent goes away.
import net from "node:net"
import { mkdirSync, symlinkSync, existsSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { VirtualTime } from "../clock/virtual-time.js"
import { startFrameHub } from "./frame-hub.js"
import { startTokenHardware } from "./token-hardware.js"
import { TOKEN_CONFIG_ENV, type TokenControlMessage, type TokenProcessConfig, type TokenProcessMessage } from "./token-config.js"
import { DEVS_CLI, loadDevsCli } from "../harness/devs-cli.js"

/** The port the DeviceScript VM dials for its Jacdac bus; hard-coded in the CLI. */
const VM_BUS_PORT = 8082

/**
 * The VM wakes every 10 ms and jacdac-ts polls registers every 50 ms even when nothing happens;
 * in virtual time those wake-ups are what the simulation spends its CPU on. A token's firmware
 * sleeps seconds to minutes and reacts to packets at once (a received packet runs the VM
 * immediately), so idle ticks of 100 ms and polls of 500 ms change nothing it does, and let
 * a token run about ten times faster. Firmware timing resolution in the simulator: 100 ms.
 * Not more: the VM sends at most one packet per 20 ms with a burst of 5 (its send throttle,
 * sim/README.md), so a 100 ms tick still lets out 50 packets a second; a longer one would not.
 */
const VM_IDLE_TICK_MS = 100
/** How often (real ms) the parent hears how far this token's clock has got. */
const PROGRESS_REPORT_MS = 20
const REGISTER_POLL_MS = 500
function stretchTimer(fn: Function, ms: number): number {
    if (fn.name === "process2") return Math.max(ms, VM_IDLE_TICK_MS)
    if (fn.name === "bound handleRefreshRegisters") return Math.max(ms, REGISTER_POLL_MS)
    return ms
}

function send(msg: TokenProcessMessage) {
    process.send?.(msg)
}

async function main() {
    const raw = process.env[TOKEN_CONFIG_ENV]
    if (!raw) throw new Error(`${TOKEN_CONFIG_ENV} is not set: this program is started by the simulator harness`)
    const config: TokenProcessConfig = JSON.parse(raw)
    const bytecode = resolve(config.bytecode)

    // The parent is the only reason to exist: no stray VM when a test run dies.
    process.on("disconnect", () => process.exit(0))

    const horizon = { now: config.clock.startMs, scale: config.clock.scale }
    const virtualTime = new VirtualTime({ now: () => horizon.now, toRealMs: ms => ms / horizon.scale }, stretchTimer)
    const hub = await startFrameHub(config.hubPort, () => virtualTime.time())
    virtualTime.install()
    virtualTime.realSetInterval(() => send({ type: "time", now: virtualTime.time() }), PROGRESS_REPORT_MS)

    // The VM dials its fixed bus port, the hardware dials the hub: both get in-memory connections.
    const realCreateConnection = net.createConnection
    net.createConnection = ((...args: any[]) => {
        if (args[0] === VM_BUS_PORT || args[0] === hub.port) {
            const onConnect = args.find(a => typeof a === "function")
            return hub.connectInProcess(onConnect, { vm: args[0] === VM_BUS_PORT })
        }
        return (realCreateConnection as any)(...args)
    }) as typeof net.createConnection

    // The VM keeps its flash in <cwd>/.devicescript/flash and reads debug info from
    // <cwd>/.devicescript/bin (for readable stack traces).
    mkdirSync(join(config.dir, ".devicescript"), { recursive: true })
    const binLink = join(config.dir, ".devicescript", "bin")
    if (!existsSync(binLink)) symlinkSync(dirname(bytecode), binLink)
    process.chdir(config.dir)

    const hardware = await startTokenHardware(config, hub.port, send)
    process.on("message", (m: TokenControlMessage) => {
        if (m.type === "horizon") {
            horizon.now = Math.max(horizon.now, m.now)
            horizon.scale = m.scale
        } else if (m.type === "count-vm-packets") send({ type: "vm-packets-sent", id: m.id, packets: hub.vmPacketsSent() })
        else hardware.handle(m)
    })

    // The CLI would otherwise look for its own updates on the network at every start.
    process.env.NO_UPDATE_NOTIFIER = "1"
    process.argv = [process.execPath, DEVS_CLI, "run", bytecode, "--tcp", "--device-id", config.deviceId]
    const { mainCli } = loadDevsCli()
    mainCli()
    send({ type: "ready", hubPort: hub.port })
}

main().catch(e => {
    send({ type: "fatal", message: String(e?.stack ?? e) })
    console.error(e)
    process.exit(1)
})
