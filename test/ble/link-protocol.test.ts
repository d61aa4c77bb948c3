// The host side of the sync link's pieces, without a token: the sticker code (typos caught), message
// framing across GATT values, and sealed messages that do not open when anything is off.
import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { linkKeyOfStickerCode, stickerCodeOf } from "../../lib/ble-link/sticker-code.js"
import {
    DIR_HOST_TO_TOKEN,
    DIR_TOKEN_TO_HOST,
    MAX_MESSAGE_BYTES,
    Reassembler,
    advertisementTag,
    deriveSessionKeys,
    fragment,
    isSyncAdvertisementOf,
    openData,
    sealData,
    MSG_READY,
    NONCE_BYTES,
} from "../../lib/ble-link/protocol.js"
import { HostLinkSession, type GattConnection } from "../../lib/ble-link/host-session.js"
import { parseTokenAddress, describeTokenAddress } from "../../kiosk/transport/address.js"

describe("sticker code", () => {
    const key = randomBytes(32)
    const code = stickerCodeOf(key)

    test("holds the key, in groups of four characters a person can type", () => {
        expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){13}[0-9A-HJKMNP-TV-Z]$/)
        expect(linkKeyOfStickerCode(code)).toEqual(key)
        expect(linkKeyOfStickerCode(code.toLowerCase().replace(/-/g, " "))).toEqual(key)
    })

    test("a mistyped or missing character is caught, and said so", () => {
        const i = 7
        const wrong = code.slice(0, i) + (code[i] === "A" ? "B" : "A") + code.slice(i + 1)
        expect(() => linkKeyOfStickerCode(wrong)).toThrow(/mistyped/)
        expect(() => linkKeyOfStickerCode(code.slice(0, -3))).toThrow(/characters long/)
        expect(() => linkKeyOfStickerCode(code.replace(/.$/, "U"))).toThrow(/not on any sticker: "U"/)
    })

    test("the kiosk takes ble:<code> and never prints the code back", () => {
        const a = parseTokenAddress(`ble:${code}`)
        expect(a).toEqual({ kind: "ble", linkKey: key })
        expect(describeTokenAddress(a)).not.toContain(code.slice(0, 4))
        expect(() => parseTokenAddress("ble:1234")).toThrow(/characters long/)
    })
})

describe("messages on the link", () => {
    test("split into GATT values of MTU - 3 bytes and joined again", () => {
        const m = randomBytes(280)
        const values = fragment(m, 100)
        expect(values.map(v => v.length)).toEqual([97, 97, 1 + 280 - 2 * 96])
        const r = new Reassembler()
        expect(values.slice(0, -1).map(v => r.push(v))).toEqual([undefined, undefined])
        expect(r.push(values[values.length - 1])).toEqual(m)
    })

    test("an oversized message is refused", () => {
        const r = new Reassembler()
        const values = fragment(randomBytes(MAX_MESSAGE_BYTES + 1), 247)
        expect(() => values.forEach(v => r.push(v))).toThrow(/longer than/)
    })

    test("a sealed message opens only with its key, direction and unchanged bytes", () => {
        const link = randomBytes(32)
        const keys = deriveSessionKeys(link, randomBytes(16), randomBytes(16))
        const sealed = sealData(keys.hostToToken, DIR_HOST_TO_TOKEN, 7, Buffer.from("set the time"))
        expect(openData(keys.hostToToken, DIR_HOST_TO_TOKEN, sealed)).toEqual({ counter: 7, plain: Buffer.from("set the time") })
        expect(openData(keys.tokenToHost, DIR_HOST_TO_TOKEN, sealed)).toBeUndefined()
        expect(openData(keys.hostToToken, DIR_TOKEN_TO_HOST, sealed)).toBeUndefined()
        const other = deriveSessionKeys(link, randomBytes(16), randomBytes(16)) // another connection
        expect(openData(other.hostToToken, DIR_HOST_TO_TOKEN, sealed)).toBeUndefined()
        for (const at of [1, 6, sealed.length - 1]) {
            const bent = Buffer.from(sealed)
            bent[at] ^= 1
            expect(openData(keys.hostToToken, DIR_HOST_TO_TOKEN, bent)).toBeUndefined()
        }
    })

    test("the sync advertisement is recognised with the sticker's key only", () => {
        const link = randomBytes(32)
        const nonce = randomBytes(8)
        const ad = Buffer.concat([Buffer.from([2, 1, 6, 19, 0x16, 0xf5, 0xff]), nonce, advertisementTag(link, nonce)])
        expect(isSyncAdvertisementOf(link, ad)).toBe(true)
        expect(isSyncAdvertisementOf(randomBytes(32), ad)).toBe(false)
    })
})

