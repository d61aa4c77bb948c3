// The code printed on a token's sticker (as text and as a QR code): its 32-byte link key and one
// check byte, in Crockford base32 (no I, L, O, U: nothing to confuse when typed), grouped by four.
// `ble:<code>` is how a kiosk names a token reached over Bluetooth.
import { createHash } from "node:crypto"
import { LINK_KEY_BYTES, LinkError } from "./protocol.js"

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

function checkByte(key: Uint8Array) {
    return createHash("sha256").update("gaen-token sticker").update(key).digest()[0]
}

export function stickerCodeOf(linkKey: Uint8Array): string {
    if (linkKey.length !== LINK_KEY_BYTES) throw new LinkError(`a link key is ${LINK_KEY_BYTES} bytes, not ${linkKey.length}`)
    const bytes = [...linkKey, checkByte(linkKey)]
    let bits = 0
    let value = 0
    let out = ""
    for (const b of bytes) {
        value = (value << 8) | b
        bits += 8
        while (bits >= 5) {
            out += ALPHABET[(value >> (bits - 5)) & 31]
            bits -= 5
        }
        value &= (1 << bits) - 1
    }
    if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
    return out.match(/.{1,4}/g)!.join("-")
}

/** The link key in a sticker code; a clear error for a typo (wrong letter, missing group). */
export function linkKeyOfStickerCode(code: string): Buffer {
    const clean = code.toUpperCase().replace(/[-\s]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1")
    const bytes: number[] = []
    let bits = 0
    let value = 0
    for (const ch of clean) {
        const v = ALPHABET.indexOf(ch)
        if (v < 0) throw new LinkError(`the sticker code has a character that is not on any sticker: "${ch}"`)
        value = (value << 5) | v
        bits += 5
        if (bits >= 8) {
            bytes.push((value >> (bits - 8)) & 0xff)
            bits -= 8
            value &= (1 << bits) - 1
        }
    }
    if (bytes.length !== LINK_KEY_BYTES + 1)
        throw new LinkError(`the sticker code is ${clean.length} characters long; a sticker has ${Math.ceil(((LINK_KEY_BYTES + 1) * 8) / 5)}`)
    const key = Buffer.from(bytes.slice(0, LINK_KEY_BYTES))
    if (checkByte(key) !== bytes[LINK_KEY_BYTES]) throw new LinkError("the sticker code does not check out: a character was mistyped")
    return key
}
