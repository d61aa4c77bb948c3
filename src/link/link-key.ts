// The token's Bluetooth link key: 32 random bytes made at first start, handed out once (for the
// sticker) over USB with the owner's press, destroyed by decommission. In a setting, like the token
// id: only the token-sync service is reachable from a host, so nobody reads it there.
import { randomBuffer } from "@devicescript/crypto"
import { deleteSetting, readSetting, writeSetting } from "@devicescript/settings"
import { LINK_KEY_BYTES } from "./link-constants"

export const LINK_KEY_SETTING = "link_key"
const HANDED_OUT_SETTING = "link_out"

export class LinkKeyStore {
    private constructor(
        private secret: Buffer,
        private handedOut: boolean
    ) {}

    /** A stopped token gets no new key: its link stays dead. */
    static async open(stopped: boolean): Promise<LinkKeyStore> {
        const hex: string = await readSetting(LINK_KEY_SETTING, "")
        let key: Buffer = hex ? Buffer.from(hex, "hex") : undefined
        if (key && key.length !== LINK_KEY_BYTES) key = undefined
        if (!key && !stopped) {
            key = randomBuffer(LINK_KEY_BYTES)
            await writeSetting(LINK_KEY_SETTING, key.toString("hex"))
            await deleteSetting(HANDED_OUT_SETTING)
        }
        return new LinkKeyStore(stopped ? undefined : key, !!(await readSetting(HANDED_OUT_SETTING, false)))
    }

    /** The key for the link's own use (never sent anywhere); undefined once destroyed. */
    linkKey(): Buffer {
        return this.secret
    }

    wasHandedOut() {
        return this.handedOut
    }

    /** The key, once: after this it is never revealed again. */
    async handOut(): Promise<Buffer> {
        if (this.handedOut || !this.secret) return undefined
        await writeSetting(HANDED_OUT_SETTING, true)
        this.handedOut = true
        return this.secret
    }

    /** Part of the decommission wipe (src/token.ts finishWipe: every boot repeats it until the wipe
     *  is done, so a power cut cannot leave the key behind). */
    async destroy() {
        this.secret = undefined
        await deleteSetting(LINK_KEY_SETTING)
        await deleteSetting(HANDED_OUT_SETTING)
    }
}
