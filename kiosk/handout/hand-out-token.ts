// Handing out a new token at the kiosk, from the box to its owner: only a fresh token (no keys, no
// records, never stopped, clock never set); its clock set inside a session the owner's own press
// opened (the token's trusted first set); its Bluetooth sticker (kiosk/link/hand-out.ts). Nothing
// about the person is asked or kept: the token's owner is whoever carries it. The printed sheet for
// the owner is owner-sheet.ts.
import type { TokenStatus } from "../../lib/token-sync/sync-client.js"
import { KioskError } from "../errors.js"
import type { ProgressListener } from "../progress.js"
import { handOutLinkKey } from "../link/hand-out.js"
import { ensureOwnerSession } from "../token/owner-session.js"
import type { TokenSession } from "../token/session.js"

/** Why a token cannot be handed out: stopped; handed out already (its clock is set: it is in use);
 *  or used (keys or records, its clock lost since, as after a battery change without an RTC). */
export type NotFresh = "stopped" | "handed-out" | "used"

/** Undefined for a token fresh from the box; else what it is. */
export function notFresh(s: TokenStatus): NotFresh | undefined {
    if (s.state === "stopped") return "stopped"
    if (s.state !== "time-not-set") return "handed-out"
    if (s.keysHeld > 0 || s.recordsHeld > 0) return "used"
    return undefined
}

/** Refuses a token that is not fresh, with a message that says which kind it is. The session must
 *  have been opened without setting the clock (`openTokenSession(…, { setClock: false })`). */
export function requireFresh(session: TokenSession): void {
    const s = session.status
    const reason = notFresh(s)
    if (!reason) return
    const why =
        reason === "stopped"
            ? "it is stopped"
            : reason === "handed-out"
              ? `its clock is already set (it holds ${s.keysHeld} keys and ${s.recordsHeld} records)`
              : `it holds ${s.keysHeld} keys and ${s.recordsHeld} records`
    throw new KioskError("token-not-fresh", `this token cannot be handed out: ${why}`, { reason })
}

export interface HandOut {
    /** The sticker's code (holds the token's Bluetooth link key: print it, then forget it). */
    stickerCode: string
}

/**
 * The hand-out: the owner presses (request_session), the kiosk sets the clock inside that session,
 * then the owner presses again for the sticker's key. Progress: "press-button" with purpose
 * "session", then "sticker".
 */
export async function handOutToken(session: TokenSession, o: { onProgress?: ProgressListener } = {}): Promise<HandOut> {
    requireFresh(session)
    session.clockNeedsPress = true // the first set is made inside the owner's session, not before it
    await ensureOwnerSession(session, o.onProgress)
    if (session.status.state !== "active") throw new KioskError("token-lost", `the token's clock was set but it says ${session.status.state}`)
    const stickerCode = await handOutLinkKey(session, { onProgress: o.onProgress })
    return { stickerCode }
}
