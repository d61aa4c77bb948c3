// A hostile host that only listens: a charger with a data line, or whoever finds a lost token, plugs
// in, reads one token-sync register (so it is the host being served) and keeps the line open while
// the token does its own work with its flash: it makes its first key when the host sets its clock
// (no press needed for a token that holds nothing), logs the people around it, counts its records.
// Then the kiosk checks the token beside it (the owner's press, log read, matching against the
// notification server), and the owner lets the log and the key be read for the test to search for.
// Every byte the token sent the listening host is recorded on the wire (a TCP relay in front of the
// token's bus): of the token's own frames it may see only control reports and token-sync reports
// (services/token-sync.md, "Sessions and hosts"), so no command, no flash or radio packet, and none of
// the token's keys or logged identifiers anywhere in the bytes.
import { createConnection, createServer, type AddressInfo, type Socket } from "node:net"
import { afterAll, describe, expect, test } from "vitest"
import { SRV_NOR_FLASH, SRV_GAEN_RADIO, SRV_TOKEN_SYNC } from "../../lib/jacdac/service-specs.js"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { FrameReader } from "../../sim/token/frame-hub.js"
import { packetsOf } from "../../sim/token/host-door.js"
import { connectToToken } from "../../kiosk/transport/connect.js"
import { checkTokenExposure } from "../../kiosk/index.js"
import { checkOptions, openSession, startServerOn } from "../e2e/helpers.js"
import { Cleanup } from "../helpers/cleanup.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { buttonOf, exportKeysWithButton, pressingWhenAsked, readLogWithPress } from "../helpers/owner.js"
import { hex } from "../helpers/bytes.js"
import { waitUntil } from "../helpers/wait.js"

const FLAG_COMMAND = 0x01
const CONTROL_INDEX = 0
const CONTROL_ANNOUNCE = 0x00
/** How fast the simulation runs while the token logs (real time is the machine's; waits are on conditions). */
const LOGGING_SCALE = 60

/** A TCP relay host → token's bus that keeps every byte the token sent the host, in order. */
async function recordingRelay(tokenPort: number, cleanup: Cleanup) {
    const fromToken: Buffer[] = []
    const sockets = new Set<Socket>()
    const server = createServer(host => {
        const token = createConnection({ host: "127.0.0.1", port: tokenPort })
        for (const s of [host, token]) {
            sockets.add(s)
            s.on("error", () => {})
            s.on("close", () => sockets.delete(s))
        }
        host.on("close", () => token.destroy())
        token.on("close", () => host.destroy())
        token.on("data", chunk => fromToken.push(Buffer.from(chunk)))
        host.pipe(token)
        token.pipe(host)
    })
    await new Promise<void>(r => server.listen(0, "127.0.0.1", () => r()))
    cleanup.add(server, s => {
        for (const sock of sockets) sock.destroy()
        return new Promise<void>(r => s.close(() => r()))
    })
    return { port: (server.address() as AddressInfo).port, bytes: () => Buffer.concat(fromToken) }
}

