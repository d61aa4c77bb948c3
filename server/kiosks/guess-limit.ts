// Defence against guessing processing numbers with a stolen kiosk API key. The rate limit alone
// (60 a minute) would let one key try ~86,000 numbers a day. Here every wrong number counts:
//   - per kiosk: after `perKiosk` wrong numbers within `windowMinutes`, the kiosk is locked out of
//     number checks until the window has passed (429 kiosk_locked);
//   - globally: after `global` wrong numbers within the window from all kiosks together, number
//     checks pause for everyone (503 verification_paused), so many stolen keys do not add up.
// A right number does not reset the count (an attacker could interleave its own valid number).
// The counts live in the database (Storage.recordWrongNumber), so all server processes on one
// database share the budgets and a restart does not reset them.
import { HttpError } from "../http/errors.js"
import type { Storage } from "../storage/storage.js"

export interface GuessLimitConfig {
    /** Wrong numbers a kiosk may send per window before it is locked out. */
    perKiosk: number
    /** Wrong numbers all kiosks together may send per window before checks pause. */
    global: number
    windowMinutes: number
}

export const DEFAULT_GUESS_LIMIT: GuessLimitConfig = { perKiosk: 5, global: 200, windowMinutes: 60 }

export class GuessLimiter {
    constructor(
        private readonly config: GuessLimitConfig,
        private readonly storage: Storage,
        private readonly clock: () => number = Date.now
    ) {}

    private get windowMs(): number {
        return this.config.windowMinutes * 60_000
    }

    /** Throws the refusal when this kiosk (or everyone) has used up its wrong numbers for now. */
    async check(kioskId: number): Promise<void> {
        const now = this.clock()
        const counts = await this.storage.countWrongNumbers(kioskId, now - this.windowMs)
        const retryIn = (oldest = now) => String(Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)))
        if (counts.kiosk >= this.config.perKiosk) {
            throw new HttpError(
                429,
                "kiosk_locked",
                "too many wrong processing numbers from this kiosk; number checks are locked for a while (ask the health centre to confirm the number)",
                { "retry-after": retryIn(counts.kioskOldest) }
            )
        }
        if (counts.all >= this.config.global) {
            throw new HttpError(
                503,
                "verification_paused",
                "too many wrong processing numbers overall; number checks are paused for a while, nothing was stored",
                { "retry-after": retryIn(counts.allOldest) }
            )
        }
    }

    async recordFailure(kioskId: number): Promise<void> {
        const now = this.clock()
        await this.storage.recordWrongNumber(kioskId, now, now - this.windowMs)
    }

    /** Wrong numbers one stolen key can try per day at most. */
    static guessesPerDay(config: GuessLimitConfig): number {
        return config.perKiosk * Math.floor(1440 / config.windowMinutes)
    }
}
