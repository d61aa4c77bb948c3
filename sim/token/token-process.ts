// One simulated token = one Node process: the DeviceScript VM running the real firmware, a Jacdac
// bus (frame hub) of its own, and the token's simulated hardware, all on one simulated clock.
// Started by sim/harness/token-vm.ts; exits when its parent goes away.
import net from "node:net"
import { mkdirSync, symlinkSync, existsSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { SimClock, installSimClock } from "../clock/sim-clock.js"
import { startFrameHub } from "./frame-hub.js"
import { startTokenHardware } from "./token-hardware.js"
import { TOKEN_CONFIG_ENV, type TokenControlMessage, type TokenProcessConfig, type TokenProcessMessage } from "./token-config.js"
import { DEVS_CLI, loadDevsCli } from "../harness/devs-cli.js"

/** The port the DeviceScript VM dials for its Jacdac bus; hard-coded in the CLI. */
const VM_BUS_PORT = 8082

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

    const clock = new SimClock(config.clock)
    installSimClock(clock)
    const hub = await startFrameHub(config.hubPort)

    // Point the VM's fixed bus port at this token's own hub.
    const realCreateConnection = net.createConnection
    net.createConnection = ((...args: any[]) => {
        if (args[0] === VM_BUS_PORT) args[0] = hub.port
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
        if (m.type === "clock") clock.adopt(m.clock)
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
