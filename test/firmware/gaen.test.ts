// The firmware GAEN crypto against the official v1.2 test vectors (all 144 intervals), plus the
// advertising payload layout and the refusal of bad input.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import {
    advertisementPayload,
    associatedEncryptedMetadata,
    bluetoothMetadata,
    deriveAemk,
    deriveDailyKeys,
    deriveRpik,
    enIntervalNumber,
    generateTemporaryExposureKey,
    identifiersFor,
    rollingProximityIdentifier,
    rollingStartIntervalNumber,
    rpiPaddedData,
    tekCoversInterval,
} from "../../src/gaen/index"
import { expectErrorMentioning } from "./expect-error"
import {
    AEMK,
    AEMS,
    INTERVAL_COUNT,
    KEY_GENERATION_UNIX_SECONDS,
    METADATA,
    PADDED_DATA,
    ROLLING_START_INTERVAL,
    RPIK,
    RPIS,
    TEK,
    TX_POWER_DBM,
} from "./vectors.generated"

const hexOf = (b: Buffer) => b.toString("hex")

describe("keys", () => {
    test("ENIN and rolling start of the vector's key generation time", () => {
        expect(enIntervalNumber(KEY_GENERATION_UNIX_SECONDS)).toBe(ROLLING_START_INTERVAL)
        expect(enIntervalNumber(KEY_GENERATION_UNIX_SECONDS + 599)).toBe(ROLLING_START_INTERVAL)
        expect(enIntervalNumber(KEY_GENERATION_UNIX_SECONDS + 600)).toBe(ROLLING_START_INTERVAL + 1)
        expect(rollingStartIntervalNumber(ROLLING_START_INTERVAL + 143)).toBe(ROLLING_START_INTERVAL)
        expect(rollingStartIntervalNumber(ROLLING_START_INTERVAL + 144)).toBe(ROLLING_START_INTERVAL + 144)
    })
    test("RPIK and AEMK of the vector TEK", () => {
        expect(hexOf(deriveRpik(TEK))).toBe(hexOf(RPIK))
        expect(hexOf(deriveAemk(TEK))).toBe(hexOf(AEMK))
        const keys = deriveDailyKeys(TEK)
        expect(hexOf(keys.rpik)).toBe(hexOf(RPIK))
        expect(hexOf(keys.aemk)).toBe(hexOf(AEMK))
    })
    test("generated TEKs are 16 random bytes starting at the day's first interval", () => {
        const a = generateTemporaryExposureKey(ROLLING_START_INTERVAL + 100)
        const b = generateTemporaryExposureKey(ROLLING_START_INTERVAL + 100)
        expect(a.keyData.length).toBe(16)
        expect(hexOf(a.keyData)).not().toBe(hexOf(b.keyData))
        expect(a.rollingStartIntervalNumber).toBe(ROLLING_START_INTERVAL)
        expect(a.rollingPeriod).toBe(144)
        expect(tekCoversInterval(a, ROLLING_START_INTERVAL)).toBe(true)
        expect(tekCoversInterval(a, ROLLING_START_INTERVAL + 143)).toBe(true)
        expect(tekCoversInterval(a, ROLLING_START_INTERVAL + 144)).toBe(false)
        expect(tekCoversInterval(a, ROLLING_START_INTERVAL - 1)).toBe(false)
    })
})

describe("identifiers (official vectors)", () => {
    test("metadata for +8 dBm", () => {
        expect(hexOf(bluetoothMetadata(TX_POWER_DBM))).toBe(hexOf(METADATA))
        expect(hexOf(bluetoothMetadata(-128))).toBe("40800000")
        expect(hexOf(bluetoothMetadata(-1))).toBe("40ff0000")
        expect(hexOf(bluetoothMetadata(127))).toBe("407f0000")
    })
    test("PaddedData of all 144 intervals, and of the largest interval", () => {
        for (let i = 0; i < INTERVAL_COUNT; i++) expect(hexOf(rpiPaddedData(ROLLING_START_INTERVAL + i))).toBe(hexOf(PADDED_DATA.slice(16 * i, 16 * i + 16)))
        expect(hexOf(rpiPaddedData(0xffffffff))).toBe("454e2d525049000000000000ffffffff")
    })
    test("RPI, AEM and payload of all 144 intervals", async () => {
        const keys = deriveDailyKeys(TEK)
        for (let i = 0; i < INTERVAL_COUNT; i++) {
            const { rpi, aem, payload } = identifiersFor(keys, ROLLING_START_INTERVAL + i, TX_POWER_DBM)
            expect(hexOf(rpi)).toBe(hexOf(RPIS.slice(16 * i, 16 * i + 16)))
            expect(hexOf(aem)).toBe(hexOf(AEMS.slice(4 * i, 4 * i + 4)))
            expect(hexOf(payload)).toBe("02011a03036ffd17166ffd" + hexOf(rpi) + hexOf(aem))
            await ds.sleep(0) // two AES blocks per interval; let the VM breathe between intervals
        }
    })
    test("the single-step functions agree with identifiersFor, and CTR decrypts the AEM", () => {
        const keys = deriveDailyKeys(TEK)
        const rpi = rollingProximityIdentifier(keys, ROLLING_START_INTERVAL)
        expect(hexOf(rpi)).toBe(hexOf(RPIS.slice(0, 16)))
        const aem = associatedEncryptedMetadata(keys, rpi, METADATA)
        expect(hexOf(aem)).toBe(hexOf(AEMS.slice(0, 4)))
        expect(hexOf(associatedEncryptedMetadata(keys, rpi, aem))).toBe(hexOf(METADATA))
    })
})

