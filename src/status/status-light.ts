// The token's status, shown on its one LED (never in the broadcast, which must not reveal state).
// Patterns are told apart by rhythm, so a single-colour LED works; RGB boards also get a colour.
import * as ds from "@devicescript/core"
import { setStatusLight } from "@devicescript/runtime"

export enum TokenState {
    Running = 1,
    TimeNotSet = 2,
    LogNearlyFull = 3,
    WaitingForButton = 4,
    Stopped = 5,
    /** The owner has held the button 10 s: one more press ends use (src/sync/withdrawal.ts). */
    WithdrawalArmed = 6,
}

/** One step of a blink pattern: colour (0 = off) for `ms`. */
export interface LightStep {
    color: number
    ms: number
}

const GREEN = 0x00a000
const YELLOW = 0xa08000
const ORANGE = 0xc04000
const BLUE = 0x0040ff
const RED = 0xc00000

/** What each state looks like. Running is a short wink every 10 s: visible, but easy on the battery. */
export function lightPattern(state: TokenState): LightStep[] {
    if (state === TokenState.Running)
        return [
            { color: GREEN, ms: 100 },
            { color: 0, ms: 9900 },
        ]
    if (state === TokenState.TimeNotSet)
        return [
            { color: YELLOW, ms: 150 },
            { color: 0, ms: 200 },
            { color: YELLOW, ms: 150 },
            { color: 0, ms: 2500 },
        ]
    if (state === TokenState.LogNearlyFull)
        return [
            { color: ORANGE, ms: 150 },
            { color: 0, ms: 200 },
            { color: ORANGE, ms: 150 },
            { color: 0, ms: 200 },
            { color: ORANGE, ms: 150 },
            { color: 0, ms: 4150 },
        ]
    if (state === TokenState.WaitingForButton)
        return [
            { color: BLUE, ms: 250 },
            { color: 0, ms: 250 },
        ]
    // Steady, the only pattern that never blinks: the owner holding the button cannot mistake it.
    if (state === TokenState.WithdrawalArmed) return [{ color: RED, ms: 1000 }]
    return [{ color: 0, ms: 5000 }] // stopped: dark
}

/** How soon the light shows a new state, at most. */
const REACT_MS = 500

export interface StatusLight {
    show(state: TokenState): void
}

/** Plays the pattern of the current state on the board's status LED, forever. */
export class BoardStatusLight implements StatusLight {
    private state = TokenState.TimeNotSet

    show(state: TokenState) {
        this.state = state
    }

    /** Waits `ms`, or less if the state changes: a request for the button must not wait out the
     *  10-second pause of the running wink (a third of the 30-second window). False if it changed. */
    private async holdUnlessChanged(shown: TokenState, ms: number): Promise<boolean> {
        const end = ds.millis() + ms
        for (;;) {
            const left = end - ds.millis()
            if (left <= 0) return true
            await ds.sleep(Math.min(left, REACT_MS))
            if (this.state !== shown) return false
        }
    }

    async run() {
        for (;;) {
            const steps = lightPattern(this.state)
            const shown = this.state
            for (const step of steps) {
                await setStatusLight(step.color)
                if (!(await this.holdUnlessChanged(shown, step.ms))) break
            }
        }
    }
}
