// Values typed on the command line, checked the same way for every flag: the error names the flag
// and the value, so the person sees exactly what to fix. The kiosk's fields (kiosk/fields.ts) are
// checked where they are parsed and name the field; the command line renames them to its flags.
import { KioskError } from "../errors.js"
import { FieldError, wholeNumberIn, type Field } from "../fields.js"

/** The flag each field is typed with on the command line. */
export const FLAG_OF_FIELD: Record<Field, string> = {
    processingNumber: "--processing-number",
    symptoms: "--symptoms",
    onset: "--onset",
    age: "--age",
    commute: "--commute",
    startDate: "--start-date",
    consentStartDate: "--consent-start-date",
}

/** A field's error told in the command line's terms (its flags); any other error as it is. */
export function inFlagTerms(e: unknown): unknown {
    return e instanceof FieldError
        ? new KioskError(
              "usage",
              e.describe(f => FLAG_OF_FIELD[f]),
              e.params
          )
        : e
}

/** A whole number in [min, max]; undefined when the flag was not given. */
export function intOption(value: string | undefined, flag: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined
    const n = wholeNumberIn(value, min, max)
    if (n === undefined) throw new KioskError("usage", `${flag} ${value}: expected a whole number from ${min} to ${max}`)
    return n
}
