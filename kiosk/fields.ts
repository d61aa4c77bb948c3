// What a person types at the kiosk (a registration, the shutdown survey), checked the same way
// wherever it was typed. A wrong value is a FieldError naming the field: the web app shows the
// field's name in the person's language (kiosk/i18n/fields.ts), the command line names its flag
// instead (kiosk/cli/options.ts).
import { KioskError } from "./errors.js"

export type Field = "processingNumber" | "symptoms" | "onset" | "age" | "commute" | "startDate" | "consentStartDate"

/** What is wrong with a field's value; `value` is what was typed. */
export type FieldProblem =
    | { kind: "missing" }
    | { kind: "processing-number-digits"; value: string }
    | { kind: "yes-or-no"; value: string }
    | { kind: "date-format"; value: string }
    | { kind: "future"; value: string; today?: string }
    | { kind: "range"; value: string; min: number; max: number }
    /** Missing although another field asks for it (the onset with symptoms, the start date with its consent). */
    | { kind: "needed-with"; other: Field }
    /** Given without its own consent (another field). */
    | { kind: "needs-consent"; consent: Field }

export class FieldError extends KioskError {
    constructor(
        readonly field: Field,
        readonly problem: FieldProblem
    ) {
        super(
            "invalid-field",
            describeFieldProblem(field, problem, f => f),
            {
                field,
                problem: problem.kind,
                ...("min" in problem && { min: problem.min, max: problem.max }),
                ...("today" in problem && problem.today !== undefined && { today: problem.today }),
            }
        )
    }

    /** The technical message (for staff and --json) with each field called by `name`. */
    describe(name: (f: Field) => string): string {
        return describeFieldProblem(this.field, this.problem, name)
    }
}

function describeFieldProblem(field: Field, p: FieldProblem, name: (f: Field) => string): string {
    const n = name(field)
    switch (p.kind) {
        case "missing":
            return field === "processingNumber" ? `${n} is missing: give the 8-digit number (処理番号) from the health centre` : `${n} is missing`
        case "processing-number-digits":
            return `${n} ${JSON.stringify(p.value)}: a processing number is exactly 8 digits`
        case "yes-or-no":
            return `${n} ${p.value}: expected yes or no`
        case "date-format":
            return `${n} ${p.value}: expected a date as YYYY-MM-DD`
        case "future":
            return `${n} ${p.value}: the date is in the future${p.today ? ` (today is ${p.today})` : ""}`
        case "range":
            return `${n} ${p.value}: expected a whole number from ${p.min} to ${p.max}`
        case "needed-with":
            return p.other === "symptoms"
                ? `${n} is missing: with ${name(p.other)} yes, give the day the symptoms began (YYYY-MM-DD)`
                : `${name(p.other)} needs ${n} YYYY-MM-DD (the day the token was first used)`
        case "needs-consent":
            return `${n} is given without ${name(p.consent)}: the start date is only sent with its own consent`
    }
}

/** A whole number in [min, max] as typed; undefined when it is not one. */
export function wholeNumberIn(value: string, min: number, max: number): number | undefined {
    const n = Number(value)
    return value.trim() !== "" && Number.isInteger(n) && n >= min && n <= max ? n : undefined
}

/** A calendar date YYYY-MM-DD as UTC midnight in ms; undefined for anything else. Impossible
 *  dates (2024-02-30) are refused, not rolled over into the next month as Date.parse does. */
export function calendarDate(value: string): number | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
    if (!m) return undefined
    const ms = Date.UTC(+m[1], +m[2] - 1, +m[3])
    const d = new Date(ms)
    return d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] ? ms : undefined
}

/** A field's whole number in [min, max]; undefined when nothing was typed. */
export function wholeNumberField(field: Field, value: string | undefined, min: number, max: number): number | undefined {
    if (value === undefined) return undefined
    const n = wholeNumberIn(value, min, max)
    if (n === undefined) throw new FieldError(field, { kind: "range", value, min, max })
    return n
}

/** A field's calendar date, as UTC midnight in ms. */
export function dateField(field: Field, value: string): number {
    const ms = calendarDate(value)
    if (ms === undefined) throw new FieldError(field, { kind: "date-format", value })
    return ms
}
