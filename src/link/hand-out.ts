// Handing out the link key for the sticker: asked over USB (token-sync request_link_key), confirmed
// by the owner's press like a key export, then answered once (hand_out_link_key). After that the
// token never reveals the key again.
import { PresenceRequest } from "../sync/presence"
import { LinkKeyStore } from "./link-key"

export const HANDOUT_READY = 0
export const HANDOUT_WAITING_FOR_BUTTON = 1
export const HANDOUT_NOT_REQUESTED = 2
export const HANDOUT_REFUSED = 3

export class LinkKeyHandOut {
    private readonly request = new PresenceRequest()
    private confirmed = false

    constructor(private readonly keys: LinkKeyStore) {}

    /** False (and nothing waits) when the key is gone or was handed out before. */
    ask(stopped: boolean): boolean {
        this.confirmed = false
        if (stopped || this.keys.wasHandedOut() || !this.keys.linkKey()) {
            this.request.cancel()
            return false
        }
        this.request.request()
        return true
    }

    cancel() {
        this.request.cancel()
        this.confirmed = false
    }

    isWaiting() {
        return this.request.isWaiting()
    }

    /** A press: true when it confirmed a waiting request. */
    confirm(): boolean {
        if (!this.request.confirm()) return false
        this.confirmed = true
        return true
    }

    async answer(): Promise<Buffer> {
        if (!this.confirmed) {
            if (this.keys.wasHandedOut() || !this.keys.linkKey()) return Buffer.from([HANDOUT_REFUSED])
            return Buffer.from([this.request.isWaiting() ? HANDOUT_WAITING_FOR_BUTTON : HANDOUT_NOT_REQUESTED])
        }
        this.confirmed = false
        const key = await this.keys.handOut()
        if (!key) return Buffer.from([HANDOUT_REFUSED])
        return Buffer.from([HANDOUT_READY]).concat(key)
    }
}
