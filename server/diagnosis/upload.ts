// PUT /v3/diagnosis: the registration flow (② to ④ in the seed's diagram).
//   401/429 kiosk guard -> 410 end of service -> 413 size -> 400 malformed -> 403 region -> 400 no eligible key
//   -> X-Chaff: answer 200 like a real upload, store nothing, consume nothing
//   -> idempotent replay: the answer stored for (kiosk, idempotency_key), without verifying again
//   -> guessing defence: 429 kiosk_locked / 503 verification_paused after too many wrong numbers
//   -> processing number: 406 rejected (one message for every wrong number), 503 verifier unavailable
//   -> store keys + answer + spend the number, atomically -> 200
import { createHash } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpError, badRequest, invalid } from "../http/errors.js"
import { readJson } from "../http/body.js"
import { sendJson, sendJsonText } from "../http/respond.js"
import type { KioskGuard } from "../kiosks/guard.js"
import { ProcessingNumberSpentError, type Storage, type DiagnosisKeyRecord } from "../storage/storage.js"
import type { GuessLimiter } from "../kiosks/guess-limit.js"
import type { ProcessingNumberVerifier } from "../verification/verifier.js"
import { parseDiagnosisRequest } from "./request.js"
import { filterKeys } from "./key-filter.js"
import { MAX_DIAGNOSIS_BODY_BYTES, DAY_MS } from "../protocol.js"
import { CHAFF_HEADER } from "../../lib/cocoa/protocol.js"

export interface DiagnosisDeps {
    storage: Storage
    verifier: ProcessingNumberVerifier
    guard: KioskGuard
    guesses: GuessLimiter
    regions: readonly string[]
    clock: () => number
}

/** The 200 body. Identical in shape for chaff, so chaff cannot be told apart by its answer. */
interface UploadAnswer {
    accepted: number
    dropped: { index: number; reason: string }[]
}

/** One answer for unknown, used and expired numbers alike, so a guesser learns nothing from it. */
const numberRejected = () =>
    new HttpError(
        406,
        "processing_number_rejected",
        "the processing number is not valid (it may be mistyped, already used or expired); please check it with the health centre"
    )

export function diagnosisHandler(deps: DiagnosisDeps) {
    // Concurrent retries of one upload wait for the first instead of spending the number twice.
    const inFlight = new Map<string, Promise<string>>()

    return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        const kiosk = await deps.guard(req)
        if ((await deps.storage.endOfServiceAt()) !== undefined) {
            throw new HttpError(
                410,
                "end_of_service",
                "the programme has ended: no new registrations are accepted (published keys stay available until they expire; the survey stays open)"
            )
        }
        const request = parseDiagnosisRequest(await readJson(req, MAX_DIAGNOSIS_BODY_BYTES))

        const unserved = request.regions.filter(r => !deps.regions.includes(r))
        if (unserved.length > 0) {
            throw new HttpError(403, "region_not_served", `region ${unserved.join(", ")} is not served here (served: ${deps.regions.join(", ")})`)
        }

        const now = deps.clock()
        const today = Math.floor(now / DAY_MS)
        if (request.onsetDay > today + 1) throw invalid("onsetOfSymptomOrTestDate", "the date is in the future")
        const { kept, dropped } = filterKeys(request.keys, { hasSymptom: request.hasSymptom, onsetDay: request.onsetDay, now })
        if (kept.length === 0) {
            throw badRequest("no_eligible_keys", `no key is eligible: ${dropped.map(d => `keys[${d.index}] ${d.reason}`).join("; ")}`)
        }
        const answer: UploadAnswer = { accepted: kept.length, dropped }

        if (req.headers[CHAFF_HEADER] !== undefined) {
            sendJson(res, 200, answer)
            return
        }

        const idempotencyHash = createHash("sha256").update(`${kiosk.id}\n${request.idempotencyKey}`).digest()
        const slot = idempotencyHash.toString("hex")
        let pending = inFlight.get(slot)
        if (!pending) {
            pending = (async () => {
                const previous = await deps.storage.findUploadResponse(idempotencyHash)
                if (previous !== undefined) return previous

                await deps.guesses.check(kiosk.id)
                const verdict = await deps.verifier.verify(request.processingNumber)
                if (verdict.status === "rejected") {
                    await deps.guesses.recordFailure(kiosk.id)
                    throw numberRejected()
                }
                if (verdict.status === "unavailable") {
                    throw new HttpError(
                        503,
                        "verification_unavailable",
                        `the processing number could not be checked; nothing was stored, try again later (${verdict.reason})`,
                        { "retry-after": "60" }
                    )
                }
                const records: DiagnosisKeyRecord[] = request.regions.flatMap(region =>
                    kept.map(k => ({
                        region,
                        keyData: k.keyData,
                        rollingStartIntervalNumber: k.rollingStartNumber,
                        rollingPeriod: k.rollingPeriod,
                        reportType: k.reportType,
                        daysSinceOnsetOfSymptoms: k.daysSinceOnsetOfSymptoms,
                    }))
                )
                const response = JSON.stringify(answer)
                const spendProcessingNumber = verdict.spend === undefined ? undefined : { number: verdict.spend, now }
                try {
                    await deps.storage.saveUpload({ idempotencyHash, day: today, response, keys: records, spendProcessingNumber })
                } catch (err) {
                    // Another upload spent the number between the check and the store.
                    if (err instanceof ProcessingNumberSpentError) throw numberRejected()
                    throw err
                }
                return response
            })().finally(() => inFlight.delete(slot))
            inFlight.set(slot, pending)
        }
        sendJsonText(res, 200, await pending)
    }
}