describe("a listening host at the token's one door", () => {
    const clock = SimClock.startingAt(Date.UTC(2026, 5, 3, 10), LOGGING_SCALE)
    const cleanup = new Cleanup()
    afterAll(() => cleanup.run())

    test("hears control and token-sync reports only: no flash or radio packet, no command, no key or identifier of the token", async () => {
        const present = [new Neighbour(-55), new Neighbour(-62)]
        const vm = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present) }), v => v.stop())
        const relay = await recordingRelay(vm.hubPort, cleanup)
        const listener = cleanup.add(await connectToToken(`tcp://127.0.0.1:${relay.port}`), c => c.close())
        const sync = listener.client

        // One register read makes it the host being served; then it sets the first time of a token
        // that holds nothing, which makes the token store its first key.
        expect((await sync.status()).state).toBe("time-not-set")
        await setTokenClock(clock, sync)
        clock.setScale(LOGGING_SCALE)
        // Its status reads keep it the host being served while the token logs and counts its records.
        const logged = await waitUntil(async () => {
            const s = await sync.status()
            return s.keysHeld >= 1 && s.recordsHeld >= 2
        }, 90_000)
        expect(logged).toBe(true)

        // The kiosk's check beside the listener (it waits its turn while the listener is quiet): the
        // owner presses, the kiosk reads the log and matches it. Then what the test searches the
        // listener's bytes for: the records (the owner's press again) and the token's key (its export).
        const server = await startServerOn(() => clock.now(), cleanup)
        const session = cleanup.add(await openSession(vm.hubPort, clock), s => s.close())
        const check = await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress =>
            checkTokenExposure(session, { ...checkOptions(server, cleanup.tempDir("gaen-listen-kiosk-")), onProgress })
        )
        expect(check.log.records).toBeGreaterThanOrEqual(2)
        const kiosk = session.connection.client
        await kiosk.endSession()
        const records = await readLogWithPress(clock, vm, kiosk)
        const keys = await exportKeysWithButton(clock, vm, kiosk)
        expect(records.length).toBe(check.log.records)
        expect(keys.length).toBeGreaterThanOrEqual(1)
        await kiosk.endSession()

        // What the listener received, frame by frame.
        const frames = new FrameReader().push(relay.bytes())
        const tokenSync = { device: sync.service.device.deviceId, index: sync.service.serviceIndex }
        const deviceOf = (f: Buffer) => hex(f.subarray(4, 12))
        const isTokenSync = (f: Buffer, serviceIndex: number) => deviceOf(f) === tokenSync.device && serviceIndex === tokenSync.index
        // It was connected and served throughout: it heard announcements and its own answers.
        expect(frames.some(f => packetsOf(f)?.some(p => p.serviceIndex === CONTROL_INDEX && p.command === CONTROL_ANNOUNCE))).toBe(true)
        expect(frames.some(f => packetsOf(f)?.some(p => isTokenSync(f, p.serviceIndex)))).toBe(true)

        // The services each device announced, to name what a forbidden packet belongs to.
        const classes = new Map<string, number[]>()
        for (const f of frames)
            for (const p of packetsOf(f) ?? [])
                if (!(f[3] & FLAG_COMMAND) && p.serviceIndex === CONTROL_INDEX && p.command === CONTROL_ANNOUNCE && p.data.length >= 4)
                    classes.set(deviceOf(f), [0, ...Array.from({ length: (p.data.length >> 2) - 1 }, (_, i) => Buffer.from(p.data).readUInt32LE(4 + 4 * i))])
        expect([...classes.values()].some(c => c.includes(SRV_NOR_FLASH))).toBe(true)
        expect([...classes.values()].some(c => c.includes(SRV_GAEN_RADIO))).toBe(true)
        expect(classes.get(tokenSync.device)?.[tokenSync.index]).toBe(SRV_TOKEN_SYNC)

        const forbidden = frames.flatMap(f => {
            if (f[3] & FLAG_COMMAND) return [`a command frame ${hex(f)}`]
            const packets = packetsOf(f)
            if (!packets) return [`a malformed frame ${hex(f)}`]
            return packets
                .filter(p => p.serviceIndex !== CONTROL_INDEX && !isTokenSync(f, p.serviceIndex))
                .map(p => `a report of service 0x${(classes.get(deviceOf(f))?.[p.serviceIndex] ?? 0).toString(16)} (command 0x${p.command.toString(16)})`)
        })
        // And none of the token's secrets anywhere in the bytes, whatever framing they might hide in.
        const heard = relay.bytes()
        const secrets = [...keys.map(k => ["TEK", k.keyData] as const), ...records.map(r => ["RPI", r.rpi] as const)]
        const leaked = secrets.filter(([, bytes]) => heard.includes(Buffer.from(bytes))).map(([what, bytes]) => `${what} ${hex(bytes)}`)
        expect({ forbidden, leaked }).toEqual({ forbidden: [], leaked: [] })
    }, 240_000)
})
