// The token's end of the Bluetooth sync link (lib/ble-link/protocol.ts has the design): off the air
// unless the owner pressed the button; then for SYNC_WINDOW_MS a connectable advertisement under a
// fresh random address, beside the GAEN beacon. A host that connects must prove it holds the
// sticker's link key with every frame; the first frame that fails (wrong key, replayed, reordered,
// malformed) ends the connection before anything is done. What a host may ask is exactly the
// token-sync service (token-sync-dispatch.ts), with its own press rules.
import * as ds from "@devicescript/core"
import { randomBuffer } from "@devicescript/crypto"
import { LINK_EVENT_CONNECTED, LINK_EVENT_DISCONNECTED, LINK_EVENT_VALUE, RadioLink } from "../hardware/radio-link"
import { TokenSyncServer } from "../sync/sync-server"
import { HOST_LINK } from "../sync/presence"
import { Token } from "../token"
import { SessionKeys, dataCounter, deriveSessionKeys, fragment, openData, sealData, syncAdvertisement } from "./link-protocol"
import { ADV_NONCE_BYTES, DIR_HOST_TO_TOKEN, DIR_TOKEN_TO_HOST, MAX_MESSAGE_BYTES, MSG_HELLO, MSG_READY, NONCE_BYTES } from "../../common/ble-link-constants"
import { answersOverLink } from "./token-sync-dispatch"

/** How long the sync advertisement stays on air after a press (token time). */
export const SYNC_WINDOW_MS = 60_000
/** A connection with nothing said for this long is ended (token time). */
export const LINK_IDLE_MS = 120_000
const DEFAULT_MTU = 23

export class SyncLink {
    private windowUntil = 0
    private connected = false
    private mtu = DEFAULT_MTU
    private keys: SessionKeys = undefined
    private received = 0
    private sent = 0
    private partial: Buffer = undefined
    private queue: Buffer[] = []
    private working = false
    private lastHeard = 0
    /** Rejected frames and refused connections since start (for tests and the log). */
    rejected = 0

    constructor(
        private readonly token: Token,
        private readonly radio: RadioLink,
        private readonly server: TokenSyncServer
    ) {
        const self = this
        radio.onEvent(ev => self.onEvent(ev))
    }

    /** The owner pressed the button: open the window (nothing when stopped or already connected). */
    async openWindow() {
        const key = this.token.linkKeys.linkKey()
        if (!key || this.token.isStopped() || this.connected) return
        const address = randomBuffer(6)
        address[5] = address[5] | 0xc0 // static random address
        this.windowUntil = ds.millis() + SYNC_WINDOW_MS
        await this.radio.advertiseSync(address, syncAdvertisement(key, randomBuffer(ADV_NONCE_BYTES)))
        const self = this
        const until = this.windowUntil
        setTimeout(async () => {
            if (!self.connected && self.windowUntil === until) await self.radio.stopSync()
        }, SYNC_WINDOW_MS)
    }

    private onEvent(ev: Buffer) {
        this.queue.push(ev)
        if (this.working) return
        this.working = true
        const self = this
        ;(async () => {
            try {
                while (self.queue.length > 0) await self.handle(self.queue.shift())
            } finally {
                self.working = false
            }
        }).start()
    }

    private async handle(ev: Buffer) {
        try {
            if (ev[0] === LINK_EVENT_CONNECTED) await this.onConnected(ev)
            else if (ev[0] === LINK_EVENT_DISCONNECTED) this.reset()
            else if (ev[0] === LINK_EVENT_VALUE && this.connected) await this.onValue(ev.slice(1))
        } catch (e) {
            console.log(`link: ${e}`)
            await this.end()
        }
    }

    private async onConnected(ev: Buffer) {
        this.reset()
        // Only inside a window the owner opened, and never for a stopped token.
        if (ds.millis() > this.windowUntil || this.token.isStopped() || !this.token.linkKeys.linkKey()) {
            this.rejected++
            await this.radio.stopSync()
            return
        }
        this.connected = true
        this.windowUntil = 0
        this.lastHeard = ds.millis()
        this.mtu = ev.length >= 3 ? Math.max(DEFAULT_MTU, ev.getAt(1, "u16")) : DEFAULT_MTU
        this.watchIdle()
    }

    private watchIdle() {
        const self = this
        ;(async () => {
            while (self.connected) {
                await ds.sleep(10_000)
                if (self.connected && ds.millis() - self.lastHeard > LINK_IDLE_MS) await self.end()
            }
        }).start()
    }

    private async onValue(value: Buffer) {
        if (value.length < 1) return await this.refuse()
        const more = (value[0] & 1) !== 0
        this.partial = this.partial ? this.partial.concat(value.slice(1)) : value.slice(1)
        if (this.partial.length > MAX_MESSAGE_BYTES) return await this.refuse()
        if (more) return
        const message = this.partial
        this.partial = undefined
        this.lastHeard = ds.millis()
        if (!this.keys) return await this.onHello(message)
        const counter = dataCounter(message)
        if (counter !== this.received + 1) return await this.refuse()
        const plain = openData(this.keys.hostToToken, DIR_HOST_TO_TOKEN, message)
        if (!plain || plain.length < 2) return await this.refuse()
        this.received = counter
        const command = plain.getAt(0, "u16")
        const answers = await answersOverLink(this.server, command, plain.slice(2))
        if (answers === undefined) return // not carried by the link: no answer, as an unknown command
        const out = Buffer.alloc(2)
        out.setAt(0, "u16", command)
        for (const answer of answers) {
            if (!this.keys) return // the link ended during a burst
            await this.sendMessage(sealData(this.keys.tokenToHost, DIR_TOKEN_TO_HOST, ++this.sent, out.concat(answer)))
        }
    }

    private async onHello(message: Buffer) {
        const key = this.token.linkKeys.linkKey()
        if (message.length !== 1 + NONCE_BYTES || message[0] !== MSG_HELLO || !key) return await this.refuse()
        const tokenNonce = randomBuffer(NONCE_BYTES)
        this.keys = deriveSessionKeys(key, message.slice(1), tokenNonce)
        await this.sendMessage(Buffer.from([MSG_READY]).concat(tokenNonce))
    }

    private async sendMessage(message: Buffer) {
        for (const v of fragment(message, this.mtu)) await this.radio.send(v)
    }

    private async refuse() {
        this.rejected++
        console.log("link: a frame failed its check; connection ended")
        await this.end()
    }

    private async end() {
        this.reset()
        await this.radio.stopSync()
    }

    /** Every end of a connection (and a new one) also ends the session the link's host had. */
    private reset() {
        this.server.hostGone(HOST_LINK)
        this.connected = false
        this.keys = undefined
        this.received = 0
        this.sent = 0
        this.partial = undefined
    }
}
