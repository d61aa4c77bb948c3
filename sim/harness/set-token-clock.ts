// A kiosk setting a simulated token's clock. Each token runs on virtual time and may trail the
// simulation's clock a little (by design, up to FOLLOW_SLACK_MS, more at high speed where the
// horizon moves in larger steps); a time taken from the simulation's clock at full speed would set
// the token seconds off. So the simulation slows to real time for the moment of setting, lets the
// token catch up, and sets the time it is then at.
// A restarted token that holds keys or records takes its first time only with its owner's press
// (src/time/clock-guard.ts): given the token's `owner`, the owner presses, as at a kiosk.
import type { SimClock } from "../clock/sim-clock.js"
import type { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import type { TokenVm } from "./token-vm.js"
import { withOwnerSession } from "./owner.js"

/** Sets the token's clock to the simulation's time; returns the drift the token measured. */
export async function setTokenClock(clock: SimClock, sync: TokenSyncClient, owner?: TokenVm): Promise<number> {
    const scale = clock.scale
    try {
        await clock.changeScaleAndSettle(1)
        let r = await sync.setTime(Math.round(clock.now() / 1000))
        if (r.outcome === "needs-press" && owner)
            r = await withOwnerSession(clock, owner, sync, async () => {
                await clock.changeScaleAndSettle(1)
                return await sync.setTime(Math.round(clock.now() / 1000))
            })
        // The simulation's own time is never a large change; a token that refuses it has been tampered with.
        if (r.outcome !== "set") throw new Error(`the token did not take the simulation's time (${r.outcome})`)
        return r.drift
    } finally {
        clock.setScale(scale)
    }
}
