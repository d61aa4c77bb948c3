// A kiosk hands out a simulated token's Bluetooth sticker (the kiosk's own hand-out over the token's
// USB-like bus, kiosk/link/hand-out.ts), and the owner presses the token's button when asked. For
// `npm run sim -- up` and tests: the token's `ble:<sticker code>`.
import type { SimClock } from "../clock/sim-clock.js"
import type { TokenVm } from "./token-vm.js"
import { openTokenSession } from "../../kiosk/token/session.js"
import { handOutLinkKey } from "../../kiosk/link/hand-out.js"

/** The token's sticker code (once in its life: a second hand-out is refused). The caller keeps the
 *  clock at the owner's pace (OWNER_PRESS_SCALE) meanwhile, so that the press lands in the window. */
export async function handOutSticker(clock: SimClock, vm: TokenVm): Promise<string> {
    let press: Promise<void> | undefined
    try {
        const usb = await openTokenSession(`tcp://127.0.0.1:${vm.hubPort}`, { now: () => clock.now() })
        try {
            return await handOutLinkKey(usb, {
                onProgress: p => { if (p.step === "press-button") press ??= vm.pressButton(clock) },
            })
        } finally {
            await usb.close()
        }
    } finally {
        await press
    }
}
