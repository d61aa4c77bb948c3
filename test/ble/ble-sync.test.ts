// Sync without a cable: a simulated token (the real firmware) hands out its Bluetooth key once over
// USB with the owner's press; after a press opens its window, the kiosk reaches it with `ble:<sticker
// code>` through the simulator's radio, over the encrypted link (lib/ble-link, src/link/), and the
// kiosk core works on it unchanged.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { SimulatedBleCentral } from "../../sim/harness/ble-central.js"
import { openTokenSession, type TokenSession } from "../../kiosk/index.js"
import { useBleCentral } from "../../kiosk/transport/ble.js"
import { handOutLinkKey } from "../../kiosk/link/hand-out.js"
import { linkKeyOfStickerCode } from "../../lib/ble-link/sticker-code.js"
import { Cleanup } from "../helpers/cleanup.js"
import { OWNER_PRESS_SCALE, buttonOf, pressingWhenAsked } from "../helpers/owner.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { waitUntil } from "../helpers/wait.js"
import { GaenRadioReg, SRV_GAEN_RADIO } from "../../lib/jacdac/service-specs.js"

describe("a token synced over Bluetooth", () => {
    const cleanup = new Cleanup()
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 7, 10, 0), 100)
    let vm: TokenVm
    let code: string
    let present: Neighbour[] = []
    /** Every change of the GAEN beacon (null: it stopped). */
    const beaconChanges: (object | null)[] = []

    /** The radio's own word on whether the GAEN beacon is on air (read on the token's bus). */
    async function beaconOnAir(): Promise<boolean> {
        const reg = vm.bus.services({ serviceClass: SRV_GAEN_RADIO })[0].register(GaenRadioReg.Advertising)
        await reg.refresh()
        return reg.boolValue === true
    }

    beforeAll(async () => {
        vm = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present), onAdvertising: ad => beaconChanges.push(ad), onLog: l => process.env.DEBUG_BLE && console.log(l) }), v => v.stop())
        useBleCentral(new SimulatedBleCentral(vm))
        cleanup.add(null, () => useBleCentral(undefined))
        const usb = await openTokenSession(`tcp://127.0.0.1:${vm.hubPort}`, { now: () => clock.now() })
        try {
            code = await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress => handOutLinkKey(usb, { onProgress }))
        } finally {
            await usb.close()
        }
    }, 90_000)
    afterAll(() => cleanup.run())

    /** The owner presses (at the owner's pace, the window is 60 simulated seconds), the kiosk connects. */
    async function openOverBluetooth(sticker = code): Promise<TokenSession> {
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        await vm.pressButton(clock)
        expect(await waitUntil(() => vm.syncAdvertisement !== null, 20_000)).toBe(true)
        return await openTokenSession(`ble:${sticker}`, { now: () => clock.now() })
    }

    test("the key is handed out once: a second hand-out is refused", async () => {
        expect(linkKeyOfStickerCode(code)).toHaveLength(32)
        const usb = await openTokenSession(`tcp://127.0.0.1:${vm.hubPort}`, { now: () => clock.now() })
        try {
            await expect(handOutLinkKey(usb)).rejects.toMatchObject({ code: "token-stopped" })
        } finally {
            await usb.close()
        }
    })

    test("after a press, the kiosk reads the token's status and log over Bluetooth; the beacon stays on air", async () => {
        present = [new Neighbour(-60), new Neighbour(-70)]
        await clock.sleep(20 * 60_000)
        present = []
        const session = await openOverBluetooth()
        const changesBefore = beaconChanges.length
        try {
            expect(session.status.state).toBe("active")
            expect(await beaconOnAir()).toBe(true)
            const log = await session.connection.client.readLog()
            expect(log.length).toBeGreaterThanOrEqual(2)
            // A read from the start commits what is still being heard: the token now holds exactly these.
            expect((await session.connection.client.status()).recordsHeld).toBe(log.length)
            expect(await beaconOnAir()).toBe(true)
        } finally {
            await session.close()
        }
        // Not stopped for a moment during the connection (a rotation would replace it, never stop it).
        expect(beaconChanges.slice(changesBefore).filter(c => c === null)).toEqual([])
    })
})
