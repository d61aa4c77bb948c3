// Sync without a cable: a simulated token (the real firmware) hands out its Bluetooth key once over
// USB with the owner's press; after a press opens its window, the kiosk reaches it with `ble:<sticker
// code>` through the simulator's radio, over the encrypted link (lib/ble-link, src/link/), and the
// kiosk core works on it unchanged.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { SimulatedBleCentral } from "../../sim/harness/ble-central.js"
import { openTokenSession } from "../../kiosk/index.js"
import { useBleCentral } from "../../kiosk/transport/ble.js"
import { handOutLinkKey } from "../../kiosk/link/hand-out.js"
import { runKiosk } from "../../kiosk/cli.js"
import { readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { linkKeyOfStickerCode } from "../../lib/ble-link/sticker-code.js"
import { Cleanup } from "../helpers/cleanup.js"
import { buttonOf, pressingWhenAsked, readLogWithPress } from "../helpers/owner.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { pressAndOpenOverBluetooth } from "./helpers.js"
import { waitUntil } from "../helpers/wait.js"
import { connectToToken } from "../../kiosk/transport/connect.js"
import { NeedsOwnerPress } from "../../lib/token-sync/sync-client.js"

describe("a token synced over Bluetooth", () => {
    const cleanup = new Cleanup()
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 7, 10, 0), 100)
    let vm: TokenVm
    let code: string
    let sticker: string
    let stickerMode: number
    /** The hand-out asked while a session request waited for the button. */
    let handOutWhileOtherWaits: unknown
    let present: Neighbour[] = []
    /** Every change of the GAEN beacon (null: it stopped). */
    const beaconChanges: (object | null)[] = []

    /** The simulated radio's own word on whether the GAEN beacon is on air (its last change, reported
     *  to the harness: a host cannot read the radio, the token's one door lets it reach token-sync only). */
    const beaconOnAir = () => beaconChanges.length > 0 && beaconChanges[beaconChanges.length - 1] !== null

    beforeAll(async () => {
        vm = cleanup.add(
            await TokenVm.start({
                clock,
                onScan: room(() => present),
                onAdvertising: ad => beaconChanges.push(ad),
                onLog: l => process.env.DEBUG_BLE && console.log(l),
            }),
            v => v.stop()
        )
        useBleCentral(new SimulatedBleCentral(vm))
        cleanup.add(null, () => useBleCentral(undefined))
        // First, while the light stands for another request (a session), the hand-out is refused; that
        // request runs out unpressed.
        const usb = await openTokenSession(`tcp://127.0.0.1:${vm.hubPort}`, { now: () => clock.now() })
        try {
            expect(await usb.connection.client.requestSession()).toBe(true)
            handOutWhileOtherWaits = await handOutLinkKey(usb).catch(e => e)
            expect(await waitUntil(async () => (await usb.connection.client.session()) !== "waiting-for-button", 30_000)).toBe(true)
        } finally {
            await usb.close()
        }
        // The kiosk's sticker command, over USB, with the owner's press.
        const page = join(cleanup.tempDir("gaen-ble-sticker-"), "sticker.html")
        const out: string[] = []
        const exit = await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress =>
            runKiosk(["sticker", "--token", `tcp://127.0.0.1:${vm.hubPort}`, "--out", page, "--lang", "en"], {
                stdout: { write: s => void out.push(s) },
                stderr: { write: () => {} },
                env: { GAEN_KIOSK_DATA: cleanup.tempDir("gaen-ble-kiosk-") },
                now: () => clock.now(),
                onProgress,
            })
        )
        expect(exit, out.join("")).toBe(0)
        expect(out.join("")).toContain("Print it, stick it on the token, then delete the file")
        sticker = readFileSync(page, "utf8")
        stickerMode = statSync(page).mode & 0o777
        code = /<div class="code">([0-9A-Z-]+)<\/div>/.exec(sticker)![1]
    }, 90_000)
    afterAll(() => cleanup.run())

    test("the sticker page: a QR code and the code as text, readable by its owner only", () => {
        expect(linkKeyOfStickerCode(code)).toHaveLength(32)
        expect(sticker).toMatch(/<svg[^>]*viewBox/)
        expect(sticker).toContain("シール")
        expect(stickerMode).toBe(0o600)
    })

    test("while another request waits for the button, the hand-out is refused", () => {
        expect(handOutWhileOtherWaits).toMatchObject({ code: "token-stopped", message: expect.stringContaining("another request waits") })
    })

    test("the key is handed out once: a second hand-out is refused", async () => {
        const usb = await openTokenSession(`tcp://127.0.0.1:${vm.hubPort}`, { now: () => clock.now() })
        try {
            await expect(handOutLinkKey(usb)).rejects.toMatchObject({ code: "token-stopped" })
        } finally {
            await usb.close()
        }
    })

    test("after a press, the kiosk reads the token's status, and with the session's press its log, over Bluetooth; the beacon stays on air", async () => {
        // Enough people for full log pages (7 records: the largest messages the link carries).
        present = Array.from({ length: 10 }, (_, i) => new Neighbour(-55 - i))
        await clock.sleep(20 * 60_000)
        present = []
        const session = await pressAndOpenOverBluetooth(clock, vm, code)
        const changesBefore = beaconChanges.length
        try {
            expect(session.status.state).toBe("active")
            expect(beaconOnAir()).toBe(true)
            // The press that opened the link confirmed nothing: the log read takes the session's own.
            const log = await readLogWithPress(clock, vm, session.connection.client)
            expect(log.length).toBeGreaterThanOrEqual(20)
            // A read from the start commits what is still being heard: the token now holds exactly these.
            expect((await session.connection.client.status()).recordsHeld).toBe(log.length)
            expect(beaconOnAir()).toBe(true)
        } finally {
            await session.close()
        }
        // Not stopped for a moment during the connection (a rotation would replace it, never stop it).
        expect(beaconChanges.slice(changesBefore).filter(c => c === null)).toEqual([])
    })

    test("a session opened over Bluetooth is the link's: a USB host cannot use it, and it ends when the link drops", async () => {
        const session = await pressAndOpenOverBluetooth(clock, vm, code)
        const overAir = session.connection.client
        let linkOpen = true
        try {
            expect(await overAir.requestSession()).toBe(true)
            await vm.pressButton(clock)
            expect(await waitUntil(async () => (await overAir.session()) === "open", 30_000)).toBe(true)
            const usb = await connectToToken(`tcp://127.0.0.1:${vm.hubPort}`)
            try {
                await expect(usb.client.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
                expect(await usb.client.newestRecordTime()).toBe(0)
                // The link's own host still has its session.
                expect(Array.isArray(await overAir.readLog())).toBe(true)
                // The link drops without end_session: the session goes with it.
                await session.connection.close()
                linkOpen = false
                expect(await waitUntil(async () => (await usb.client.session()) === "closed", 30_000)).toBe(true)
                await expect(usb.client.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
            } finally {
                await usb.close()
            }
        } finally {
            if (linkOpen) await session.close()
        }
    })
})
