// The encrypted sync link over Bluetooth LE: what both ends (the token's firmware, src/link/, and a
// kiosk, kiosk/transport/ble*.ts) agree on. The numbers and labels are in
// common/ble-link-constants.ts, which both ends import. test/ble/ checks the protocol itself
// against the firmware end to end.
//
// Why not BLE pairing: "Just Works" protects nothing against a nearby attacker, and a passkey shown
// on a token without a screen is impossible. Instead each token makes a random 32-byte link key at
// first start; the kiosk reads it once over USB with the owner's press and prints it on a sticker
// (QR code). Whoever holds the sticker can derive session keys; nobody else can.
//
// 1. The token advertises (only for a short window after a press) a connectable advertisement:
//    flags + service data (UUID 0xFFF5) = nonce (8) + HMAC-SHA256(link key, label || nonce)[0..8].
//    A kiosk with the sticker recognises its token; to anyone else it is random bytes.
// 2. After connecting, the host writes HELLO (0x01, host nonce 16); the token answers READY
//    (0x02, token nonce 16). Session keys: HKDF-SHA256(link key, salt = host nonce || token nonce,
//    info = direction label), 32 bytes each way. Fresh per connection: a frame recorded on one
//    connection is garbage on the next.
// 3. Every later message is DATA (0x03, counter u32 LE, AES-256-CCM ciphertext with a 16-byte tag).
//    Counters start at 1 and must go up by exactly one (the BLE link is reliable and ordered), so a
//    replayed, dropped or reordered frame ends the session on the token without being acted on.
//    The kiosk drops a GATT value equal to the one just before it and a message from the token that
//    it has taken already (the token's runtime can send one value twice, host-session.ts), and ends
//    the link on any other out of order.
//    The CCM nonce is the direction byte, the counter and 8 zero bytes.
// 4. A message is carried in GATT values of at most MTU - 3 bytes, each starting with a byte whose
//    bit 0 says "more follows".
// Inside DATA: a Jacdac service command (u16 LE) and its payload, for the token-sync service only.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from "node:crypto"

export * from "../../common/ble-link-constants.js"
import {
    MSG_DATA,
    DATA_HEADER_BYTES,
    CCM_NONCE_BYTES,
    TAG_BYTES,
    MAX_MESSAGE_BYTES,
    SYNC_SERVICE_UUID,
    ADV_NONCE_BYTES,
    ADV_TAG_BYTES,
    ADV_LABEL,
    HOST_TO_TOKEN_LABEL,
    TOKEN_TO_HOST_LABEL,
} from "../../common/ble-link-constants.js"

/** The ATT MTU a kiosk asks for unless the connection says otherwise (BLE 4.2 data length extension). */
export const DEFAULT_MTU = 247

export class LinkError extends Error {}

/** Both session keys of one connection. */
export interface SessionKeys {
    hostToToken: Buffer
    tokenToHost: Buffer
}

export function deriveSessionKeys(linkKey: Uint8Array, hostNonce: Uint8Array, tokenNonce: Uint8Array): SessionKeys {
    const salt = Buffer.concat([hostNonce, tokenNonce])
    const derive = (label: string) => Buffer.from(hkdfSync("sha256", linkKey, salt, Buffer.from(label), 32))
    return { hostToToken: derive(HOST_TO_TOKEN_LABEL), tokenToHost: derive(TOKEN_TO_HOST_LABEL) }
}

function ccmNonce(direction: number, counter: number): Buffer {
    const n = Buffer.alloc(CCM_NONCE_BYTES)
    n[0] = direction
    n.writeUInt32LE(counter, 1)
    return n
}

export function sealData(key: Buffer, direction: number, counter: number, plain: Uint8Array): Buffer {
    const c = createCipheriv("aes-256-ccm", key, ccmNonce(direction, counter), { authTagLength: TAG_BYTES })
    const body = Buffer.concat([c.update(plain), c.final()])
    const head = Buffer.alloc(DATA_HEADER_BYTES)
    head[0] = MSG_DATA
    head.writeUInt32LE(counter, 1)
    return Buffer.concat([head, body, c.getAuthTag()])
}

