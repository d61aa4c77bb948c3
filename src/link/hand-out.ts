// Handing out the link key for the sticker: asked over USB (token-sync request_link_key), confirmed
// by the owner's press under the same rules as every other request (src/sync/presence.ts,
// PURPOSE_LINK_KEY), then answered once (hand_out_link_key). After that the token never reveals the
// key again.
import { LinkKeyStore } from "./link-key"

export const HANDOUT_READY = 0
export const HANDOUT_WAITING_FOR_BUTTON = 1
export const HANDOUT_NOT_REQUESTED = 2
export const HANDOUT_REFUSED = 3

export class LinkKeyHandOut {
    private confirmed = false

    constructor(private readonly keys: LinkKeyStore) {}

    /** Whether a request may wait for the press: not when stopped, the key is gone or was handed out. */
    mayAsk(stopped: boolean): boolean {
        return !stopped && !this.keys.wasHandedOut() && !!this.keys.linkKey()
    }

    /** The owner confirmed: the next answer carries the key. */
    confirm() {
        this.confirmed = true
    }

    /** The session ended before the kiosk took the key. */
    drop() {
        this.confirmed = false
    }

    /** `waiting`: the press for the hand-out is still awaited. */
    async answer(waiting: boolean): Promise<Buffer> {
        if (!this.confirmed) {
            if (this.keys.wasHandedOut() || !this.keys.linkKey()) return Buffer.from([HANDOUT_REFUSED])
            return Buffer.from([waiting ? HANDOUT_WAITING_FOR_BUTTON : HANDOUT_NOT_REQUESTED])
        }
        this.confirmed = false
        const key = await this.keys.handOut()
        if (!key) return Buffer.from([HANDOUT_REFUSED])
        return Buffer.from([HANDOUT_READY]).concat(key)
    }
}
