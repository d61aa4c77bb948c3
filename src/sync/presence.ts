// Physical presence: a kiosk may ask for something sensitive (the keys, the end of use), and the
// token does it only if its owner presses the button within 30 seconds of the request.
import * as ds from "@devicescript/core"

/** How long the owner has to press the button after a kiosk asks (token time). */
export const CONFIRM_WINDOW_MS = 30_000

export class PresenceRequest {
    private requestedAt: number = undefined

    request() {
        this.requestedAt = ds.millis()
    }

    cancel() {
        this.requestedAt = undefined
    }

    isWaiting(): boolean {
        return this.requestedAt !== undefined && ds.millis() - this.requestedAt <= CONFIRM_WINDOW_MS
    }

    /** Called on a button press: true (once) when a request is waiting. */
    confirm(): boolean {
        const ok = this.isWaiting()
        this.requestedAt = undefined
        return ok
    }
}
