// Physical presence: a key export or a decommission only happens after the owner presses the
// token's button within its 30-second window. The kiosk asks the token, tells the person, and polls
// until the token reports the press, the window expires, or the token refuses.
import { KioskError } from "../errors.js"
import { onToken } from "./session.js"

export const BUTTON_WINDOW_SECONDS = 30

export interface ButtonWaitOptions<R extends { state: string }> {
    what: string
    request(): Promise<boolean>
    poll(): Promise<R>
    /** Called once the token waits for the press (tell the person), then about every second. */
    onWaiting?(secondsLeft: number): void
    /** Asked at each answer while the token works: an error to stop waiting with, if its answer
     *  already shows that the work will not succeed. */
    hopeless?(answer: R): KioskError | undefined
}

/** How long past the button window the kiosk waits for the token to finish what was confirmed. */
const WORK_LIMIT_MS = 5 * 60_000
const POLL_MS = 250

/** Resolves with the token's answer once the button was pressed; throws KioskError otherwise. */
export async function afterButtonPress<R extends { state: string }>(o: ButtonWaitOptions<R>): Promise<R> {
    const accepted = await onToken(`asking the token for ${o.what}`, o.request)
    if (!accepted) throw new KioskError("token-stopped", `the token refused ${o.what}: its clock is not set or it is stopped`)
    const started = Date.now()
    // The token keeps the window; the kiosk waits a little longer in real time and trusts its answer.
    const giveUpAt = started + (BUTTON_WINDOW_SECONDS + 10) * 1000
    let lastTold = -1
    for (;;) {
        const answer = await onToken(`waiting for the button (${o.what})`, o.poll)
        if (answer.state === "waiting-for-button") {
            const left = Math.max(0, BUTTON_WINDOW_SECONDS - Math.floor((Date.now() - started) / 1000))
            if (left !== lastTold) {
                lastTold = left
                o.onWaiting?.(left)
            }
            if (Date.now() > giveUpAt) throw new KioskError("button-not-pressed", `the button was not pressed within ${BUTTON_WINDOW_SECONDS} s (${o.what})`)
            await new Promise(r => setTimeout(r, POLL_MS))
            continue
        }
        if (answer.state === "erasing" || answer.state === "in-progress") {
            // Pressed: the token is working (a wipe reads 1 MiB back). Keep asking, within bounds.
            const hopeless = o.hopeless?.(answer)
            if (hopeless) throw hopeless
            if (Date.now() > giveUpAt + WORK_LIMIT_MS) throw new KioskError("token-lost", `the token did not finish ${o.what}`)
            await new Promise(r => setTimeout(r, POLL_MS))
            continue
        }
        if (answer.state === "not-requested")
            throw new KioskError("button-not-pressed", `the button was not pressed within ${BUTTON_WINDOW_SECONDS} s (${o.what})`)
        if (answer.state === "refused") throw new KioskError("token-stopped", `the token refused ${o.what}: it is stopped or its clock is not set`)
        return answer
    }
}