describe("a host session fed a malformed stream", () => {
    test("a message over the size limit ends the link (it is not thrown into the radio's callback)", async () => {
        // A token stand-in that greets properly, then sends more than one message may hold.
        let notify: (v: Uint8Array) => void = () => {}
        let closed = false
        const conn: GattConnection = {
            mtu: 238,
            write: async () => {
                queueMicrotask(() => {
                    for (const v of fragment(Buffer.concat([Buffer.from([MSG_READY]), randomBytes(NONCE_BYTES)]), 238)) notify(v)
                })
            },
            onNotify: h => {
                notify = h
            },
            onClose: () => {},
            close: async () => {
                closed = true
            },
        }
        const session = await HostLinkSession.open(conn, randomBytes(32))
        const delivered: Buffer[] = []
        session.onMessage(m => void delivered.push(m))
        // Two "more follows" values of 200 bytes: the message is already over MAX_MESSAGE_BYTES.
        expect(() => {
            notify(Buffer.concat([Buffer.from([1]), randomBytes(200)]))
            notify(Buffer.concat([Buffer.from([1]), randomBytes(200)]))
        }).not.toThrow()
        expect(MAX_MESSAGE_BYTES).toBeLessThan(400)
        expect(closed).toBe(true)
        expect(delivered).toEqual([])
    })
})

describe("a host session that hears a value twice", () => {
    // The DeviceScript runtime hands a frame to the host side before it queues it locally, and
    // retries the send when the full local queue refuses it (jacdac-c jd_send_frame; devicescript
    // jdiface.c handle_send_pkt): the radio then notifies the same sealed value again, right after.
    const mtu = 238

    /** A session open against a token played here: `fromToken` seals and splits what it says. */
    async function openSession() {
        const linkKey = randomBytes(32)
        let notify: (v: Uint8Array) => void = () => {}
        let keys: ReturnType<typeof deriveSessionKeys> | undefined
        const state = { closed: false }
        const conn: GattConnection = {
            mtu,
            write: async value => {
                if (keys) return
                // The greeting: HELLO and the host's nonce, in one value after its fragment byte.
                const hostNonce = Buffer.from(value.subarray(2, 2 + NONCE_BYTES))
                const tokenNonce = randomBytes(NONCE_BYTES)
                keys = deriveSessionKeys(linkKey, hostNonce, tokenNonce)
                queueMicrotask(() => {
                    for (const v of fragment(Buffer.concat([Buffer.from([MSG_READY]), tokenNonce]), mtu)) notify(v)
                })
            },
            onNotify: h => {
                notify = h
            },
            onClose: () => {},
            close: async () => {
                state.closed = true
            },
        }
        const session = await HostLinkSession.open(conn, linkKey)
        const delivered: string[] = []
        session.onMessage(m => void delivered.push(m.toString()))
        const fromToken = (counter: number, text: string) => fragment(sealData(keys!.tokenToHost, DIR_TOKEN_TO_HOST, counter, Buffer.from(text)), mtu)
        return { notify: (values: Buffer[]) => values.forEach(v => notify(v)), fromToken, delivered, state }
    }

    test("takes a one-value message once and keeps the link", async () => {
        const { notify, fromToken, delivered, state } = await openSession()
        const page1 = fromToken(1, "page 1")
        expect(page1).toHaveLength(1)
        notify([...page1, ...page1, ...fromToken(2, "page 2")])
        expect(delivered).toEqual(["page 1", "page 2"])
        expect(state.closed).toBe(false)
        // A message from further on (one lost in between) still ends the link.
        notify(fromToken(4, "page 4"))
        expect(state.closed).toBe(true)
        expect(delivered).toEqual(["page 1", "page 2"])
    })

    test("takes a message of several values whole, whichever of its values came twice", async () => {
        // A report of the largest size (a read_log page of records, 236 bytes) is two values.
        const { notify, fromToken, delivered, state } = await openSession()
        const page = (n: number) => `page ${n} `.padEnd(236, "r")
        const expected: string[] = []
        for (let twice = 0; twice < 2; twice++) {
            const values = fromToken(twice + 1, page(twice + 1))
            expect(values).toHaveLength(2)
            notify([...values.slice(0, twice + 1), values[twice], ...values.slice(twice + 1)])
            expected.push(page(twice + 1))
            expect(delivered).toEqual(expected)
        }
        expect(state.closed).toBe(false)
        // A value of another message in its place still ends the link.
        const [first] = fromToken(3, page(3))
        const [, second] = fromToken(4, page(4))
        notify([first, second])
        expect(state.closed).toBe(true)
        expect(delivered).toEqual(expected)
    })
})
