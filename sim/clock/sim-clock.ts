// The simulation's shared clock: simulated time that runs `scale` times faster than real time,
// held back for the slowest token following it.
//
// It lives in the parent process (the harness, the world). Each token's process runs on virtual time
// of its own (virtual-time.ts): the parent sends it this clock's now() and scale in "horizon"
// messages, and the token's clock may run up to there. The token reports how far it has got, and
// this clock never runs more than FOLLOW_SLACK_MS ahead of the slowest follower, so that the tokens
// of one world stay within reach of each other and of the hosts that talk to them.

interface SimClockConfig {
    /** Real Unix time in ms (fractional allowed) at which the simulation started. */
    originReal: number
    /** Simulated Unix time in ms at that same instant. */
    originSim: number
    /** Simulated seconds per real second. 1 = real time. */
    scale: number
}

/** Upper bound for `scale`. Tokens on virtual time never jump more than 10 simulated minutes at
 *  once (sim/clock/virtual-time.ts), so this only limits how far the simulation's clock moves
 *  between two horizon updates (5 real ms: 100 simulated s at the bound). */
export const MAX_SCALE = 20_000

function validateClockConfig(c: SimClockConfig): SimClockConfig {
    if (!Number.isFinite(c.originReal) || !Number.isFinite(c.originSim))
        throw new Error(`simulated clock: origin must be a finite time in ms, got ${c.originReal} / ${c.originSim}`)
    if (!(c.scale >= 1 && c.scale <= MAX_SCALE)) throw new Error(`simulated clock: scale must be between 1 and ${MAX_SCALE}, got ${c.scale}`)
    return c
}

const realPerfNow = performance.now.bind(performance)
const realTimeOrigin = performance.timeOrigin
/** Real Unix time in ms with sub-ms resolution. */
function realNowMs(): number {
    return realTimeOrigin + realPerfNow()
}

/**
 * How far the simulation's clock may run ahead of the slowest token following it. Tokens run on
 * virtual time (virtual-time.ts) and fall behind while busy; without a bound, a host's "now" (the
 * time it sets on a token, the scan window it answers) would drift from the token's own.
 */
export const FOLLOW_SLACK_MS = 30_000

export class SimClock {
    private followers: (() => number)[] = []
    private latest = -Infinity

    constructor(private current: SimClockConfig) {
        validateClockConfig(current)
    }
    static startingAt(simStartMs: number, scale: number): SimClock {
        return new SimClock({ originReal: realNowMs(), originSim: simStartMs, scale })
    }
    get scale(): number {
        return this.current.scale
    }
    /** Simulated Unix time in ms: scaled real time, held back to at most FOLLOW_SLACK_MS ahead of
     *  the slowest follower. */
    now(): number {
        const c = this.current
        let t = c.originSim + (realNowMs() - c.originReal) * c.scale
        if (this.followers.length) {
            let slowest = Infinity
            for (const f of this.followers) slowest = Math.min(slowest, f())
            const cap = slowest + FOLLOW_SLACK_MS
            if (t > cap) {
                // Held back: restart the scaled clock from here, so it does not race off once the
                // followers have caught up.
                this.current = { originReal: realNowMs(), originSim: Math.max(cap, this.latest), scale: c.scale }
                t = this.current.originSim
            }
        }
        this.latest = Math.max(this.latest, t)
        return this.latest
    }
    /** Changes the speed from now on, without a jump: fast-forward through quiet hours, slow down
     *  while a person (or a test playing one) presses a button with a 30-second window. */
    setScale(scale: number): void {
        this.current = validateClockConfig({ originReal: realNowMs(), originSim: this.now(), scale })
    }
    /**
     * Slows (or speeds) to `scale` and waits until every follower has caught up with the clock.
     * A busy follower trails by up to FOLLOW_SLACK_MS; without the catch-up it would live through
     * that slack in one jump after the change, and a 30-second button window opened meanwhile
     * would close before a press could arrive.
     */
    async changeScaleAndSettle(scale: number): Promise<void> {
        this.setScale(scale)
        await this.until(this.now())
    }
    /** Registers a process that runs behind this clock (a token on virtual time) and reports how far
     *  it has got; `until`/`sleep` then also wait for it. Returns an unregister. */
    follow(progress: () => number): () => void {
        this.followers.push(progress)
        return () => {
            this.followers = this.followers.filter(f => f !== progress)
        }
    }
    /** The earliest of this clock and every follower: what all of the simulation has lived through. */
    settledNow(): number {
        let t = this.now()
        for (const f of this.followers) t = Math.min(t, f())
        return t
    }
    /** Real milliseconds that `simMs` of simulated time take at the current speed. */
    toRealMs(simMs: number): number {
        return simMs / this.current.scale
    }
    /** Resolves when the simulated clock, and every process following it, has reached `simTimeMs`. */
    async until(simTimeMs: number): Promise<void> {
        for (;;) {
            const left = simTimeMs - this.now()
            if (left <= 0) break
            await new Promise(r => setTimeout(r, Math.max(1, this.toRealMs(left))))
        }
        while (this.settledNow() < simTimeMs) await new Promise(r => setTimeout(r, 5))
    }
    /** Resolves after `simMs` of simulated time. */
    sleep(simMs: number): Promise<void> {
        return this.until(this.now() + simMs)
    }
}
