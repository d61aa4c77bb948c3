// A seeded generator (mulberry32) for tests and generator scripts that draw random cases: a
// failing run names its seed and replays exactly with it.

export interface SeededRandom {
    /** In [0, 1). */
    next(): number
    /** An integer from lo to hi, both included. */
    int(lo: number, hi: number): number
    bytes(n: number): Uint8Array
    pick<T>(xs: readonly T[]): T
}

export function seededRandom(seed: number): SeededRandom {
    let a = seed >>> 0
    const next = () => {
        a = (a + 0x6d2b79f5) >>> 0
        let t = a
        t = Math.imul(t ^ (t >>> 15), t | 1)
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
        return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
    }
    return {
        next,
        int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
        bytes: n => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
        pick: xs => xs[Math.floor(next() * xs.length)],
    }
}

/** The seed from `envName` when set (to replay a failure), else a fresh one; always printed by callers. */
export function seedFrom(envName: string): number {
    const fromEnv = process.env[envName]
    if (fromEnv !== undefined && fromEnv !== "") {
        const seed = Number(fromEnv)
        if (!Number.isInteger(seed)) throw new Error(`${envName}=${fromEnv}: expected an integer seed`)
        return seed
    }
    return Math.floor(Math.random() * 2 ** 31)
}
