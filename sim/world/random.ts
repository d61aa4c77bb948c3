// Counter-based random numbers: every draw is a pure function of a key (scenario seed, sender,
// receiver, packet time, purpose). The tokens' scans reach the world in whatever order their
// processes send them; keyed draws make the channel's answer independent of that order.

/** A 32-bit integer hash with good avalanche (the finaliser of MurmurHash3). */
function mix32(h: number): number {
    h ^= h >>> 16
    h = Math.imul(h, 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
    return h >>> 0
}

/** Hashes a list of numbers (integers or not) into 32 bits. */
export function hashKey(...parts: number[]): number {
    let h = 0x9e3779b9
    for (const p of parts) {
        // Split doubles (packet times in ms exceed 32 bits) into two 32-bit halves.
        const lo = p >>> 0
        const hi = Math.floor(p / 4294967296) >>> 0
        h = mix32(h ^ lo) + 0x7f4a7c15
        h = mix32(h ^ hi)
    }
    return h
}

/** A uniform number in [0, 1) determined by the key. */
export function uniform(...key: number[]): number {
    return hashKey(...key) / 4294967296
}

/** A standard normal number determined by the key (Box–Muller on two keyed uniforms). */
export function gaussian(...key: number[]): number {
    const u1 = 1 - uniform(...key, 1) // (0, 1]: log is finite
    const u2 = uniform(...key, 2)
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/** A string (token id) as a number usable in a key. */
export function keyOf(text: string): number {
    let h = 0x811c9dc5 // FNV-1a
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
    return h >>> 0
}
