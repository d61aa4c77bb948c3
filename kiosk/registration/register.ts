// Registration at the kiosk: the owner presses the token's button, the token releases its keys, the
// kiosk prepares the upload (kept in memory) and sends it. Callers keep the PreparedUpload: if
// sending fails, sendUpload(prepared, …) again re-sends the same upload.
import type { ExportResult } from "../../lib/token-sync/sync-client.js"
import { afterButtonPress } from "../token/button.js"
import type { TokenSession } from "../token/session.js"
import { ensureOwnerSession } from "../token/owner-session.js"
import { KioskError } from "../errors.js"
import type { ProgressListener } from "../progress.js"
import type { RegistrationDetails } from "./details.js"
import { prepareUpload, type PreparedUpload } from "./upload.js"

export async function exportKeysForRegistration(
    session: TokenSession,
    details: RegistrationDetails,
    o: { onProgress?: ProgressListener; now?: () => number } = {}
): Promise<PreparedUpload> {
    const client = session.connection.client
    if (session.status.state === "stopped") throw new KioskError("token-stopped", "the token is stopped (decommissioned): it has no keys any more")
    // Keys are cut at the token's clock: a clock far off is corrected first (the owner's press).
    if (session.clockNeedsPress) await ensureOwnerSession(session, o.onProgress)
    const result = await afterButtonPress<ExportResult>({
        what: "a key export",
        request: () => client.requestKeyExport(),
        poll: () => client.exportKeys(),
        onWaiting: secondsLeft => o.onProgress?.({ step: "press-button", purpose: "export", secondsLeft }),
    })
    if (result.state !== "ready") throw new KioskError("token-lost", `unexpected export state ${result.state}`)
    return prepareUpload(result.keys, details, (o.now ?? Date.now)())
}
