// A session belongs to the host that opened it (services/token-sync.md, "Sessions"): when that host's
// connection ends without end_session (a pulled cable, a crashed kiosk), its session ends with it, so
// a second host can neither read the log, export the keys nor keep the session alive. A listening
// host on the same simulated token receives nothing of another host's traffic: the simulator's bus
// serves one host at a time, as a USB port has one (sim/token/frame-hub.ts).
import { createConnection, type Socket } from "node:net"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { FrameReader } from "../../sim/token/frame-hub.js"
import { packetsOf } from "../../sim/token/host-door.js"
import { connectToToken } from "../../kiosk/transport/connect.js"
import { NeedsOwnerPress, TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { TokenSyncCmd } from "../../lib/jacdac/service-specs.js"
import { Cleanup } from "../helpers/cleanup.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { OWNER_PRESS_SCALE, exportKeysWithButton } from "../helpers/owner.js"
import { waitUntil } from "../helpers/wait.js"

const FLAG_COMMAND = 0x01

describe("a session is bound to its host", () => {
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 8, 10), 20)
    const cleanup = new Cleanup()
    let vm: TokenVm
    let present: Neighbour[] = []
    const hub = () => `tcp://127.0.0.1:${vm.hubPort}`

    beforeAll(async () => {
        vm = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present) }), v => v.stop())
        await setTokenClock(clock, await TokenSyncClient.find(vm.bus))
        present = [new Neighbour(-60), new Neighbour(-65)]
        await clock.sleep(15 * 60_000)
        present = []
    }, 60_000)
    afterAll(() => cleanup.run())

    /** Host A opens a session with the owner's press and reads the log. */
    async function openSessionAndLeave(leave: (close: () => Promise<void>) => Promise<void>) {
        const a = await connectToToken(hub())
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        expect(await a.client.requestSession()).toBe(true)
        await vm.pressButton(clock)
        expect(await waitUntil(async () => (await a.client.session()) === "open", 30_000)).toBe(true)
        expect((await a.client.readLog()).length).toBeGreaterThan(0)
        await leave(a.close)
    }

    test("the opening host leaves without end_session: a second host cannot read the log, and the session is closed", async () => {
        await openSessionAndLeave(close => close())
        const b = await connectToToken(hub())
        try {
            await expect(b.client.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
            expect(await b.client.session()).toBe("closed")
            expect(await b.client.newestRecordTime()).toBe(0)
        } finally {
            await b.close()
        }
    })

    test("a second host connected beside the first cannot use its session, nor keep it alive once the first has gone", async () => {
        const b = await connectToToken(hub())
        try {
            await openSessionAndLeave(async close => {
                // While A is connected and its session open, B's reads are B's own: no session.
                await expect(b.client.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
                await close()
            })
            // B keeps talking to the token: the session does not come back or stay open.
            for (let i = 0; i < 5; i++) {
                await expect(b.client.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
                expect(await b.client.session()).toBe("closed")
                await clock.sleep(1000)
            }
        } finally {
            await b.close()
        }
    })

    test("a confirmed export is gone with the host that asked for it", async () => {
        const a = await connectToToken(hub())
        const keys = await exportKeysWithButton(clock, vm, a.client)
        expect(keys.length).toBeGreaterThan(0)
        await a.close()
        const b = await connectToToken(hub())
        try {
            expect((await b.client.exportKeys()).state).toBe("not-requested")
        } finally {
            await b.close()
        }
    })

    test("a listening host hears the token's announcements only: nothing of another host's log read, export or commands", async () => {
        const heard: Buffer[] = []
        const listener: Socket = createConnection({ host: "127.0.0.1", port: vm.hubPort })
        cleanup.add(listener, s => void s.destroy())
        const reader = new FrameReader()
        listener.on("data", chunk => heard.push(...reader.push(chunk).map(f => Buffer.from(f))))
        await new Promise<void>(r => listener.once("connect", () => r()))

        const a = await connectToToken(hub())
        try {
            await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
            const keys = await exportKeysWithButton(clock, vm, a.client)
            expect(keys.length).toBeGreaterThan(0)
            expect((await a.client.readLog()).length).toBeGreaterThan(0)
            await a.client.status()
        } finally {
            await a.client.endSession()
            await a.close()
        }
        // The listener did hear the token (its announcements), so it was connected throughout.
        expect(await waitUntil(() => heard.some(f => packetsOf(f)?.some(p => p.serviceIndex === 0)), 10_000)).toBe(true)
        const notAnnouncements = heard.filter(f => (f[3] & FLAG_COMMAND) !== 0 || (packetsOf(f)?.some(p => p.serviceIndex !== 0) ?? true))
        expect(notAnnouncements.map(f => f.toString("hex"))).toEqual([])
        // In particular no read_log or export_keys answer, whatever device it claims to come from.
        const syncAnswers = heard.filter(f => packetsOf(f)?.some(p => p.command === TokenSyncCmd.ReadLog || p.command === TokenSyncCmd.ExportKeys))
        expect(syncAnswers).toEqual([])
    })
})
