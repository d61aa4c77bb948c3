// Argument checks shared by the host GAEN modules (same rules and messages as src/gaen/validate.ts).
// A bad input raises an Error naming what was wrong; it never yields a wrong identifier.
import { MAX_EN_INTERVAL_NUMBER, TEK_BYTES, TEK_ROLLING_PERIOD, TX_POWER_MAX_DBM, TX_POWER_MIN_DBM } from "./constants.js"

export function requireBytes(value: unknown, length: number, what: string): asserts value is Uint8Array {
    if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array of ${length} bytes, got ${describe(value)}`)
    if (value.length !== length) throw new TypeError(`${what} must be ${length} bytes, got ${value.length} bytes`)
}

export function requireTek(tek: unknown): asserts tek is Uint8Array {
    requireBytes(tek, TEK_BYTES, "TEK")
}

/** An EN interval number is a whole number in 0...2^32-1 (it is sent as a uint32). */
export function requireIntervalNumber(enin: unknown, what = "EN interval number"): asserts enin is number {
    if (!Number.isInteger(enin) || (enin as number) < 0 || (enin as number) > MAX_EN_INTERVAL_NUMBER)
        throw new RangeError(`${what} must be a whole number in 0...${MAX_EN_INTERVAL_NUMBER}, got ${describe(enin)}`)
}

/** A rolling period is a whole number of intervals in 1...144. */
export function requireRollingPeriod(period: unknown): asserts period is number {
    if (!Number.isInteger(period) || (period as number) < 1 || (period as number) > TEK_ROLLING_PERIOD)
        throw new RangeError(`rolling period must be a whole number in 1...${TEK_ROLLING_PERIOD}, got ${describe(period)}`)
}

/** TX power travels as one signed byte. */
export function requireTxPower(txPower: unknown): asserts txPower is number {
    if (!Number.isInteger(txPower) || (txPower as number) < TX_POWER_MIN_DBM || (txPower as number) > TX_POWER_MAX_DBM)
        throw new RangeError(`TX power must be a whole number of dBm in ${TX_POWER_MIN_DBM}...${TX_POWER_MAX_DBM}, got ${describe(txPower)}`)
}

function describe(value: unknown): string {
    if (value instanceof Uint8Array) return `${value.length} bytes`
    if (typeof value === "string") return JSON.stringify(value)
    return String(value)
}
