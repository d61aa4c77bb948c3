// How far a kiosk may move a clock that is already set without the owner's press, and which times
// the token can use at all. A jump forward would expire keys and records early; a jump back would
// keep them too long and put stale identifiers on air: both need the owner.
//
// Bound: a token without an RTC chip counts time from its own oscillator since its anchor (the last
// trusted set: src/time/wall-clock.ts). Awake,
// ESP-IDF's high-resolution timer runs from APB_CLK, within ±10 ppm (under 1 s a day); in light
// sleep the time comes from the internal 150 kHz RC oscillator, calibrated but temperature-dependent,
// which drifts by minutes per hour (ESP-IDF "System Time"; docs/threat-model.md). So a kiosk may
// put the clock within 10 minutes plus 5 % of the time since the anchor (3 minutes per hour, the
// RC's worst case) of where the anchor says it is, and never more than a day: a kiosk with a wrong
// clock, or a host walking the clock in small steps, shifts expiry by that at most. The bound is
// cumulative: it is measured from the anchor, and an unpressed set never renews it.
//
// A restarted token without a running RTC has no anchor. If it holds keys or records, its first
// time needs the press, and every unpressed set_time gets the same answer whatever the time offered
// (nothing is learned about the log from refusals). A token with a DS3231 that kept running has its
// anchor from the chip at boot (±2 ppm, about 1 minute a year: Maxim DS3231 datasheet), so it takes
// unpressed corrections within the same bound. A token holding nothing takes its first time from
// any kiosk: there is nothing to protect or learn, and that time becomes its anchor.
import { MAX_RECORD_TIME } from "../storage/layout"

/** Correction always allowed without the press (seconds): covers a crystal's drift and a kiosk's own error. */
export const FREE_ADJUST_BASE_S = 10 * 60
/** Share of the time since the last set that may be corrected without the press (RC oscillator drift). */
export const FREE_ADJUST_PER_SECOND = 0.05
/** Never more than this without the press, however long since the last set. */
export const FREE_ADJUST_MAX_S = 24 * 3600

/** How far from the anchor's projection a kiosk may put the clock without the owner's press. */
export function freeAdjustSeconds(secondsSinceAnchor: number): number {
    return Math.min(FREE_ADJUST_MAX_S, FREE_ADJUST_BASE_S + Math.max(0, secondsSinceAnchor) * FREE_ADJUST_PER_SECOND)
}

/** The last time a record can hold (its times are u24 minutes since 2020): later clocks are refused. */
export const LATEST_USABLE_UNIX = MAX_RECORD_TIME
