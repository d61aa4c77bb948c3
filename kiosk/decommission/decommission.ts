// Decommission, in COCOA 3.0.0's order: send the optional survey first and stop if that fails (the
// token is untouched then); after the owner's button press the token stops for good, erases its log,
// keys and settings, and reads everything back. The kiosk shows that proof.
import { afterButtonPress } from "../token/button.js"
import type { DecommissionResult } from "../../lib/token-sync/sync-client.js"
import type { TokenSession } from "../token/session.js"
import { KioskError } from "../errors.js"
import type { RetryPolicy } from "../http/server-client.js"
import type { ProgressListener } from "../progress.js"
import type { UploadTarget } from "../registration/upload.js"
import { sendSurvey, type PreparedSurvey } from "./survey.js"

export interface ErasureProof {
    bytesChecked: number
    bytesNotErased: number
}

export interface DecommissionOutcome {
    survey: { sent: false } | { sent: true; stored: number }
    erasure: ErasureProof
}

export async function decommissionToken(
    session: TokenSession,
    o: { survey?: PreparedSurvey; target?: UploadTarget; retry?: RetryPolicy; onProgress?: ProgressListener }
): Promise<DecommissionOutcome> {
    if (session.status.state === "stopped") throw new KioskError("token-stopped", "the token is already stopped (decommissioned)")
    let survey: DecommissionOutcome["survey"] = { sent: false }
    if (o.survey) {
        if (!o.target) throw new KioskError("usage", "a survey needs --server and the kiosk's API key")
        try {
            survey = { sent: true, ...(await sendSurvey(o.survey, o.target, { retry: o.retry, onProgress: o.onProgress })) }
        } catch (e) {
            const why = e instanceof Error ? e.message : String(e)
            throw new KioskError("survey-not-sent", `the survey could not be sent, so the token was not stopped or erased: ${why}`)
        }
    }
    const client = session.connection.client
    const result = await afterButtonPress<DecommissionResult>({
        what: "decommissioning",
        request: () => client.requestDecommission(),
        poll: () => client.decommission(),
        onWaiting: secondsLeft => o.onProgress?.({ step: "press-button", purpose: "decommission", secondsLeft }),
        hopeless: answer => {
            const failed = answer.state === "erasing" ? answer.failed : undefined
            if (!failed || failed.attempts < ERASE_ATTEMPTS) return undefined
            return eraseIncomplete(failed, `after ${failed.attempts} attempts`)
        },
    })
    if (result.state !== "done") throw new KioskError("token-lost", `unexpected decommission state ${result.state}`)
    const erasure = { bytesChecked: result.bytesChecked, bytesNotErased: result.bytesNotErased }
    if (erasure.bytesNotErased !== 0) throw eraseIncomplete(erasure, "in its proof")
    return { survey, erasure }
}

/** Failed read-backs after which the kiosk stops waiting: an erase that fails this often in a row
 *  is a flash that will not erase (worn-out or damaged cells), not a passing fault. The token
 *  itself keeps trying. */
export const ERASE_ATTEMPTS = 3

function eraseIncomplete(readBack: ErasureProof, when: string) {
    return new KioskError("erase-incomplete", `the token read back ${readBack.bytesNotErased} of ${readBack.bytesChecked} bytes not erased ${when}`, {
        bytesChecked: readBack.bytesChecked,
        bytesNotErased: readBack.bytesNotErased,
    })
}
