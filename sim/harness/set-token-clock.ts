// A kiosk setting a simulated token's clock. Each token runs on virtual time and may trail the
// simulation's clock a little (by design, up to FOLLOW_SLACK_MS, more at high speed where the
// horizon moves in larger steps); a time taken from the simulation's clock at full speed would set
// the token seconds off. So the simulation slows to real time for the moment of setting, lets the
// token catch up, and sets the time it is then at.
import type { SimClock } from "../clock/sim-clock.js"
import type { TokenSyncClient } from "../../lib/token-sync/sync-client.js"

/** Sets the token's clock to the simulation's time; returns the drift the token measured. */
export async function setTokenClock(clock: SimClock, sync: TokenSyncClient): Promise<number> {
    const scale = clock.scale
    try {
        await clock.changeScaleAndSettle(1)
        const r = await sync.setTime(Math.round(clock.now() / 1000))
        // The simulation's own time is never a large change; a token that refuses it has been tampered with.
        if (r.outcome !== "set") throw new Error(`the token did not take the simulation's time (${r.outcome})`)
        return r.drift
    } finally {
        clock.setScale(scale)
    }
}
