// Handing out the link key for the sticker: asked over USB (token-sync request_link_key), confirmed
// by the owner's press under the same rules as every other request (src/sync/presence.ts,
// PURPOSE_LINK_KEY), then answered once (hand_out_link_key). After that the token never reveals the
// key again.
// Its answer states are the service's shared ones (services/token-sync.md, generated).
import * as ds from "@devicescript/core"
import { LinkKeyStore } from "./link-key"

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
            if (this.keys.wasHandedOut() || !this.keys.linkKey()) return Buffer.from([ds.TokenSyncAnswer.Refused])
            return Buffer.from([waiting ? ds.TokenSyncAnswer.WaitingForButton : ds.TokenSyncAnswer.NotRequested])
        }
        this.confirmed = false
        const key = await this.keys.handOut()
        if (!key) return Buffer.from([ds.TokenSyncAnswer.Refused])
        return Buffer.from([ds.TokenSyncAnswer.Ready]).concat(key)
    }
}
