// A log read that survives an unplugged token: when the token stops answering, the kiosk says so,
// waits for the same token to come back (a new session on the same address), and resumes from the
// cursor of the last page it got, so only that page is read twice. The owner's press opens the
// token's session before the first page; a pulled cable ends that session (it belongs to the
// host's connection: services/token-sync.md, "Sessions and hosts"), so after a re-plug the owner
// presses again before the read goes on.
// The one way the kiosk reads a log: the web desk (which reconnects) and the CLI check (which
// does not: a lost token ends its check with the error). A check reads it in two phases
// (twoPhaseLogRead: the digest, then the candidates' whole records); readLogResuming reads it whole.
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import { CandidateReadInterrupted, LogDigestInterrupted, LogReadInterrupted, type DigestEntry } from "../../lib/token-sync/sync-client.js"
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
    const { result, session } = await resuming(
        first,
        o,
        "reading the token's log",
        LogReadInterrupted,
        e => e.records.length,
        (s, resumeFrom) => s.connection.client.readLog({ resumeFrom, onProgress: (read, total) => o.onProgress?.({ step: "read-log", read, total }) })
    )
    return { records: result, session }
}

/**
 * A counter check's read of the log in two phases (services/token-sync.md, read_log_digest): the
 * digest of every record, then the whole records of the candidates the kiosk found in it. Each
 * phase resumes after an unplug as readLogResuming does, so every record is read once.
 * `session()` is the session in use (a new one after a re-plug).
 */
export function twoPhaseLogRead(first: TokenSession, o: ResumingReadOptions) {
    let session = first
    return {
        session: () => session,
        /** `onEntries`: after each burst, the entries read so far (sync-client.ts readLogDigest). */
        async readDigest(onEntries?: (entries: readonly DigestEntry[]) => void): Promise<DigestEntry[]> {
            const r = await resuming(
                session,
                o,
                "reading the token's log",
                LogDigestInterrupted,
                e => e.entries.length,
                (s, resumeFrom) =>
                    s.connection.client.readLogDigest({
                        resumeFrom,
                        total: s.status.recordsHeld,
                        onEntries,
                        onProgress: (read, total) => o.onProgress?.({ step: "read-log", read, total }),
                    })
            )
            session = r.session
            return r.result
        },
        async readCandidates(candidates: readonly DigestEntry[]): Promise<EncounterRecord[]> {
            o.onProgress?.({ step: "read-candidates", done: 0, total: candidates.length })
            const r = await resuming(
                session,
                o,
                "reading the token's records",
                CandidateReadInterrupted,
                e => e.done,
                (s, resumeFrom) =>
                    s.connection.client.readCandidateRecords(candidates, {
                        resumeFrom,
                        onProgress: (done, total) => o.onProgress?.({ step: "read-candidates", done, total }),
                    })
            )
            session = r.session
            return r.result
        },
    }
}

/**
 * Runs one read with `session` until it ends; when it is interrupted (an error of class
 * `Interrupted`, carrying what was read) and the reader may reconnect, waits for the same token and
 * goes on from there after the owner's press if the token asks for it again.
 */
async function resuming<T, I extends Error>(
    first: TokenSession,
    o: ResumingReadOptions,
    what: string,
    Interrupted: abstract new (...args: never[]) => I,
    readSoFar: (e: I) => number,
    read: (session: TokenSession, resumeFrom: I | undefined) => Promise<T>
): Promise<{ result: T; session: TokenSession }> {
    let session = first
    let resumeFrom: I | undefined
    for (;;) {
        try {
            await ensureOwnerSession(session, o.onProgress)
            return { result: await read(session, resumeFrom), session }
        } catch (e) {
            if (!(e instanceof Interrupted) || !o.reconnect) return onToken(what, () => Promise.reject(e))
            resumeFrom = e
        }
        o.onProgress?.({ step: "token-unplugged", read: readSoFar(resumeFrom) })
        await session.connection.close()
        session = await waitForSameToken(session.status.tokenId, o.reconnect, o)
        o.onProgress?.({ step: "token-back", read: readSoFar(resumeFrom) })
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
