// Defence against guessing processing numbers with a stolen kiosk API key. The rate limit alone
// (60 a minute) would let one key try ~86,000 numbers a day. Here every wrong number counts:
//   - per kiosk: after `perKiosk` wrong numbers within `windowMinutes`, the kiosk is locked out of
//     number checks until the window has passed (429 kiosk_locked);
//   - globally: after `global` wrong numbers within the window from all kiosks together, number
//     checks pause for everyone (503 verification_paused), so many stolen keys do not add up.
// A right number does not reset the count (an attacker could interleave its own valid number).
// In memory, per server process, like the rate limiter: with N processes the budgets are N times larger.
import { HttpError } from "../http/errors.js"

export interface GuessLimitConfig {
    /** Wrong numbers a kiosk may send per window before it is locked out. */
    perKiosk: number
    /** Wrong numbers all kiosks together may send per window before checks pause. */
    global: number
    windowMinutes: number
}

export const DEFAULT_GUESS_LIMIT: GuessLimitConfig = { perKiosk: 5, global: 200, windowMinutes: 60 }

export class GuessLimiter {
    private readonly failures = new Map<number, number[]>()
    private globalFailures: number[] = []

    constructor(private readonly config: GuessLimitConfig, private readonly clock: () => number = Date.now) {}

    private get windowMs(): number {
        return this.config.windowMinutes * 60_000
    }

    /** Drops failures that left the window; returns the kiosk's remaining ones. */
    private prune(kioskId: number, now: number): number[] {
        const from = now - this.windowMs
        this.globalFailures = this.globalFailures.filter(t => t > from)
        const mine = (this.failures.get(kioskId) ?? []).filter(t => t > from)
        if (mine.length > 0) this.failures.set(kioskId, mine)
        else this.failures.delete(kioskId)
        return mine
    }

    /** Throws the refusal when this kiosk (or everyone) has used up its wrong numbers for now. */
    check(kioskId: number): void {
        const now = this.clock()
        const mine = this.prune(kioskId, now)
        const retryIn = (oldest: number) => String(Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)))
        if (mine.length >= this.config.perKiosk) {
            throw new HttpError(429, "kiosk_locked",
                "too many wrong processing numbers from this kiosk; number checks are locked for a while (ask the health centre to confirm the number)",
                { "retry-after": retryIn(mine[0]) })
        }
        if (this.globalFailures.length >= this.config.global) {
            throw new HttpError(503, "verification_paused",
                "too many wrong processing numbers overall; number checks are paused for a while, nothing was stored",
                { "retry-after": retryIn(this.globalFailures[0]) })
        }
    }

    recordFailure(kioskId: number): void {
        const now = this.clock()
        this.failures.set(kioskId, [...this.prune(kioskId, now), now])
        this.globalFailures.push(now)
    }

    /** Wrong numbers one stolen key can try per day at most. */
    static guessesPerDay(config: GuessLimitConfig): number {
        return config.perKiosk * Math.floor(1440 / config.windowMinutes)
    }
}
