// lib/gaen reproduces the official GAEN v1.2 test vectors: keys and all 144 RPI/AEM pairs.
import { describe, expect, test } from "vitest"
import {
    associatedEncryptedMetadata,
    bluetoothMetadata,
    decryptMetadata,
    deriveAemk,
    deriveDailyKeys,
    deriveRpik,
    enIntervalNumber,
    generateTemporaryExposureKey,
    identifiersFor,
    rollingProximityIdentifier,
    rollingStartIntervalNumber,
    rpiPaddedData,
    rpisForKey,
    tekCoversInterval,
} from "../../lib/gaen/index.js"
import { vectors } from "./vectors.js"
import { hex } from "../helpers/bytes.js"

describe("keys", () => {
    test("the vector file has 144 consecutive intervals from the rolling start", () => {
        expect(vectors.intervals).toHaveLength(144)
        vectors.intervals.forEach((row, i) => expect(row.enin).toBe(vectors.rollingStart + i))
    })
    test("ENIN and rolling start of the key generation time", () => {
        expect(enIntervalNumber(vectors.keyGenerationUnixSeconds)).toBe(vectors.rollingStart)
        expect(enIntervalNumber(vectors.keyGenerationUnixSeconds + 599.9)).toBe(vectors.rollingStart)
        expect(enIntervalNumber(vectors.keyGenerationUnixSeconds + 600)).toBe(vectors.rollingStart + 1)
        expect(rollingStartIntervalNumber(vectors.rollingStart + 143)).toBe(vectors.rollingStart)
        expect(rollingStartIntervalNumber(vectors.rollingStart + 144)).toBe(vectors.rollingStart + 144)
    })
    test("RPIK and AEMK", () => {
        expect(hex(deriveRpik(vectors.tek))).toBe(hex(vectors.rpik))
        expect(hex(deriveAemk(vectors.tek))).toBe(hex(vectors.aemk))
        const keys = deriveDailyKeys(vectors.tek)
        expect(hex(keys.rpik)).toBe(hex(vectors.rpik))
        expect(hex(keys.aemk)).toBe(hex(vectors.aemk))
    })
    test("generated TEKs: 16 random bytes, aligned rolling start, 144 intervals", () => {
        const a = generateTemporaryExposureKey(vectors.rollingStart + 77)
        const b = generateTemporaryExposureKey(vectors.rollingStart + 77)
        expect(a.keyData).toHaveLength(16)
        expect(hex(a.keyData)).not.toBe(hex(b.keyData))
        expect(a.rollingStartIntervalNumber).toBe(vectors.rollingStart)
        expect(a.rollingPeriod).toBe(144)
        expect(tekCoversInterval(a, vectors.rollingStart + 143)).toBe(true)
        expect(tekCoversInterval(a, vectors.rollingStart + 144)).toBe(false)
    })
})

describe("identifiers", () => {
    const keys = deriveDailyKeys(vectors.tek)
    test("metadata for +8 dBm", () => {
        expect(hex(bluetoothMetadata(vectors.txPower))).toBe(hex(vectors.metadata))
    })
    test.each(vectors.intervals.map((row, i) => [i, row] as const))("interval offset %i: PaddedData, RPI, AEM, payload", (_, row) => {
        expect(hex(rpiPaddedData(row.enin))).toBe(hex(row.padded))
        expect(hex(rollingProximityIdentifier(keys, row.enin))).toBe(hex(row.rpi))
        expect(hex(associatedEncryptedMetadata(keys, row.rpi, vectors.metadata))).toBe(hex(row.aem))
        const ids = identifiersFor(keys, row.enin, vectors.txPower)
        expect(hex(ids.rpi)).toBe(hex(row.rpi))
        expect(hex(ids.aem)).toBe(hex(row.aem))
        expect(hex(ids.payload)).toBe("02011a03036ffd17166ffd" + hex(row.rpi) + hex(row.aem))
        expect(decryptMetadata(vectors.aemk, row.rpi, row.aem)).toEqual({ version: 0x40, txPower: 8 })
    })
    test("rpisForKey gives the 144 RPIs of the day, in interval order", () => {
        const day = rpisForKey(vectors.tek, vectors.rollingStart, vectors.rollingPeriod)
        expect(day.map(d => d.intervalNumber)).toEqual(vectors.intervals.map(r => r.enin))
        expect(day.map(d => hex(d.rpi))).toEqual(vectors.intervals.map(r => hex(r.rpi)))
    })
    test("rpisForKey of a shorter, later window is the matching slice", () => {
        const part = rpisForKey(vectors.tek, vectors.rollingStart + 100, 10)
        expect(part.map(d => hex(d.rpi))).toEqual(vectors.intervals.slice(100, 110).map(r => hex(r.rpi)))
    })
    test("decryptMetadata reads a negative TX power", () => {
        const rpi = vectors.intervals[5].rpi
        const aem = associatedEncryptedMetadata(keys, rpi, bluetoothMetadata(-30))
        expect(decryptMetadata(keys.aemk, rpi, aem)).toEqual({ version: 0x40, txPower: -30 })
    })
    test("the largest interval number still encodes as uint32 LE", () => {
        expect(hex(rpiPaddedData(0xffffffff))).toBe("454e2d525049000000000000ffffffff")
    })
})
