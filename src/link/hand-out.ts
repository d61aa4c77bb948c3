// Handing out the link key for the sticker: asked over USB (token-sync request_link_key), confirmed
// by the owner's press like a key export, then answered once (hand_out_link_key). After that the
// token never reveals the key again.
import * as ds from "@devicescript/core"
import { CONFIRM_WINDOW_MS } from "../sync/presence"
import { LinkKeyStore } from "./link-key"

export const HANDOUT_READY = 0
export const HANDOUT_WAITING_FOR_BUTTON = 1
export const HANDOUT_NOT_REQUESTED = 2
export const HANDOUT_REFUSED = 3

// Its own small request window (the press rules' CONFIRM_WINDOW_MS), so that it does not depend on
// how src/sync keeps its other requests.
export class LinkKeyHandOut {
    private requestedAt: number = undefined
    private confirmed = false

    constructor(private readonly keys: LinkKeyStore) {}

    /** False (and nothing waits) when the key is gone or was handed out before. */
    ask(stopped: boolean): boolean {
        this.confirmed = false
        if (stopped || this.keys.wasHandedOut() || !this.keys.linkKey()) {
            this.requestedAt = undefined
            return false
        }
        this.requestedAt = ds.millis()
        return true
    }

    cancel() {
        this.requestedAt = undefined
        this.confirmed = false
    }

    isWaiting() {
        return this.requestedAt !== undefined && ds.millis() - this.requestedAt <= CONFIRM_WINDOW_MS
    }

    /** A press: true when it confirmed a waiting request. */
    confirm(): boolean {
        const waiting = this.isWaiting()
        this.requestedAt = undefined
        if (waiting) this.confirmed = true
        return waiting
    }

    async answer(): Promise<Buffer> {
        if (!this.confirmed) {
            if (this.keys.wasHandedOut() || !this.keys.linkKey()) return Buffer.from([HANDOUT_REFUSED])
            return Buffer.from([this.isWaiting() ? HANDOUT_WAITING_FOR_BUTTON : HANDOUT_NOT_REQUESTED])
        }
        this.confirmed = false
        const key = await this.keys.handOut()
        if (!key) return Buffer.from([HANDOUT_REFUSED])
        return Buffer.from([HANDOUT_READY]).concat(key)
    }
}
