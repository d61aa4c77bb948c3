// Which uploaded keys are kept, as COCOA's server decided: not in the future (beyond a kiosk's few
// minutes of clock skew), at most 14 days old,
// and inside the infectious window around the onset of symptoms (or the test date when asymptomatic).
// Keys failing these are dropped (with a reason), not the whole upload.
import { INFECTIOUS_WINDOW_DAYS, DAY_MS, FUTURE_KEY_TOLERANCE_MS } from "../protocol.js"
import { enIntervalNumber, keyDay, RETENTION_DAYS } from "../../lib/gaen/index.js"
import type { UploadedKey } from "./request.js"

export interface KeptKey extends UploadedKey {
    daysSinceOnsetOfSymptoms: number
}

export interface FilterResult {
    kept: KeptKey[]
    dropped: { index: number; reason: string }[]
}

export function filterKeys(keys: UploadedKey[], opts: { hasSymptom: boolean; onsetDay: number; now: number }): FilterResult {
    const latestStart = enIntervalNumber((opts.now + FUTURE_KEY_TOLERANCE_MS) / 1000)
    const today = Math.floor(opts.now / DAY_MS)
    const window = opts.hasSymptom ? INFECTIOUS_WINDOW_DAYS.symptomatic : INFECTIOUS_WINDOW_DAYS.asymptomatic
    const anchor = opts.hasSymptom ? "onset of symptoms" : "test date"
    const result: FilterResult = { kept: [], dropped: [] }
    keys.forEach((k, index) => {
        const day = keyDay(k.rollingStartNumber)
        const sinceOnset = day - opts.onsetDay
        let reason: string | undefined
        if (k.rollingStartNumber > latestStart) reason = "starts in the future"
        else if (day < today - RETENTION_DAYS) reason = `older than ${RETENTION_DAYS} days`
        else if (sinceOnset < window.from || sinceOnset > window.to) {
            reason = `day ${sinceOnset >= 0 ? "+" : ""}${sinceOnset} from the ${anchor} is outside the infectious window (${window.from} to +${window.to})`
        }
        if (reason) result.dropped.push({ index, reason })
        else result.kept.push({ ...k, daysSinceOnsetOfSymptoms: sinceOnset })
    })
    return result
}
