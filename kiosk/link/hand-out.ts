// Handing out a token's Bluetooth link key, once in its life, for its sticker: over USB, with the
// owner's press (token-sync request_link_key / hand_out_link_key). The answer is the sticker code
// (lib/ble-link/sticker-code.ts); printSticker makes the page to print.
import jd from "../../lib/jacdac/jacdac-ts.js"
import { TokenSyncCmd } from "../../lib/jacdac/service-specs.js"
import { LINK_KEY_BYTES } from "../../lib/ble-link/protocol.js"
import { stickerCodeOf } from "../../lib/ble-link/sticker-code.js"
import { KioskError } from "../errors.js"
import { afterButtonPress } from "../token/button.js"
import type { TokenSession } from "../token/session.js"
import type { ProgressListener } from "../progress.js"

const HANDOUT_STATES = ["ready", "waiting-for-button", "not-requested", "refused"] as const

type HandOutAnswer = { state: (typeof HANDOUT_STATES)[number]; key?: Buffer }

async function command(session: TokenSession, cmd: number): Promise<Buffer> {
    const service = session.connection.client.service
    for (let attempt = 0; attempt < 3; attempt++) {
        const reply = await service.sendCmdAwaitResponseAsync(jd.Packet.from(cmd, new Uint8Array(0)), 1000).catch(() => undefined)
        if (reply) return Buffer.from(reply.data)
    }
    throw new Error(`token did not answer (command 0x${cmd.toString(16)})`)
}

/** The token's sticker code, after the owner's press. Refused when it was handed out before. */
export async function handOutLinkKey(session: TokenSession, opts: { onProgress?: ProgressListener } = {}): Promise<string> {
    if (session.connection.address.kind === "ble")
        throw new KioskError("usage", "the sticker's key is handed out only over the USB cable, never over Bluetooth")
    let refusedUpFront = false
    const answer = await afterButtonPress<HandOutAnswer>({
        what: "the Bluetooth sticker key",
        request: async () => {
            const reply = await command(session, TokenSyncCmd.RequestLinkKey)
            const ok = reply.length > 0 && reply[0] !== 0
            refusedUpFront = !ok
            return ok
        },
        poll: async () => {
            const page = await command(session, TokenSyncCmd.HandOutLinkKey)
            const state = HANDOUT_STATES[page[0]]
            if (!state) throw new KioskError("token-lost", `the token answered an unknown hand-out state ${page[0]}`)
            return { state, key: state === "ready" ? page.subarray(1) : undefined }
        },
        onWaiting: secondsLeft => opts.onProgress?.({ step: "press-button", purpose: "sticker", secondsLeft }),
    }).catch(e => {
        if (refusedUpFront || (e instanceof KioskError && e.code === "token-stopped"))
            throw new KioskError("token-stopped", "the token refused its Bluetooth key: it handed it out before (a token does it once), it is stopped, or another request waits for its button")
        throw e
    })
    // The press opened a session as well (services/token-sync.md); the sticker needs none.
    await session.connection.client.endSession()
    if (!answer.key || answer.key.length !== LINK_KEY_BYTES) throw new KioskError("token-lost", "the token's Bluetooth key came incomplete")
    return stickerCodeOf(answer.key)
}
