// How far a kiosk may move a clock that is already set without the owner's press, and which times
// the token can use at all. A jump forward would expire keys and records early; a jump back would
// keep them too long and put stale identifiers on air: both need the owner.
//
// Bound: a token without an RTC chip counts time from its own oscillator since the last set. Awake,
// ESP-IDF's high-resolution timer runs from APB_CLK, within ±10 ppm (under 1 s a day); in light
// sleep the time comes from the internal 150 kHz RC oscillator, calibrated but temperature-dependent,
// which drifts by minutes per hour (ESP-IDF "System Time"; docs/threat-model.md). So a kiosk may
// correct 10 minutes plus 5 % of the time since the last set (3 minutes per hour, the RC's worst
// case), and never more than a day: a kiosk with a wrong clock can shift expiry by that at most.
import { MAX_RECORD_TIME } from "../storage/layout"

/** Correction always allowed without the press (seconds): covers a crystal's drift and a kiosk's own error. */
export const FREE_ADJUST_BASE_S = 10 * 60
/** Share of the time since the last set that may be corrected without the press (RC oscillator drift). */
export const FREE_ADJUST_PER_SECOND = 0.05
/** Never more than this without the press, however long since the last set. */
export const FREE_ADJUST_MAX_S = 24 * 3600

/** The largest change of a set clock a kiosk may make without the owner's press. */
export function freeAdjustSeconds(secondsSinceSet: number): number {
    return Math.min(FREE_ADJUST_MAX_S, FREE_ADJUST_BASE_S + Math.max(0, secondsSinceSet) * FREE_ADJUST_PER_SECOND)
}

/** The last time a record can hold (its times are u24 minutes since 2020): later clocks are refused. */
export const LATEST_USABLE_UNIX = MAX_RECORD_TIME
