// What a nearby attacker can do to a token's Bluetooth sync link, and that none of it works: no
// sticker key, a replayed frame, another host's frames, a connection when nobody pressed. Each
// attempt fails, the token ends the connection, and the token is unchanged (read over USB after).
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { SimulatedBleCentral } from "../../sim/harness/ble-central.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { TokenSyncAnswer, TokenSyncCmd, TokenSyncLayout, TokenSyncSetTimeOutcome } from "../../lib/jacdac/service-specs.js"
import { HostLinkSession, type GattConnection } from "../../lib/ble-link/host-session.js"
import { linkKeyOfStickerCode } from "../../lib/ble-link/sticker-code.js"
import { MSG_HELLO, NONCE_BYTES, fragment } from "../../lib/ble-link/protocol.js"
import { openTokenSession } from "../../kiosk/index.js"
import { handOutLinkKey } from "../../kiosk/link/hand-out.js"
import { Cleanup } from "../helpers/cleanup.js"
import { OWNER_PRESS_SCALE, buttonOf, pressingWhenAsked } from "../helpers/owner.js"
import { waitUntil } from "../helpers/wait.js"

const HOUR_S = 3600
/** Simulated seconds per real second while a test only waits for the window to close. */
const WAITING_SCALE = 20

/** A connection that keeps every value written through it (what a sniffer of the air would have). */
function recording(conn: GattConnection) {
    const written: Uint8Array[] = []
    let closed = false
    conn.onClose(() => {
        closed = true
    })
    const wrapped: GattConnection = {
        mtu: conn.mtu,
        write: async v => {
            written.push(v)
            await conn.write(v)
        },
        onNotify: h => conn.onNotify(h),
        onClose: h => conn.onClose(h),
        close: () => conn.close(),
    }
    return { conn: wrapped, written, isClosed: () => closed }
}

/** One token-sync command over an open link; resolves with the answer's payload. */
async function command(session: HostLinkSession, cmd: number, arg: Uint8Array = new Uint8Array(0)): Promise<Buffer> {
    const answer = new Promise<Buffer>(resolve =>
        session.onMessage(m => {
            if (m.readUInt16LE(0) === cmd) resolve(m.subarray(2))
        })
    )
    const m = Buffer.alloc(2 + arg.length)
    m.writeUInt16LE(cmd, 0)
    m.set(arg, 2)
    await session.send(m)
    return await answer
}

const u32 = (v: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(v)
    return b
}
/** Where set_time's answer carries its outcome (services/token-sync.md): its last byte, after the drift. */
const SET_TIME_OUTCOME = TokenSyncLayout.SetTimeAnswerBytes - 1

