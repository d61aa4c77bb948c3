// The token's idea of the time of day. DeviceScript has no wall clock (only ds.millis() since start),
// so the time comes from a kiosk (set_time at every sync) and runs on from there. Until it is set,
// the token must not advertise or log: GAEN receivers reject identifiers more than 2 h off.
// The clock also keeps its anchor: the last time it was given by a source the token trusts (a set
// the owner confirmed with the press, the first set of a token holding nothing, a battery-backed RTC
// that kept running) and the token's monotonic millis then. Unpressed corrections are bounded from
// the anchor's projection (src/time/clock-guard.ts), and an unpressed set never moves the anchor, so
// a walk of small steps cannot add up.
import * as ds from "@devicescript/core"
import { LATEST_USABLE_UNIX } from "./clock-guard"

/** 2020-01-01T00:00:00Z: no real clock is earlier. */
export const EARLIEST_VALID_UNIX = 1577836800

export class WallClock {
    private unixAtBase: number = undefined
    private millisAtBase = 0
    /** Drift measured at the last set (token minus kiosk, seconds). */
    lastDrift = 0
    private anchorUnix: number = undefined
    private millisAtAnchor = 0

    isSet(): boolean {
        return this.unixAtBase !== undefined
    }

    /** Unix seconds (fractional); throws while the time is not set. */
    now(): number {
        if (this.unixAtBase === undefined) throw new Error("clock: time is not set")
        return this.unixAtBase + (ds.millis() - this.millisAtBase) / 1000
    }

    /** Unix seconds, or 0 while not set (for status). */
    nowOrZero(): number {
        return this.isSet() ? Math.floor(this.now()) : 0
    }

    /** A trusted time is known: the last anchor and the token's time since (monotonic). */
    hasAnchor(): boolean {
        return this.anchorUnix !== undefined
    }

    /** Where the anchor says the time is now (Unix seconds, fractional); throws without an anchor. */
    anchorNow(): number {
        if (this.anchorUnix === undefined) throw new Error("clock: no trusted time")
        return this.anchorUnix + this.secondsSinceAnchor()
    }

    /** Token seconds since the anchor (0 without one). */
    secondsSinceAnchor(): number {
        return this.anchorUnix === undefined ? 0 : (ds.millis() - this.millisAtAnchor) / 1000
    }

    /** Sets the time; returns the drift (token minus given time, whole seconds; 0 if not set before).
     *  `trusted`: the time also becomes the anchor. Throws for times outside 2020–2051 (records could
     *  not hold them) and leaves the clock unchanged. */
    set(unixSeconds: number, trusted = false): number {
        if (typeof unixSeconds !== "number" || isNaN(unixSeconds) || unixSeconds < EARLIEST_VALID_UNIX || unixSeconds > LATEST_USABLE_UNIX)
            throw new RangeError(`clock: ${unixSeconds} is not a time between 2020 and the log's last minute (2051)`)
        const drift = this.isSet() ? Math.round(this.now() - unixSeconds) : 0
        this.unixAtBase = unixSeconds
        this.millisAtBase = ds.millis()
        this.lastDrift = drift
        if (trusted) {
            this.anchorUnix = unixSeconds
            this.millisAtAnchor = this.millisAtBase
        }
        return drift
    }
}
