// What the person tells the kiosk for a registration, checked before the token is touched: the
// processing number (処理番号, 8 digits from HER-SYS), whether they had symptoms, and the date the
// symptoms began (or, without symptoms, the test date). A wrong value names its field.
import { FieldError, dateField } from "../fields.js"

import { PROCESSING_NUMBER_PATTERN } from "../../lib/cocoa/protocol.js"

export interface RegistrationDetails {
    processingNumber: string
    hasSymptom: boolean
    /** YYYY-MM-DD on the kiosk's calendar: onset of symptoms, or the test date. */
    onsetDate: string
    region: string
}

/** The kiosk's local calendar date of `ms`. */
export function localDate(ms: number): string {
    const d = new Date(ms)
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`
}

export function validProcessingNumber(text: string | undefined): string {
    const t = (text ?? "").trim()
    if (!t) throw new FieldError("processingNumber", { kind: "missing" })
    // Full-width digits are what a Japanese keyboard often gives; accept them as the same number.
    const ascii = t.replace(/[０-９]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    if (!PROCESSING_NUMBER_PATTERN.test(ascii)) throw new FieldError("processingNumber", { kind: "processing-number-digits", value: t })
    return ascii
}

export function parseRegistrationDetails(
    input: { processingNumber?: string; onset?: string; symptoms?: string; region: string },
    now: number
): RegistrationDetails {
    const processingNumber = validProcessingNumber(input.processingNumber)
    let hasSymptom = false
    if (input.symptoms !== undefined) {
        if (input.symptoms !== "yes" && input.symptoms !== "no") throw new FieldError("symptoms", { kind: "yes-or-no", value: input.symptoms })
        hasSymptom = input.symptoms === "yes"
    }
    const today = localDate(now)
    if (input.onset === undefined) {
        if (hasSymptom) throw new FieldError("onset", { kind: "needed-with", other: "symptoms" })
        return { processingNumber, hasSymptom, onsetDate: today, region: input.region }
    }
    dateField("onset", input.onset) // only checked: the date is sent as typed
    if (input.onset > today) throw new FieldError("onset", { kind: "future", value: input.onset, today })
    return { processingNumber, hasSymptom, onsetDate: input.onset, region: input.region }
}
