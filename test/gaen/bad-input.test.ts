// Bad input raises an Error naming what was wrong, never a wrong identifier.
import { describe, expect, test } from "vitest"
import {
    advertisementPayload,
    associatedEncryptedMetadata,
    bluetoothMetadata,
    decryptMetadata,
    deriveDailyKeys,
    deriveRpik,
    enIntervalNumber,
    generateTemporaryExposureKey,
    identifiersFor,
    rollingProximityIdentifier,
    rollingStartIntervalNumber,
    rpiPaddedData,
    rpisForKey,
} from "../../lib/gaen/index.js"
import { vectors } from "./vectors.js"

const keys = deriveDailyKeys(vectors.tek)
const rpi = vectors.intervals[0].rpi
const aem = vectors.intervals[0].aem

describe("TEK", () => {
    test.each([0, 15, 17, 32])("%i bytes is refused", n => {
        expect(() => deriveDailyKeys(Buffer.alloc(n))).toThrow(new TypeError(`TEK must be 16 bytes, got ${n} bytes`))
        expect(() => rpisForKey(Buffer.alloc(n), vectors.rollingStart, 144)).toThrow(/TEK must be 16 bytes/)
    })
    test("non-bytes are refused", () => {
        expect(() => deriveRpik("75c734c6dd1a782de7a965da5eb93125" as never)).toThrow(/TEK must be a Uint8Array/)
        expect(() => deriveRpik(undefined as never)).toThrow(/TEK must be a Uint8Array/)
        expect(() => deriveRpik([1, 2, 3] as never)).toThrow(/TEK must be a Uint8Array/)
    })
    test("keys of the wrong size are refused where keys are passed directly", () => {
        expect(() => rollingProximityIdentifier({ rpik: Buffer.alloc(15), aemk: keys.aemk }, 0)).toThrow(/RPIK must be 16 bytes/)
        expect(() => associatedEncryptedMetadata({ rpik: keys.rpik, aemk: Buffer.alloc(32) }, rpi, vectors.metadata)).toThrow(/AEMK must be 16 bytes/)
        expect(() => decryptMetadata(Buffer.alloc(8), rpi, aem)).toThrow(/AEMK must be 16 bytes/)
    })
})

describe("interval numbers", () => {
    test.each([-1, 1.5, 2 ** 32, NaN, Infinity, -Infinity, "5", null])("%s is refused", bad => {
        expect(() => identifiersFor(keys, bad as never, 0)).toThrow(/EN interval number must be a whole number in 0\.\.\.4294967295/)
        expect(() => rpiPaddedData(bad as never)).toThrow(RangeError)
        expect(() => rollingStartIntervalNumber(bad as never)).toThrow(RangeError)
        expect(() => generateTemporaryExposureKey(bad as never)).toThrow(RangeError)
        expect(() => rpisForKey(vectors.tek, bad as never, 144)).toThrow(/rolling start interval number/)
    })
    test("rolling period must be 1...144 and stay within uint32", () => {
        for (const bad of [0, -1, 145, 1.5, NaN]) expect(() => rpisForKey(vectors.tek, 0, bad)).toThrow(/rolling period/)
        expect(() => rpisForKey(vectors.tek, 2 ** 32 - 10, 144)).toThrow(/past the last EN interval/)
        expect(rpisForKey(vectors.tek, 2 ** 32 - 10, 10)).toHaveLength(10)
    })
    test("unix time must be finite and not negative", () => {
        for (const bad of [-1, NaN, Infinity]) expect(() => enIntervalNumber(bad)).toThrow(/unix time must be a finite number/)
        expect(() => enIntervalNumber(600 * 2 ** 32)).toThrow(/past the last EN interval/)
    })
})

describe("TX power", () => {
    test.each([128, -129, 0.5, NaN, undefined, "8"])("%s is refused", bad => {
        expect(() => bluetoothMetadata(bad as never)).toThrow(/TX power must be a whole number of dBm in -128\.\.\.127/)
        expect(() => identifiersFor(keys, vectors.rollingStart, bad as never)).toThrow(/TX power/)
    })
    test("the extremes of a signed byte are accepted", () => {
        expect(bluetoothMetadata(-128).toString("hex")).toBe("40800000")
        expect(bluetoothMetadata(127).toString("hex")).toBe("407f0000")
    })
})

describe("RPI, AEM and metadata sizes", () => {
    test("wrong sizes are refused", () => {
        expect(() => associatedEncryptedMetadata(keys, rpi.subarray(0, 15), vectors.metadata)).toThrow(/RPI must be 16 bytes, got 15/)
        expect(() => associatedEncryptedMetadata(keys, rpi, Buffer.alloc(5))).toThrow(/metadata must be 4 bytes, got 5/)
        expect(() => decryptMetadata(keys.aemk, rpi, Buffer.alloc(3))).toThrow(/AEM must be 4 bytes, got 3/)
        expect(() => advertisementPayload(rpi, Buffer.alloc(5))).toThrow(/AEM must be 4 bytes/)
        expect(() => advertisementPayload(Buffer.alloc(17), aem)).toThrow(/RPI must be 16 bytes/)
    })
})
