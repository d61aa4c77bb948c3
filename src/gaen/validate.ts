// Argument checks shared by the GAEN modules. A bad input must raise an Error that names what was
// wrong; it must never silently produce a wrong identifier (e.g. a 15-byte TEK, or an interval that
// was truncated to 32 bits).
import { MAX_EN_INTERVAL_NUMBER, TEK_BYTES, TEK_ROLLING_PERIOD, TX_POWER_MAX_DBM, TX_POWER_MIN_DBM } from "./constants"

/** A finite whole number (NaN and Infinity are not). */
export function isWholeNumber(value: any): boolean {
    return typeof value === "number" && !isNaN(value) && Math.floor(value) === value && Math.abs(value) !== Infinity
}

/** Throws unless `value` is a Buffer of exactly `length` bytes. */
export function requireBytes(value: any, length: number, what: string): void {
    if (!(value instanceof Buffer)) throw new TypeError(`${what} must be a Buffer of ${length} bytes, got ${typeof value}`)
    if (value.length !== length) throw new TypeError(`${what} must be ${length} bytes, got ${value.length} bytes`)
}

export function requireTek(tek: any): void {
    requireBytes(tek, TEK_BYTES, "TEK")
}

/** An EN interval number is a whole number in 0...2^32-1 (it is sent as a uint32). */
export function requireIntervalNumber(enin: any, what = "EN interval number"): void {
    if (!isWholeNumber(enin) || enin < 0 || enin > MAX_EN_INTERVAL_NUMBER)
        throw new RangeError(`${what} must be a whole number in 0...${MAX_EN_INTERVAL_NUMBER}, got ${enin}`)
}

/** A rolling period is a whole number of intervals in 1...144. */
export function requireRollingPeriod(period: any): void {
    if (!isWholeNumber(period) || period < 1 || period > TEK_ROLLING_PERIOD)
        throw new RangeError(`rolling period must be a whole number in 1...${TEK_ROLLING_PERIOD}, got ${period}`)
}

/** TX power travels as one signed byte. */
export function requireTxPower(txPower: any): void {
    if (!isWholeNumber(txPower) || txPower < TX_POWER_MIN_DBM || txPower > TX_POWER_MAX_DBM)
        throw new RangeError(`TX power must be a whole number of dBm in ${TX_POWER_MIN_DBM}...${TX_POWER_MAX_DBM}, got ${txPower}`)
}
