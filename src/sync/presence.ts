// Physical presence: everything that reveals or destroys (the log, the keys, the end of use, a large
// clock change) needs the owner's button. A kiosk asks; the owner presses within 30 seconds; the
// press does what was asked and opens one kiosk session, so a check stays one press. The session
// ends when the kiosk ends it, when the kiosk's connection ends, after SESSION_IDLE_MS without a
// guarded command, or SESSION_MAX_MS after the press, whichever comes first. All times are token time.
// A session belongs to the host that asked for the press: the USB port (one host at a time, its
// bridge ends the session when that host goes: services/token-sync.md) or the Bluetooth sync link
// (one connection; its end ends the session). Only that host may use it or keep it alive.
import * as ds from "@devicescript/core"

/** How long the owner has to press the button after a kiosk asks. */
export const CONFIRM_WINDOW_MS = 30_000
/** A session closes after this long without a guarded command (the kiosk went away). */
export const SESSION_IDLE_MS = 2 * 60_000
/** … and at the latest this long after the press (a full 1 MiB log reads in about 4 minutes). */
export const SESSION_MAX_MS = 30 * 60_000

// What a kiosk asked the owner to confirm.
export const PURPOSE_NONE = 0
export const PURPOSE_SESSION = 1
export const PURPOSE_EXPORT = 2
export const PURPOSE_DECOMMISSION = 3
/** Handing out the Bluetooth link key for the sticker (src/link/hand-out.ts). */
export const PURPOSE_LINK_KEY = 4

// Which host a request, and the session it opens, belongs to.
/** The USB port (in the simulator, the TCP bus): its bridge serves one host at a time. */
export const HOST_USB = 1
/** The Bluetooth sync link (src/link/sync-link.ts): one connection at a time. */
export const HOST_LINK = 2

export class OwnerPresence {
    private purpose = PURPOSE_NONE
    private requestedAt = 0
    /** The host that asked for the waiting press, then the host the open session belongs to. */
    private requester = HOST_USB
    private sessionHost = HOST_USB
    private openedAt: number = undefined
    private usedAt = 0

    /**
     * A kiosk asks the owner to confirm `purpose`. False when a different request is still waiting:
     * one blinking light must never stand for two things, so the second is refused, not swapped in.
     * The same request again restarts the window; from another host it is refused too, so that the
     * press goes to the host the owner saw ask.
     */
    request(purpose: number, host: number): boolean {
        if (this.isWaiting() && (this.purpose !== purpose || this.requester !== host)) return false
        this.purpose = purpose
        this.requester = host
        this.requestedAt = ds.millis()
        return true
    }

    /** Drops a waiting request (nothing to confirm any more). */
    cancel() {
        this.purpose = PURPOSE_NONE
    }

    isWaiting(): boolean {
        return this.purpose !== PURPOSE_NONE && ds.millis() - this.requestedAt <= CONFIRM_WINDOW_MS
    }

    waitingFor(): number {
        return this.isWaiting() ? this.purpose : PURPOSE_NONE
    }

    /** On a button press: the purpose confirmed (once), PURPOSE_NONE when nothing was waiting. A
     *  confirmed request opens the session. */
    confirm(): number {
        const confirmed = this.waitingFor()
        this.purpose = PURPOSE_NONE
        if (confirmed !== PURPOSE_NONE) {
            this.sessionHost = this.requester
            this.openedAt = ds.millis()
            this.usedAt = this.openedAt
        }
        return confirmed
    }

    sessionOpen(): boolean {
        if (this.openedAt === undefined) return false
        const now = ds.millis()
        if (now - this.usedAt > SESSION_IDLE_MS || now - this.openedAt > SESSION_MAX_MS) this.openedAt = undefined
        return this.openedAt !== undefined
    }

    /** A guarded command from `host`: true (and the session stays alive) only within an open
     *  session of that host. */
    use(host: number): boolean {
        if (!this.sessionOpen() || this.sessionHost !== host) return false
        this.usedAt = ds.millis()
        return true
    }

    /** `host` ends its session (another host's session stays as it is). */
    endSession(host: number) {
        if (this.sessionHost === host) this.openedAt = undefined
    }

    /** The connection of `host` ended: its session ends and its waiting request is dropped. */
    hostGone(host: number) {
        this.endSession(host)
        if (this.requester === host) this.cancel()
    }
}
