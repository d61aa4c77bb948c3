// Per-kiosk rate limit: a token bucket per kiosk id, in memory. A kiosk registers a few people an
// hour, so the default (60 requests a minute, bursts of 60) only stops a runaway or stolen key.
// In memory on purpose: after a restart every kiosk simply starts with a full bucket.

export interface RateLimitConfig {
    /** Sustained requests per minute per kiosk. */
    perMinute: number
    /** Bucket size: requests allowed at once after an idle period. */
    burst: number
}

export class RateLimiter {
    private readonly buckets = new Map<number, { tokens: number; at: number }>()

    constructor(
        private readonly config: RateLimitConfig,
        private readonly clock: () => number = Date.now
    ) {}

    /** Takes one token for `kioskId`; returns 0 when allowed, else the seconds to wait. */
    take(kioskId: number): number {
        const now = this.clock()
        const perMs = this.config.perMinute / 60_000
        const b = this.buckets.get(kioskId) ?? { tokens: this.config.burst, at: now }
        // A clock stepping backwards (NTP, tests) must not drain the bucket.
        b.tokens = Math.min(this.config.burst, b.tokens + Math.max(0, now - b.at) * perMs)
        b.at = Math.max(b.at, now)
        this.buckets.set(kioskId, b)
        if (b.tokens >= 1) {
            b.tokens -= 1
            return 0
        }
        return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000))
    }
}
