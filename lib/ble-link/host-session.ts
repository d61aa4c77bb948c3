// The kiosk's end of the encrypted sync link (protocol.ts) over one BLE connection, whatever carries
// it (the simulator's radio, a real adapter). It only seals and opens messages: what they mean
// (Jacdac token-sync packets) is kiosk/transport/ble-bus.ts's business.
import { randomBytes } from "node:crypto"
import {
    DIR_HOST_TO_TOKEN,
    DIR_TOKEN_TO_HOST,
    LinkError,
    MSG_HELLO,
    MSG_READY,
    NONCE_BYTES,
    Reassembler,
    deriveSessionKeys,
    fragment,
    openData,
    sealData,
    type SessionKeys,
} from "./protocol.js"

/** One BLE connection to a token's sync service, as GATT values. */
export interface GattConnection {
    readonly mtu: number
    /** Writes one value to the token (write without response on the sync characteristic). */
    write(value: Uint8Array): Promise<void>
    /** Called for every notification from the token. */
    onNotify(handler: (value: Uint8Array) => void): void
    /** Called once when the connection ends, whoever ended it. */
    onClose(handler: () => void): void
    close(): Promise<void>
}

export class HostLinkSession {
    private sent = 0
    private received = 0
    private readonly handlers: ((plain: Buffer) => void)[] = []
    private previousValue: Buffer | undefined

    private constructor(
        private readonly conn: GattConnection,
        private readonly keys: SessionKeys,
        reassembler: Reassembler
    ) {
        conn.onNotify(value => {
            // The token's runtime may notify one GATT value twice in a row: it hands a frame on
            // before queueing it locally, and sends it again when its full local queue refuses it
            // (jacdac-c jd_send_frame, devicescript jdiface.c handle_send_pkt). Inside a message of
            // several values the copy would spoil the message, so it goes before reassembly. Two
            // values of a real stream are never equal: each is a different stretch of ciphertext,
            // and a message's first value carries its own counter.
            if (this.previousValue?.equals(value)) return
            this.previousValue = Buffer.from(value)
            let m: Buffer | undefined
            try {
                m = reassembler.push(value)
            } catch {
                // A malformed stream (an oversized message) ends the link, as an inauthentic one
                // does; thrown here, in the radio's callback, it would end the kiosk's process.
                void this.conn.close()
                return
            }
            if (m) this.deliver(m)
        })
    }

    /** Says HELLO and waits (real time) for READY; then every message is sealed. */
    static async open(conn: GattConnection, linkKey: Uint8Array, timeoutMs = 10_000): Promise<HostLinkSession> {
        const hostNonce = randomBytes(NONCE_BYTES)
        const reassembler = new Reassembler()
        let session: HostLinkSession | undefined
        const ready = new Promise<Buffer>((resolve, reject) => {
            const timer = setTimeout(() => reject(new LinkError(`the token did not answer on the sync link within ${timeoutMs} ms`)), timeoutMs)
            conn.onClose(() => {
                clearTimeout(timer)
                reject(new LinkError("the token closed the sync link"))
            })
            conn.onNotify(value => {
                if (session) return
                let m: Buffer | undefined
                try {
                    m = reassembler.push(value)
                } catch (e) {
                    clearTimeout(timer)
                    return reject(e)
                }
                if (!m) return
                clearTimeout(timer)
                if (m[0] !== MSG_READY || m.length !== 1 + NONCE_BYTES) reject(new LinkError("the token answered the link greeting with something else"))
                else resolve(m.subarray(1))
            })
        })
        for (const v of fragment(Buffer.concat([Buffer.from([MSG_HELLO]), hostNonce]), conn.mtu)) await conn.write(v)
        const tokenNonce = await ready
        session = new HostLinkSession(conn, deriveSessionKeys(linkKey, hostNonce, tokenNonce), new Reassembler())
        return session
    }

    onMessage(handler: (plain: Buffer) => void) {
        this.handlers.push(handler)
    }

    async send(plain: Uint8Array) {
        const m = sealData(this.keys.hostToToken, DIR_HOST_TO_TOKEN, ++this.sent, plain)
        for (const v of fragment(m, this.conn.mtu)) await this.conn.write(v)
    }

    private deliver(message: Buffer) {
        const opened = openData(this.keys.tokenToHost, DIR_TOKEN_TO_HOST, message)
        // An authentic message already taken is not taken again, and the link goes on: a copy that
        // did not come right after its value (above) is still only a copy.
        if (opened && opened.counter <= this.received) return
        // Anything not authentic, or out of order, ends the link: the token is not the one on the sticker.
        if (!opened || opened.counter !== this.received + 1) {
            void this.conn.close()
            return
        }
        this.received = opened.counter
        for (const h of this.handlers) h(opened.plain)
    }

    close() {
        return this.conn.close()
    }
}
