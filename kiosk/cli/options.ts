// Values typed on the command line, checked the same way for every flag: the error names the flag
// and the value, so the person sees exactly what to fix.
import { KioskError } from "../errors.js"

/** A whole number in [min, max]; undefined when the flag was not given. */
export function intOption(value: string | undefined, flag: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new KioskError("usage", `${flag} ${value}: expected a whole number from ${min} to ${max}`)
    return n
}

/** A calendar date YYYY-MM-DD, as UTC midnight in ms. Impossible dates (2024-02-30) are refused,
 *  not rolled over into the next month as Date.parse does. */
export function dateOption(value: string, flag: string): number {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
    const ms = m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN
    const d = new Date(ms)
    if (!m || Number.isNaN(ms) || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3])
        throw new KioskError("usage", `${flag} ${value}: expected a date as YYYY-MM-DD`)
    return ms
}