describe("advertisement payload", () => {
    test("31 bytes: Flags, UUID list 0xFD6F, service data RPI || AEM", () => {
        const rpi = hex`000102030405060708090a0b0c0d0e0f`
        const aem = hex`a0a1a2a3`
        const p = advertisementPayload(rpi, aem)
        expect(p.length).toBe(31)
        expect(hexOf(p.slice(0, 3))).toBe("02011a") // Flags
        expect(hexOf(p.slice(3, 7))).toBe("03036ffd") // Complete 16-bit UUIDs: FD6F
        expect(hexOf(p.slice(7, 11))).toBe("17166ffd") // Service data, 23 bytes, UUID FD6F
        expect(hexOf(p.slice(11, 27))).toBe(hexOf(rpi))
        expect(hexOf(p.slice(27, 31))).toBe(hexOf(aem))
    })
    test("rejects an RPI or AEM of the wrong size", () => {
        expectErrorMentioning(() => advertisementPayload(Buffer.alloc(15), Buffer.alloc(4)), "RPI must be 16 bytes")
        expectErrorMentioning(() => advertisementPayload(Buffer.alloc(16), Buffer.alloc(5)), "AEM must be 4 bytes")
    })
})

describe("bad input", () => {
    const keys = deriveDailyKeys(TEK)
    test("TEK that is not 16 bytes", () => {
        expectErrorMentioning(() => deriveDailyKeys(Buffer.alloc(15)), "TEK must be 16 bytes, got 15")
        expectErrorMentioning(() => deriveDailyKeys(Buffer.alloc(17)), "TEK must be 16 bytes, got 17")
        expectErrorMentioning(() => deriveRpik(Buffer.alloc(0)), "TEK must be 16 bytes")
        expectErrorMentioning(() => deriveAemk("0123456789abcdef" as any), "TEK must be a Buffer")
        expectErrorMentioning(() => deriveDailyKeys(undefined), "TEK must be a Buffer")
    })
    test("interval negative, fractional, too large or not a number", () => {
        expectErrorMentioning(() => identifiersFor(keys, -1, 0), "EN interval number")
        expectErrorMentioning(() => identifiersFor(keys, 12.5, 0), "got 12.5")
        expectErrorMentioning(() => identifiersFor(keys, 0x100000000, 0), "EN interval number")
        expectErrorMentioning(() => identifiersFor(keys, NaN, 0), "EN interval number")
        expectErrorMentioning(() => identifiersFor(keys, Infinity, 0), "EN interval number")
        expectErrorMentioning(() => rpiPaddedData("5" as any), "EN interval number")
        expectErrorMentioning(() => rollingStartIntervalNumber(-144), "EN interval number")
        expectErrorMentioning(() => generateTemporaryExposureKey(1.5), "EN interval number")
        // The largest legal interval still works.
        expect(identifiersFor(keys, 0xffffffff, 0).rpi.length).toBe(16)
    })
    test("unix time negative or not finite", () => {
        expectErrorMentioning(() => enIntervalNumber(-1), "unix time")
        expectErrorMentioning(() => enIntervalNumber(NaN), "unix time")
        expectErrorMentioning(() => enIntervalNumber(Infinity), "unix time")
        expectErrorMentioning(() => enIntervalNumber(600 * 0x100000000), "past the last EN interval")
    })
    test("TX power outside -128...127 or fractional", () => {
        expectErrorMentioning(() => identifiersFor(keys, ROLLING_START_INTERVAL, 128), "TX power")
        expectErrorMentioning(() => identifiersFor(keys, ROLLING_START_INTERVAL, -129), "TX power")
        expectErrorMentioning(() => bluetoothMetadata(0.5), "TX power must be a whole number")
        expectErrorMentioning(() => bluetoothMetadata(undefined), "TX power")
    })
    test("AEM inputs of the wrong size", () => {
        expectErrorMentioning(() => associatedEncryptedMetadata(keys, Buffer.alloc(12), METADATA), "RPI must be 16 bytes")
        expectErrorMentioning(() => associatedEncryptedMetadata(keys, RPIS.slice(0, 16), Buffer.alloc(5)), "metadata must be 4 bytes")
    })
})