describe("the Bluetooth sync link refuses what does not come from the sticker's holder", () => {
    const cleanup = new Cleanup()
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 7, 10, 0), OWNER_PRESS_SCALE)
    let vm: TokenVm
    let usb: TokenSyncClient
    let linkKey: Buffer

    /** The owner presses: the window opens. */
    async function press() {
        await vm.pressButton(clock)
        expect(await waitUntil(() => vm.syncAdvertisement !== null, 20_000)).toBe(true)
    }

    /** A decommission request the owner leaves unconfirmed runs out (a press before that would confirm it). */
    async function letDecommissionRequestExpire() {
        clock.setScale(WAITING_SCALE)
        expect(await waitUntil(async () => (await usb.decommission()).state !== "waiting-for-button", 60_000)).toBe(true)
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
    }

    /** What must not change: read over USB. */
    async function tokenState() {
        const s = await usb.status()
        return { clockHour: Math.floor(s.clock / HOUR_S), state: s.state, decommission: (await usb.decommission()).state }
    }

    beforeAll(async () => {
        vm = cleanup.add(await TokenVm.start({ clock }), v => v.stop())
        const session = await openTokenSession(`tcp://127.0.0.1:${vm.hubPort}`, { now: () => clock.now() })
        cleanup.add(null, () => session.close())
        usb = session.connection.client
        linkKey = linkKeyOfStickerCode(await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress => handOutLinkKey(session, { onProgress })))
        // The hand-out press opened a window too: let it close.
        clock.setScale(WAITING_SCALE)
        expect(await waitUntil(() => vm.syncAdvertisement === null, 60_000)).toBe(true)
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
    }, 120_000)
    afterAll(() => cleanup.run())

    test("nobody pressed: nothing on air, and a connection is refused", async () => {
        expect(vm.syncAdvertisement).toBeNull()
        await expect(new SimulatedBleCentral(vm).connectNow()).rejects.toThrow(/refused/)
        await expect(new SimulatedBleCentral(vm).connect(linkKey, 2_000)).rejects.toThrow(/press its button/)
    })

    test("the window closes by itself: a connection after it is refused", async () => {
        await press()
        clock.setScale(WAITING_SCALE)
        await clock.sleep(61_000)
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        expect(vm.syncAdvertisement).toBeNull()
        await expect(new SimulatedBleCentral(vm).connectNow()).rejects.toThrow(/refused/)
    })

    test("a kiosk without the sticker's key: its first command ends the connection and does nothing", async () => {
        const before = await tokenState()
        await press()
        const wrongKey = randomBytes(32)
        // Its advertisement is not recognised with another key...
        await expect(new SimulatedBleCentral(vm).connect(wrongKey, 2_000)).rejects.toThrow(/press its button/)
        // ...and connecting anyway gets it nowhere.
        const r = recording(await new SimulatedBleCentral(vm).connectNow())
        const session = await HostLinkSession.open(r.conn, wrongKey)
        await session.send(Buffer.concat([Buffer.from([TokenSyncCmd.RequestDecommission, 0])]))
        expect(await waitUntil(r.isClosed, 20_000)).toBe(true)
        expect(await tokenState()).toEqual(before)
    })

    test("the sticker key is never handed out over Bluetooth, even on a good link", async () => {
        await press()
        const r = recording(await new SimulatedBleCentral(vm).connectNow())
        const session = await HostLinkSession.open(r.conn, linkKey)
        const answers: number[] = []
        session.onMessage(m => answers.push(m.readUInt16LE(0)))
        for (const cmd of [TokenSyncCmd.RequestLinkKey, TokenSyncCmd.HandOutLinkKey]) {
            const m = Buffer.alloc(2)
            m.writeUInt16LE(cmd)
            await session.send(m)
        }
        // The link still works (the next answer comes), and those two had none. The press rules hold
        // over it as over USB: no log without a session.
        expect((await command(session, TokenSyncCmd.ReadLog))[0]).toBe(TokenSyncAnswer.NotRequested)
        expect(answers).toEqual([TokenSyncCmd.ReadLog])
        await session.close()
    })

    test("a replayed frame ends the connection and is not acted on", async () => {
        await press()
        const r = recording(await new SimulatedBleCentral(vm).connectNow())
        const session = await HostLinkSession.open(r.conn, linkKey)
        const now = Math.floor(clock.now() / 1000)
        // A 5-hour jump needs the owner's press (the clock guard), over the link as over USB...
        expect((await command(session, TokenSyncCmd.SetTime, u32(now + 5 * HOUR_S)))[SET_TIME_OUTCOME]).toBe(TokenSyncSetTimeOutcome.NeedsPress)
        // ...so the owner presses for a session, asked over the link.
        expect((await command(session, TokenSyncCmd.RequestSession))[0]).not.toBe(0) // accepted
        await vm.pressButton(clock)
        expect(await waitUntil(async () => (await usb.session()) === "open", 20_000)).toBe(true)
        const frameOneFrom = r.written.length
        expect((await command(session, TokenSyncCmd.SetTime, u32(now + 5 * HOUR_S)))[SET_TIME_OUTCOME]).toBe(TokenSyncSetTimeOutcome.Set) // the clock 5 hours on
        const frameOne = r.written.slice(frameOneFrom)
        await command(session, TokenSyncCmd.SetTime, u32(now)) // back
        const before = await tokenState()
        expect(before.clockHour).toBe(Math.floor(now / HOUR_S))
        for (const v of frameOne) await r.conn.write(v)
        expect(await waitUntil(r.isClosed, 20_000)).toBe(true)
        expect(await tokenState()).toEqual(before)
        await usb.endSession()
    })

    test("frames recorded from one host, sent by a second host on its own connection, do nothing", async () => {
        await press()
        const a = recording(await new SimulatedBleCentral(vm).connectNow())
        const sessionA = await HostLinkSession.open(a.conn, linkKey)
        // While A is connected, nobody else can connect.
        await expect(new SimulatedBleCentral(vm).connectNow()).rejects.toThrow(/refused/)
        await command(sessionA, TokenSyncCmd.RequestDecommission)
        expect((await usb.decommission()).state).toBe("waiting-for-button")
        // One light, one request: nothing else is asked of the owner meanwhile.
        expect(await usb.requestKeyExport()).toBe(false)
        await sessionA.close()
        // The owner does not press for it; it runs out before the next press opens the window.
        await letDecommissionRequestExpire()
        const before = await tokenState()
        expect(before.decommission).toBe("not-requested")
        await press()
        const b = recording(await new SimulatedBleCentral(vm).connectNow())
        for (const v of fragment(Buffer.concat([Buffer.from([MSG_HELLO]), randomBytes(NONCE_BYTES)]), b.conn.mtu)) await b.conn.write(v)
        for (const v of a.written.slice(1)) await b.conn.write(v) // A's request_decommission
        expect(await waitUntil(b.isClosed, 20_000)).toBe(true)
        expect(await tokenState()).toEqual(before)
    })
})
