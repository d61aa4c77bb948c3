// A simulated token hands out its Bluetooth sticker (token-sync request_link_key / hand_out_link_key
// through lib/token-sync, as a kiosk does over USB), and the owner presses the token's button when
// asked. For `npm run sim -- up` and tests: the token's `ble:<sticker code>`.
import type { SimClock } from "../clock/sim-clock.js"
import type { TokenVm } from "./token-vm.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { stickerCodeOf } from "../../lib/ble-link/sticker-code.js"

/** How often the hand-out is asked again while the press is being taken (simulated time). */
const POLL_MS = 250
/** The token waits 30 s for the press (services/token-sync.md); a little more covers the press itself. */
const PRESS_WINDOW_MS = 35_000

/** The token's sticker code (once in its life: a second hand-out is refused). The caller keeps the
 *  clock at the owner's pace (OWNER_PRESS_SCALE) meanwhile, so that the press lands in the window. */
export async function handOutSticker(clock: SimClock, vm: TokenVm): Promise<string> {
    const sync = await TokenSyncClient.find(vm.bus)
    if (!(await sync.requestLinkKey()))
        throw new Error("the token refused to hand out its Bluetooth key: it did so before, it is stopped, or another request waits for its button")
    try {
        await vm.pressButton(clock)
        const deadline = clock.now() + PRESS_WINDOW_MS
        for (;;) {
            const answer = await sync.handOutLinkKey()
            if (answer.state === "ready") return stickerCodeOf(answer.key)
            if (answer.state !== "waiting-for-button" || clock.now() > deadline) throw new Error(`the token answered the sticker hand-out with ${answer.state}`)
            await clock.sleep(POLL_MS)
        }
    } finally {
        // The press opened a session as well; the sticker needs none.
        await sync.endSession()
    }
}
