// The owner's press for a kiosk session: reading the log (a check) and a large clock change need it
// (services/token-sync.md). One press opens one session; the kiosk asks only when none is open, so a
// check stays one press. Once open, a clock the token would not take without the press is set now,
// ahead or back, once the kiosk has checked its own clock against the notification server's
// (kiosk-clock.ts): then a token whose records lie in the kiosk's future is the one that is wrong,
// and the press repairs it (the token erases what it stamped in its false future). Without a server
// to check against, a kiosk behind the token's log assumes its own clock is wrong and sets nothing.
import { KioskError } from "../errors.js"
import { checkKioskClock } from "./kiosk-clock.js"
import type { ProgressListener } from "../progress.js"
import { afterButtonPress } from "./button.js"
import { onToken, type TokenSession } from "./session.js"

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString()

/** Makes sure the owner's session is open (asking for the press if needed) and the token's clock set. */
export async function ensureOwnerSession(session: TokenSession, onProgress?: ProgressListener): Promise<void> {
    const client = session.connection.client
    if ((await onToken("reading the token's session", () => client.session())) !== "open") {
        await afterButtonPress({
            what: "opening a session",
            request: () => client.requestSession(),
            poll: async () => {
                const s = await client.session()
                return { state: s === "open" ? "ready" : s === "waiting-for-button" ? "waiting-for-button" : "not-requested" }
            },
            onWaiting: secondsLeft => onProgress?.({ step: "press-button", purpose: "session", secondsLeft }),
        })
    }
    if (session.clockNeedsPress) await setClockAfterPress(session)
}

async function setClockAfterPress(session: TokenSession) {
    const client = session.connection.client
    const kioskNow = Math.floor(session.now() / 1000)
    const newest = await onToken("reading the token's newest record time", () => client.newestRecordTime())
    if (session.clockReference) await checkKioskClock(session.clockReference, session.now)
    else if (kioskNow < newest)
        throw new KioskError(
            "kiosk-clock-wrong",
            `the kiosk's clock (${iso(kioskNow)}) is earlier than the token's newest record (${iso(newest)}) and there is no server to check it against; the token's clock was left as it is`,
            { kiosk: iso(kioskNow), newest: iso(newest) }
        )
    const recordsBefore = session.status.recordsHeld
    const r = await onToken("setting the token's clock", () => client.setTime(Math.floor(session.now() / 1000)))
    if (r.outcome !== "set") throw new KioskError("token-lost", `the token did not take the kiosk's clock after the owner's press (${r.outcome})`)
    session.driftSeconds = r.drift
    session.clockNeedsPress = false
    session.status = await onToken("reading the token's status", () => client.status())
    session.clockRepair = {
        tokenOffSeconds: r.drift,
        futureRecordsErased: newest > kioskNow ? Math.max(0, recordsBefore - session.status.recordsHeld) : 0,
    }
}
