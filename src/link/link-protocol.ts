// The token's end of the encrypted sync link: the same protocol as lib/ble-link/protocol.ts (read
// that file's header for the design). Its numbers and labels are in common/ble-link-constants.ts.
import { decrypt, encrypt, hmac, sha256Hkdf } from "@devicescript/crypto"
import {
    ADV_LABEL,
    ADV_NONCE_BYTES,
    ADV_TAG_BYTES,
    CCM_NONCE_BYTES,
    DATA_HEADER_BYTES,
    HOST_TO_TOKEN_LABEL,
    MSG_DATA,
    SYNC_SERVICE_UUID,
    TAG_BYTES,
    TOKEN_TO_HOST_LABEL,
} from "../../common/ble-link-constants"

export interface SessionKeys {
    hostToToken: Buffer
    tokenToHost: Buffer
}

export function deriveSessionKeys(linkKey: Buffer, hostNonce: Buffer, tokenNonce: Buffer): SessionKeys {
    const salt = hostNonce.concat(tokenNonce)
    return {
        hostToToken: sha256Hkdf(linkKey, HOST_TO_TOKEN_LABEL, salt),
        tokenToHost: sha256Hkdf(linkKey, TOKEN_TO_HOST_LABEL, salt),
    }
}

function ccmNonce(direction: number, counter: number) {
    const n = Buffer.alloc(CCM_NONCE_BYTES)
    n[0] = direction
    n.setAt(1, "u32", counter)
    return n
}

export function sealData(key: Buffer, direction: number, counter: number, plain: Buffer): Buffer {
    const head = Buffer.alloc(DATA_HEADER_BYTES)
    head[0] = MSG_DATA
    head.setAt(1, "u32", counter)
    return head.concat(encrypt({ algo: "aes-256-ccm", key, iv: ccmNonce(direction, counter), data: plain, tagLength: TAG_BYTES }))
}

/** The counter of a DATA message (without checking it): -1 when it is not one. */
export function dataCounter(message: Buffer): number {
    if (message.length < DATA_HEADER_BYTES + TAG_BYTES || message[0] !== MSG_DATA) return -1
    return message.getAt(1, "u32")
}

/** The plaintext of a DATA message, or undefined when it is not authentic under `key`. */
export function openData(key: Buffer, direction: number, message: Buffer): Buffer {
    const counter = dataCounter(message)
    if (counter < 0) return undefined
    try {
        const plain = decrypt({ algo: "aes-256-ccm", key, iv: ccmNonce(direction, counter), data: message.slice(DATA_HEADER_BYTES), tagLength: TAG_BYTES })
        return plain ? plain : undefined
    } catch (e) {
        return undefined
    }
}

/** GATT values of at most `mtu - 3` bytes, the first byte 1 when more follow. */
export function fragment(message: Buffer, mtu: number): Buffer[] {
    const chunk = mtu - 4
    const out: Buffer[] = []
    for (let i = 0; i < message.length || out.length === 0; i += chunk) {
        const end = Math.min(message.length, i + chunk)
        const v = Buffer.alloc(1 + end - i)
        v[0] = end < message.length ? 1 : 0
        v.blitAt(1, message, i, end - i)
        out.push(v)
    }
    return out
}

/** The sync advertisement's data: flags, then service data = nonce + HMAC tag under the link key. */
export function syncAdvertisement(linkKey: Buffer, nonce: Buffer): Buffer {
    const tag = hmac(linkKey, "sha256", ADV_LABEL, nonce).slice(0, ADV_TAG_BYTES)
    const ad = Buffer.alloc(3 + 4 + ADV_NONCE_BYTES + ADV_TAG_BYTES)
    ad[0] = 2
    ad[1] = 0x01 // flags
    ad[2] = 0x06 // LE general discoverable, no BR/EDR
    ad[3] = 3 + ADV_NONCE_BYTES + ADV_TAG_BYTES
    ad[4] = 0x16 // service data, 16-bit UUID
    ad.setAt(5, "u16", SYNC_SERVICE_UUID)
    ad.blitAt(7, nonce, 0, ADV_NONCE_BYTES)
    ad.blitAt(7 + ADV_NONCE_BYTES, tag, 0, ADV_TAG_BYTES)
    return ad
}
