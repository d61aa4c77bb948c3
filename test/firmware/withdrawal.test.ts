// The owner's withdrawal on the token itself (src/sync/withdrawal.ts): a long hold, the light's own
// steady pattern, one brief press, then the same stop-and-wipe as a kiosk's decommission, kept as the
// owner's across a restart. Everything else leaves the token running. The gesture's times are scaled
// down here (the DeviceScript test runner runs in real time); the 10-second times themselves are
// exercised on a whole simulated token in test/token/withdrawal.test.ts.
// Hardware boundary: the radio, light and RTC are fakes (helpers/fake-hardware.ts); the flash is the
// RAM NOR flash with its power-cut model (docs/storage.md).
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { deleteSetting } from "@devicescript/settings"
import { TokenState } from "../../src/status/status-light"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { Token } from "../../src/token"
import { OwnerWithdrawal, WithdrawalTiming } from "../../src/sync/withdrawal"
import { T0, testRecord } from "./helpers/fixtures"
import { Light, fakeHardware } from "./helpers/fake-hardware"
import { rawBytesNotErased } from "./helpers/raw-scan"

const SECTOR = 512
const SECTORS = 8
/** The gesture at a tenth of its real length: hold 1 s, confirm within 1 s, press at most 0.2 s. */
const TIMING: WithdrawalTiming = { holdMs: 1000, confirmMs: 1000, confirmPressMaxMs: 200 }

interface Setup {
    token: Token
    light: Light
    flash: RamNorFlash
    gesture: OwnerWithdrawal
}

async function freshToken(flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS })): Promise<Setup> {
    await deleteSetting("stopped")
    await deleteSetting("wipe_proof")
    const light = new Light()
    const token = await Token.boot(fakeHardware(flash, light))
    await token.setTime(T0 * 60)
    const tek = Buffer.alloc(16)
    tek.fillAt(0, 16, 0x5a)
    await token.storage.keys.add(tek, 2848608)
    for (let i = 0; i < 20; ++i) await token.storage.log.append(testRecord(i, T0 + i))
    return { token, light, flash, gesture: new OwnerWithdrawal(token, TIMING) }
}

/** The owner holds the button `ms` (forKiosk: the press answered a kiosk's request). */
async function press(s: Setup, ms: number, forKiosk = false) {
    s.gesture.pressed(forKiosk)
    await ds.sleep(ms)
    await s.gesture.released()
}

function expectRunning(s: Setup) {
    expect(s.token.isStopped()).toBe(false)
    expect(s.token.keys.count()).toBe(1)
    expect(s.token.logStats().records).toBe(20)
    expect(s.light.state).toBe(TokenState.Running)
}

describe("the owner's withdrawal on the token", () => {
    test("hold, the light's own pattern, one press: stopped and wiped (0 bytes not erased), the owner's, also after a restart", async () => {
        const s = await freshToken()
        s.gesture.pressed(false)
        await ds.sleep(900)
        expect(s.light.state).toBe(TokenState.Running) // not yet
        await ds.sleep(200)
        expect(s.light.state).toBe(TokenState.WithdrawalArmed) // held long enough: steady red
        await s.gesture.released()
        expect(s.light.state).toBe(TokenState.WithdrawalArmed) // waiting for the confirming press
        await ds.sleep(300)
        await press(s, 50)
        expect(s.token.isStopped()).toBe(true)
        expect(s.token.stoppedByOwner()).toBe(true)
        expect(s.light.state).toBe(TokenState.Stopped)
        expect(s.token.wipeProof().bytesNotErased).toBe(0)
        expect(s.token.wipeProof().bytesChecked).toBe(SECTORS * SECTOR)
        expect(await rawBytesNotErased(s.flash)).toBe(0)
        expect(s.token.id).toBe("") // the token id went with the wipe (src/storage/secrets.ts)
        const again = await Token.boot(fakeHardware(s.flash, new Light()))
        expect(again.isStopped()).toBe(true)
        expect(again.stoppedByOwner()).toBe(true)
        expect(again.wipeProof().bytesNotErased).toBe(0)
    })

    test("a kiosk's decommission is not recorded as the owner's", async () => {
        const s = await freshToken()
        await s.token.decommission()
        expect(s.token.stoppedByOwner()).toBe(false)
        expect((await Token.boot(fakeHardware(s.flash, new Light()))).stoppedByOwner()).toBe(false)
    })

    test("a hold without the confirming press: armed, then cancelled when the window ends", async () => {
        const s = await freshToken()
        await press(s, 1100)
        expect(s.light.state).toBe(TokenState.WithdrawalArmed)
        await ds.sleep(1200)
        expectRunning(s)
        await press(s, 50) // a press after the window is an ordinary press
        expectRunning(s)
    })

    test("a hold just short of the time, then a press: nothing", async () => {
        const s = await freshToken()
        await press(s, 900)
        expect(s.light.state).toBe(TokenState.Running)
        await press(s, 50)
        await ds.sleep(100)
        expectRunning(s)
    })

    test("repeated short presses: nothing", async () => {
        const s = await freshToken()
        for (let i = 0; i < 25; ++i) {
            await press(s, 50)
            await ds.sleep(50)
        }
        expectRunning(s)
    })

    test("a press answering a kiosk's request is the kiosk's: no withdrawal, as hold or as confirmation", async () => {
        const s = await freshToken()
        await press(s, 1100, true)
        await press(s, 50)
        expectRunning(s)
        await press(s, 1100)
        expect(s.light.state).toBe(TokenState.WithdrawalArmed)
        await press(s, 50, true) // the kiosk asked meanwhile: the press confirms its request and cancels
        expectRunning(s)
        await press(s, 50)
        expectRunning(s)
    })

    test("a confirming press held too long cancels", async () => {
        const s = await freshToken()
        await press(s, 1100)
        await press(s, 400)
        expectRunning(s)
    })

    test("a power cut during the owner's wipe: the next boot finishes it, still the owner's", async () => {
        const s = await freshToken()
        await press(s, 1100)
        s.flash.armPowerCut(3 * SECTOR + 100)
        await press(s, 50)
        expect(s.flash.isPowerOff()).toBe(true)
        expect(s.token.wipeProof()).toBe(undefined)
        s.flash.reboot()
        const token = await Token.boot(fakeHardware(s.flash, new Light()))
        expect(token.isStopped()).toBe(true)
        expect(token.stoppedByOwner()).toBe(true)
        ;(async () => {
            await token.run()
        }).start()
        for (let guard = 0; !token.wipeProof(); ++guard) {
            if (guard > 1000) throw new Error("the token did not finish the owner's wipe by itself")
            await ds.sleep(10)
        }
        expect(token.wipeProof().bytesNotErased).toBe(0)
        expect(await rawBytesNotErased(s.flash)).toBe(0)
    })
})