/** The plaintext of a DATA message, or undefined when it is not authentic under `key`. */
export function openData(key: Buffer, direction: number, message: Uint8Array): { counter: number; plain: Buffer } | undefined {
    if (message.length < DATA_HEADER_BYTES + TAG_BYTES || message[0] !== MSG_DATA) return undefined
    const m = Buffer.from(message)
    const counter = m.readUInt32LE(1)
    try {
        const d = createDecipheriv("aes-256-ccm", key, ccmNonce(direction, counter), { authTagLength: TAG_BYTES })
        d.setAuthTag(m.subarray(m.length - TAG_BYTES))
        return { counter, plain: Buffer.concat([d.update(m.subarray(DATA_HEADER_BYTES, m.length - TAG_BYTES)), d.final()]) }
    } catch {
        return undefined
    }
}

/** Splits a message into GATT values of at most `mtu - 3` bytes (first byte: 1 = more follows). */
export function fragment(message: Uint8Array, mtu: number): Buffer[] {
    const chunk = mtu - 3 - 1
    const out: Buffer[] = []
    for (let i = 0; i < message.length || out.length === 0; i += chunk) {
        const part = message.subarray(i, i + chunk)
        out.push(Buffer.concat([Buffer.from([i + chunk < message.length ? 1 : 0]), part]))
    }
    return out
}

/** A service command's code ahead of its payload inside DATA. */
const COMMAND_BYTES = 2

/** The largest command or report payload whose sealed DATA message fits one GATT value of a
 *  connection with ATT MTU `mtu` (a value of mtu − 3 bytes, its first the fragment byte). */
export function payloadInOneValue(mtu: number): number {
    return mtu - 3 - 1 - DATA_HEADER_BYTES - TAG_BYTES - COMMAND_BYTES
}

/** Joins GATT values back into messages. */
export class Reassembler {
    private parts: Buffer[] = []
    private size = 0
    /** The complete message this value ends, or undefined. Throws on an oversized message. */
    push(value: Uint8Array): Buffer | undefined {
        if (value.length < 1) throw new LinkError("an empty GATT value on the sync link")
        this.parts.push(Buffer.from(value.subarray(1)))
        this.size += value.length - 1
        if (this.size > MAX_MESSAGE_BYTES) {
            this.parts = []
            this.size = 0
            throw new LinkError(`a sync-link message longer than ${MAX_MESSAGE_BYTES} bytes`)
        }
        if (value[0] & 1) return undefined
        const m = Buffer.concat(this.parts)
        this.parts = []
        this.size = 0
        return m
    }
}

/** The tag a token puts beside `nonce` in its sync advertisement. */
export function advertisementTag(linkKey: Uint8Array, nonce: Uint8Array): Buffer {
    return createHmac("sha256", linkKey).update(ADV_LABEL).update(nonce).digest().subarray(0, ADV_TAG_BYTES)
}

/** Whether an advertisement's data is the sync advertisement of the token holding `linkKey`. */
export function isSyncAdvertisementOf(linkKey: Uint8Array, advData: Uint8Array): boolean {
    for (let i = 0; i + 1 < advData.length; i += advData[i] + 1) {
        const len = advData[i]
        if (len === 0) break
        if (
            advData[i + 1] === 0x16 &&
            len === 3 + ADV_NONCE_BYTES + ADV_TAG_BYTES &&
            advData[i + 2] === (SYNC_SERVICE_UUID & 0xff) &&
            advData[i + 3] === SYNC_SERVICE_UUID >> 8
        ) {
            const nonce = advData.subarray(i + 4, i + 4 + ADV_NONCE_BYTES)
            const tag = advData.subarray(i + 4 + ADV_NONCE_BYTES, i + 4 + ADV_NONCE_BYTES + ADV_TAG_BYTES)
            return Buffer.from(tag).equals(advertisementTag(linkKey, nonce))
        }
    }
    return false
}
