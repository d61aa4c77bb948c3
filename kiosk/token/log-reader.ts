// A log read that survives an unplugged token: when the token stops answering, the kiosk says so,
// waits for the same token to come back (a new session on the same address), and resumes from the
// cursor of the last page it got, so only that page is read twice. The owner's press opens the
// token's session before the first page; the token keeps it through a short unplug (only the
// connection is dropped here, the session is not ended), so a re-plug needs no second press.
// The one way the kiosk reads a log: the web desk (which reconnects) and the CLI check (which
// does not: a lost token ends its check with the error).
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import { LogReadInterrupted } from "../../lib/token-sync/sync-client.js"
import { KioskError } from "../errors.js"
import type { ProgressListener } from "../progress.js"
import { onToken, type TokenSession } from "./session.js"
import { ensureOwnerSession } from "./owner-session.js"

export interface ResumingReadOptions {
    /** Opens a new session with the token at the same address; throws while it is not there.
     *  Without it, a lost connection ends the read with its error. */
    reconnect?(): Promise<TokenSession>
    onProgress?: ProgressListener
    /** Real milliseconds between tries to reach the token again. */
    retryMs?: number
    /** Stops waiting for the token (the person gave up). */
    signal?: AbortSignal
}

/** Reads the whole log; returns it with the session in use at the end (a new one after a re-plug). */
export async function readLogResuming(first: TokenSession, o: ResumingReadOptions): Promise<{ records: EncounterRecord[]; session: TokenSession }> {
    let session = first
    let resumeFrom: LogReadInterrupted | undefined
    for (;;) {
        try {
            await ensureOwnerSession(session, o.onProgress)
            const records = await session.connection.client.readLog({
                resumeFrom,
                onProgress: (read, total) => o.onProgress?.({ step: "read-log", read, total }),
            })
            return { records, session }
        } catch (e) {
            if (!(e instanceof LogReadInterrupted) || !o.reconnect) return onToken("reading the token's log", () => Promise.reject(e))
            resumeFrom = e
        }
        o.onProgress?.({ step: "token-unplugged", read: resumeFrom.records.length })
        await session.connection.close()
        session = await waitForSameToken(session.status.tokenId, o.reconnect, o)
        o.onProgress?.({ step: "token-back", read: resumeFrom.records.length })
    }
}

async function waitForSameToken(tokenId: string, reconnect: () => Promise<TokenSession>, o: ResumingReadOptions): Promise<TokenSession> {
    for (;;) {
        if (o.signal?.aborted) throw new KioskError("token-lost", "reading the token's log: the token did not come back")
        const again = await reconnect().catch(() => undefined)
        if (again && again.status.tokenId === tokenId) return again
        // Another token plugged in (or none yet): it is not read; wait for the one whose log this is.
        await again?.close()
        await new Promise(r => setTimeout(r, o.retryMs ?? 1000))
    }
}
