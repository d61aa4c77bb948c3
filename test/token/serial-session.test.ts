// The owner's session ends when the kiosk closes the token's USB serial port, as when a real token's
// host drops DTR or is unplugged (services/token-sync.md, "Sessions and hosts"): the simulated serial
// bridge (sim/serial-bridge/) sees the pty's host end close and ends that host's connection to the
// token's bus, so the bus ends its session. Whoever opens the port next is a new host: it, and any
// TCP host, finds the session closed and cannot read the log without a new press.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { startSerialBridge, type SerialBridge } from "../../sim/serial-bridge/bridge.js"
import { connectToToken } from "../../kiosk/transport/connect.js"
import { NeedsOwnerPress, TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { Cleanup } from "../helpers/cleanup.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { OWNER_PRESS_SCALE } from "../helpers/owner.js"
import { waitUntil } from "../helpers/wait.js"

describe("a session opened over USB serial ends when the port closes", () => {
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 8, 10), 20)
    const cleanup = new Cleanup()
    let vm: TokenVm
    let bridge: SerialBridge
    let present: Neighbour[] = []

    beforeAll(async () => {
        vm = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present) }), v => v.stop())
        await setTokenClock(clock, await TokenSyncClient.find(vm.bus))
        present = [new Neighbour(-60)]
        await clock.sleep(15 * 60_000)
        present = []
        bridge = cleanup.add(await startSerialBridge({ hubPort: vm.hubPort }), b => b.close())
    }, 180_000)
    afterAll(() => cleanup.run())

    test("the kiosk closes the port without end_session: the next opener of the port and a TCP host find the session closed", async () => {
        const kiosk = await connectToToken(`serial:${bridge.hostPath}`)
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        expect(await kiosk.client.requestSession()).toBe(true)
        await vm.pressButton(clock)
        expect(await waitUntil(async () => (await kiosk.client.session()) === "open", 30_000)).toBe(true)
        expect((await kiosk.client.readLog()).length).toBeGreaterThan(0)
        await kiosk.close()

        // The port can be opened again once the bridge has seen the host go.
        expect(await waitUntil(() => bridge.stats.hostsGone === 1, 10_000)).toBe(true)
        await bridge.ready()
        const next = await connectToToken(`serial:${bridge.hostPath}`)
        try {
            await expect(next.client.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
            expect(await next.client.session()).toBe("closed")
            expect(await next.client.newestRecordTime()).toBe(0)
        } finally {
            await next.close()
        }

        const tcpHost = await connectToToken(`tcp://127.0.0.1:${vm.hubPort}`)
        try {
            await expect(tcpHost.client.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
            expect(await tcpHost.client.session()).toBe("closed")
        } finally {
            await tcpHost.close()
        }
    }, 120_000)
})
