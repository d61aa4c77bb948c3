// Building and parsing the advertising payload, including a fuzz of the parser.
import { describe, expect, test } from "vitest"
import { AdvertisementParseError, advertisementPayload, parseAdvertisement } from "../../lib/gaen/index.js"
import { vectors } from "./vectors.js"
import { hex } from "../helpers/bytes.js"

const { rpi, aem } = vectors.intervals[42]
const FLAGS = "02011a"
const UUIDS = "03036ffd"
const SERVICE_DATA = "17166ffd" + hex(rpi) + hex(aem)
const bytes = (...parts: string[]) => Buffer.from(parts.join(""), "hex")

function expectParseError(payload: Uint8Array, message: RegExp) {
    expect(() => parseAdvertisement(payload)).toThrow(AdvertisementParseError)
    expect(() => parseAdvertisement(payload)).toThrow(message)
}

describe("advertisementPayload", () => {
    test("is the 31-byte Flags + UUID list + service data layout", () => {
        const payload = advertisementPayload(rpi, aem)
        expect(payload).toHaveLength(31)
        expect(hex(payload)).toBe(FLAGS + UUIDS + SERVICE_DATA)
    })
})

describe("parseAdvertisement", () => {
    test("round-trips a built payload (all 144 vector intervals)", () => {
        for (const row of vectors.intervals) {
            const parsed = parseAdvertisement(advertisementPayload(row.rpi, row.aem))
            expect(hex(parsed.rpi)).toBe(hex(row.rpi))
            expect(hex(parsed.aem)).toBe(hex(row.aem))
        }
    })
    test("accepts a payload without Flags (as Android sends it)", () => {
        const parsed = parseAdvertisement(bytes(UUIDS, SERVICE_DATA))
        expect(hex(parsed.rpi)).toBe(hex(rpi))
        expect(hex(parsed.aem)).toBe(hex(aem))
    })
    test("accepts other structures, any order, and zero-length early termination", () => {
        for (const payload of [
            bytes(SERVICE_DATA),
            bytes(SERVICE_DATA, UUIDS),
            bytes("020a08", SERVICE_DATA), // TX power level structure first
            bytes(SERVICE_DATA, "00", "0000"), // early termination, then padding
        ]) {
            expect(hex(parseAdvertisement(payload).rpi)).toBe(hex(rpi))
        }
    })
    test("returns copies, not views of the caller's buffer", () => {
        const payload = advertisementPayload(rpi, aem)
        const parsed = parseAdvertisement(payload)
        payload.fill(0)
        expect(hex(parsed.rpi)).toBe(hex(rpi))
    })
    test("refuses empty, oversized and truncated payloads", () => {
        expectParseError(Buffer.alloc(0), /empty/)
        expectParseError(bytes(FLAGS, UUIDS, SERVICE_DATA, "00"), /32 bytes; a legacy advertisement holds at most 31/)
        expectParseError(bytes(FLAGS, UUIDS, SERVICE_DATA).subarray(0, 30), /truncated: AD structure at byte 7 declares 23 bytes but only 22 follow/)
        expectParseError(bytes("05"), /truncated/)
    })
    test("refuses advertisements that are not GAEN", () => {
        expectParseError(bytes(FLAGS), /no service data for UUID 0xFD6F/)
        expectParseError(bytes(FLAGS, "0303aafe", "17166ffe", hex(rpi), hex(aem)), /no service data for UUID 0xFD6F/)
        expectParseError(bytes("00", SERVICE_DATA), /no service data/) // data after early termination is padding
        expectParseError(bytes(FLAGS, "1bff4c00", "00".repeat(24)), /no service data/) // manufacturer data
    })
    test("refuses GAEN service data of the wrong size", () => {
        expectParseError(bytes(FLAGS, "16166ffd", hex(rpi), hex(aem).slice(0, 6)), /must be 20 bytes \(RPI 16 \+ AEM 4\), got 19/)
        expectParseError(bytes("03166ffd"), /got 0/)
        expectParseError(bytes("07166ffd01020304"), /got 4/)
    })
    test("refuses non-bytes with a TypeError", () => {
        expect(() => parseAdvertisement("02011a" as never)).toThrow(TypeError)
        expect(() => parseAdvertisement(undefined as never)).toThrow(/must be a Uint8Array/)
    })
})

describe("parseAdvertisement fuzz", () => {
    // Deterministic xorshift32, so a failure can be reproduced.
    function rng(seed: number) {
        let s = seed >>> 0 || 1
        return () => {
            s ^= s << 13
            s ^= s >>> 17
            s ^= s << 5
            return (s >>> 0) / 2 ** 32
        }
    }
    function parseOrExplain(payload: Uint8Array): "parsed" | "refused" {
        try {
            const { rpi, aem } = parseAdvertisement(payload)
            expect(rpi).toHaveLength(16)
            expect(aem).toHaveLength(4)
            return "parsed"
        } catch (e) {
            expect(e).toBeInstanceOf(AdvertisementParseError)
            expect((e as Error).message.length).toBeGreaterThan(10)
            return "refused"
        }
    }

    test("random bytes never crash: they parse or raise AdvertisementParseError", () => {
        const random = rng(0x6aeb)
        for (let n = 0; n < 20_000; n++) {
            const payload = Buffer.alloc(Math.floor(random() * 40))
            for (let i = 0; i < payload.length; i++) payload[i] = Math.floor(random() * 256)
            parseOrExplain(payload)
        }
    })
    test("mutations of a valid payload never crash, and some still parse", () => {
        const random = rng(0xfd6f)
        const valid = advertisementPayload(rpi, aem)
        const outcomes = { parsed: 0, refused: 0 }
        for (let n = 0; n < 20_000; n++) {
            const payload = Buffer.from(valid)
            const flips = 1 + Math.floor(random() * 3)
            for (let f = 0; f < flips; f++) payload[Math.floor(random() * payload.length)] = Math.floor(random() * 256)
            const cut = random() < 0.2 ? Math.floor(random() * 31) : 31
            outcomes[parseOrExplain(payload.subarray(0, cut))]++
        }
        expect(outcomes.parsed).toBeGreaterThan(0)
        expect(outcomes.refused).toBeGreaterThan(0)
    })
})
