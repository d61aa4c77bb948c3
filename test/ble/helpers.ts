// Shared by the Bluetooth tests: the owner presses the token's button (at the owner's pace: the
// window is 60 simulated seconds), the sync advertisement goes on air, the kiosk connects by sticker.
import { expect } from "vitest"
import type { SimClock } from "../../sim/clock/sim-clock.js"
import type { TokenVm } from "../../sim/harness/token-vm.js"
import { openTokenSession, type TokenSession } from "../../kiosk/index.js"
import { OWNER_PRESS_SCALE } from "../helpers/owner.js"
import { waitUntil } from "../helpers/wait.js"

/** Leaves the clock at the owner's pace. */
export async function pressAndOpenOverBluetooth(clock: SimClock, vm: TokenVm, stickerCode: string): Promise<TokenSession> {
    await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
    await vm.pressButton(clock)
    expect(await waitUntil(() => vm.syncAdvertisement !== null, 20_000)).toBe(true)
    return await openTokenSession(`ble:${stickerCode}`, { now: () => clock.now() })
}
