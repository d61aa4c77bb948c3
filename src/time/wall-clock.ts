// The token's idea of the time of day. DeviceScript has no wall clock (only ds.millis() since start),
// so the time comes from a kiosk (set_time at every sync) and runs on from there. Until it is set,
// the token must not advertise or log: GAEN receivers reject identifiers more than 2 h off.
import * as ds from "@devicescript/core"
import { LATEST_USABLE_UNIX } from "./clock-guard"

/** 2020-01-01T00:00:00Z: no real clock is earlier. */
export const EARLIEST_VALID_UNIX = 1577836800

export class WallClock {
    private unixAtBase: number = undefined
    private millisAtBase = 0
    /** Drift measured at the last set (token minus kiosk, seconds). */
    lastDrift = 0

    isSet(): boolean {
        return this.unixAtBase !== undefined
    }

    /** Unix seconds (fractional); throws while the time is not set. */
    now(): number {
        if (this.unixAtBase === undefined) throw new Error("clock: time is not set")
        return this.unixAtBase + (ds.millis() - this.millisAtBase) / 1000
    }

    /** Token seconds since the clock was last set (0 while not set). */
    secondsSinceSet(): number {
        return this.isSet() ? (ds.millis() - this.millisAtBase) / 1000 : 0
    }

    /** Unix seconds, or 0 while not set (for status). */
    nowOrZero(): number {
        return this.isSet() ? Math.floor(this.now()) : 0
    }

    /** Sets the time; returns the drift (token minus given time, whole seconds; 0 if not set before).
     *  Throws for times outside 2020–2051 (records could not hold them) and leaves the clock unchanged. */
    set(unixSeconds: number): number {
        if (typeof unixSeconds !== "number" || isNaN(unixSeconds) || unixSeconds < EARLIEST_VALID_UNIX || unixSeconds > LATEST_USABLE_UNIX)
            throw new RangeError(`clock: ${unixSeconds} is not a time between 2020 and the log's last minute (2051)`)
        const drift = this.isSet() ? Math.round(this.now() - unixSeconds) : 0
        this.unixAtBase = unixSeconds
        this.millisAtBase = ds.millis()
        this.lastDrift = drift
        return drift
    }
}
