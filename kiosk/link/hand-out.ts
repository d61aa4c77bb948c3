// Handing out a token's Bluetooth link key, once in its life, for its sticker: over USB, with the
// owner's press (token-sync request_link_key / hand_out_link_key). The answer is the sticker code
// (lib/ble-link/sticker-code.ts); printSticker makes the page to print.
import { stickerCodeOf } from "../../lib/ble-link/sticker-code.js"
import type { LinkKeyAnswer } from "../../lib/token-sync/sync-client.js"
import { KioskError } from "../errors.js"
import { afterButtonPress } from "../token/button.js"
import type { TokenSession } from "../token/session.js"
import type { ProgressListener } from "../progress.js"

/** The token's sticker code, after the owner's press. Refused when it was handed out before. */
export async function handOutLinkKey(session: TokenSession, opts: { onProgress?: ProgressListener } = {}): Promise<string> {
    if (session.connection.address.kind === "ble")
        throw new KioskError("usage", "the sticker's key is handed out only over the USB cable, never over Bluetooth")
    let refusedUpFront = false
    const client = session.connection.client
    const answer = await afterButtonPress<LinkKeyAnswer>({
        what: "the Bluetooth sticker key",
        request: async () => {
            const ok = await client.requestLinkKey()
            refusedUpFront = !ok
            return ok
        },
        poll: () => client.handOutLinkKey(),
        onWaiting: secondsLeft => opts.onProgress?.({ step: "press-button", purpose: "sticker", secondsLeft }),
    }).catch(e => {
        if (refusedUpFront || (e instanceof KioskError && e.code === "token-stopped"))
            throw new KioskError(
                "token-stopped",
                "the token refused its Bluetooth key: it handed it out before (a token does it once), it is stopped, or another request waits for its button"
            )
        throw e
    })
    // The press opened a session as well (services/token-sync.md); the sticker needs none.
    await client.endSession()
    if (answer.state !== "ready") throw new KioskError("token-lost", `the token answered the hand-out with ${answer.state}`)
    return stickerCodeOf(answer.key)
}
