// The channel's path-loss model: the documented numbers, and sense.
import { describe, expect, test } from "vitest"
import { DEFAULT_CHANNEL, FREE_SPACE_LOSS_AT_1M_DB, CLOSE_CONTACT_MAX_ATTENUATION_DB } from "../../sim/world/constants.js"
import { distanceForRssi, meanRssiDbm, pathLossDb } from "../../sim/world/path-loss.js"

const TX = -8 // the simulated board's calibrated TX power

describe("path loss", () => {
    test("free-space loss at 1 m and 2.44 GHz is 40.2 dB (Friis)", () => {
        expect(FREE_SPACE_LOSS_AT_1M_DB).toBeCloseTo(40.19, 1)
    })

    test("matches the documented constants at 1 m and 10 m", () => {
        // PL(d) = PL(d0) + body + 10 n log10(d/d0) with n = 2.4, body 10 dB
        expect(pathLossDb(1)).toBeCloseTo(FREE_SPACE_LOSS_AT_1M_DB + 10, 6)
        expect(pathLossDb(10)).toBeCloseTo(FREE_SPACE_LOSS_AT_1M_DB + 10 + 24, 6)
        expect(meanRssiDbm(TX, 1)).toBeCloseTo(-58.2, 1)
        expect(meanRssiDbm(TX, 10)).toBeCloseTo(-82.2, 1)
    })

    test("1 m is a close contact for a kiosk, 10 m is not, even with a 3σ fade", () => {
        const attenuation = (d: number, fadeDb = 0) => TX - (meanRssiDbm(TX, d) + fadeDb)
        expect(attenuation(1, -3 * DEFAULT_CHANNEL.fadingSigmaDb)).toBeLessThanOrEqual(CLOSE_CONTACT_MAX_ATTENUATION_DB)
        expect(attenuation(10, 3 * DEFAULT_CHANNEL.fadingSigmaDb)).toBeGreaterThan(CLOSE_CONTACT_MAX_ATTENUATION_DB)
    })

    test("is monotonic: farther is always weaker", () => {
        let last = Infinity
        for (let d = 0.1; d < 200; d *= 1.1) {
            const rssi = meanRssiDbm(TX, d)
            expect(rssi).toBeLessThan(last)
            last = rssi
        }
    })

    test("does not diverge at 0 m, and inverts", () => {
        expect(Number.isFinite(pathLossDb(0))).toBe(true)
        expect(pathLossDb(0)).toBe(pathLossDb(DEFAULT_CHANNEL.minimumDistanceM))
        expect(distanceForRssi(TX, meanRssiDbm(TX, 7.5))).toBeCloseTo(7.5, 6)
    })

    test("refuses a negative or non-numeric distance", () => {
        expect(() => pathLossDb(-1)).toThrow(/non-negative/)
        expect(() => pathLossDb(NaN)).toThrow(/non-negative/)
    })
})
