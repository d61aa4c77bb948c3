// The owner of a simulated token, for tools and tests: when a host asks, the owner presses the
// token's button (services/token-sync.md: the log, the keys, the end of use and a large clock
// change need the press). The press happens at near real time so that the token's 30-second window
// and its session's 2-minute idle limit mean what they mean at a kiosk, on a loaded machine too.
import type { SimClock } from "../clock/sim-clock.js"
import type { TokenVm } from "./token-vm.js"
import type { TokenSyncClient } from "../../lib/token-sync/sync-client.js"

/**
 * Simulated seconds per real second while the owner is being asked to press. The token's 30-second
 * window then lasts 15 real seconds: enough for a busy 2-core machine (CI runs test files in
 * parallel) to carry the host's question and the press. Slowing alone is not enough: a token that
 * trailed the fast clock would jump through its lag once idle, so the clock also waits for it
 * (`changeScaleAndSettle`). Without both, a loaded CI run missed the window.
 */
export const OWNER_PRESS_SCALE = 2

/**
 * Opens a session on the token (request, the owner's press, the token says "open"), runs `body`
 * within it at the owner's pace, and ends it. The clock's previous speed returns afterwards.
 */
export async function withOwnerSession<T>(clock: SimClock, vm: TokenVm, sync: TokenSyncClient, body: () => Promise<T>): Promise<T> {
    const speed = clock.scale
    try {
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        if (!(await sync.requestSession())) throw new Error("the token refused to open a session (stopped, or another request waits)")
        await vm.pressButton(clock)
        for (let i = 0; (await sync.session()) !== "open"; i++) {
            if (i >= 60) throw new Error("the owner pressed but the token opened no session")
            await clock.sleep(500)
        }
        try {
            return await body()
        } finally {
            await sync.endSession()
        }
    } finally {
        clock.setScale(speed)
    }
}
