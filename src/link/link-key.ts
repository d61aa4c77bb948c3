// The token's Bluetooth link key: 32 random bytes made at first start (with the token id, see
// src/token.ts), handed out once (for the sticker) over USB with the owner's press, destroyed by
// decommission. Kept in the secrets sector of the encrypted gaenlog partition (src/storage/secrets.ts,
// docs/storage.md), never in DeviceScript settings (whose partition is not encrypted).
import { SecretStore } from "../storage/secrets"

export class LinkKeyStore {
    /** A stopped token's key is dead (it goes with the wipe). */
    constructor(
        private readonly secrets: SecretStore,
        private readonly stopped: boolean
    ) {}

    /** The key for the link's own use (never sent anywhere); undefined once destroyed. */
    linkKey(): Buffer {
        return this.stopped ? undefined : this.secrets.linkKey()
    }

    wasHandedOut() {
        return this.secrets.wasHandedOut()
    }

    /** The key, once: after this it is never revealed again. */
    async handOut(): Promise<Buffer> {
        const key = this.linkKey()
        if (this.secrets.wasHandedOut() || !key) return undefined
        await this.secrets.markHandedOut()
        return key
    }

    /** Part of the decommission wipe (src/token.ts finishWipe: every boot repeats it until the wipe
     *  is done, so a power cut cannot leave the key behind). */
    async destroy() {
        await this.secrets.destroy()
    }
}
