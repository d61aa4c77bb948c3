// air.pcap as Wireshark reads it: every packet an exposure-notification advertisement with the
// RPI and AEM that were sent, from a random address, with a CRC tshark accepts.
import { describe, expect, test } from "vitest"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { advertisementPayload } from "../../lib/gaen/index.js"
import { bleCrc24 } from "../../sim/capture/ble-link-layer.js"
import { writeAirCapture } from "../../sim/capture/air-capture.js"
import type { Transmission } from "../../sim/world/radio-channel.js"
import { tsharkFields } from "./tshark.js"

const T0 = Date.UTC(2026, 3, 1, 9)

function transmission(token: string, n: number, fromMs: number, toMs: number | null): Transmission {
    const rpi = Buffer.alloc(16, n)
    const aem = Buffer.from([n, n + 1, n + 2, n + 3])
    return { token, address: new Uint8Array([n, 0x22, 0x33, 0x44, 0x55, 0x26]), payload: advertisementPayload(rpi, aem), fromMs, toMs, receptions: [] }
}

describe("air.pcap", () => {
    test("CRC-24 of an advertising PDU matches a known capture", () => {
        // ADV_NONCONN_IND header 0x42 0x25, address, GAEN payload. The bytes 69 1a 9b are what tshark
        // accepted for this PDU; it shows them as btle.crc = 0x9658d9 (each byte bit-reversed).
        const pdu = Buffer.concat([
            Buffer.from([0x42, 0x25, 1, 2, 3, 4, 5, 0x3a]),
            advertisementPayload(Buffer.from("00112233445566778899aabbccddeeff", "hex"), Buffer.from("deadbeef", "hex")),
        ])
        expect(Buffer.from(bleCrc24(pdu)).toString("hex")).toBe("691a9b")
    })

    test("tshark decodes every packet as an Exposure Notification with the RPI and AEM sent and a valid CRC", async () => {
        const dir = mkdtempSync(join(tmpdir(), "gaen-capture-"))
        try {
            const file = join(dir, "air.pcap")
            const sent = [transmission("a", 1, T0, T0 + 10_000), transmission("b", 2, T0 + 1_100, null), transmission("a", 3, T0 + 10_000, T0 + 12_000)]
            const packets = await writeAirCapture(file, sent, 250, T0 + 12_000)
            expect(packets).toBe(40 + 44 + 8)
            const rows = tsharkFields(file, [
                "frame.time_epoch",
                "btle.advertising_header.pdu_type",
                "btle.advertising_header.randomized_tx",
                "btle.advertising_address",
                "bluetooth.gaen.rpi",
                "bluetooth.gaen.aemd",
                "btle.crc.incorrect",
            ])
            expect(rows).toHaveLength(packets)
            const times = rows.map(r => Number(r[0]))
            expect(times).toEqual([...times].sort((x, y) => x - y)) // in time order
            expect(times[0]).toBeCloseTo(T0 / 1000, 6)
            for (const [, type, random, , rpi, aem, crcIncorrect] of rows) {
                expect(type).toBe("0x02") // ADV_NONCONN_IND
                expect(random).toMatch(/^(1|True)$/)
                expect(crcIncorrect ?? "").toBe("")
                const n = parseInt(rpi.slice(0, 2), 16)
                expect(rpi).toBe(Buffer.alloc(16, n).toString("hex"))
                expect(aem).toBe(Buffer.from([n, n + 1, n + 2, n + 3]).toString("hex"))
            }
            expect(new Set(rows.map(r => r[3]))).toEqual(new Set(["26:55:44:33:22:01", "26:55:44:33:22:02", "26:55:44:33:22:03"]))

            // The check can fail: a flipped CRC bit is reported.
            const bytes = readFileSync(file)
            bytes[bytes.length - 1] ^= 0x01
            writeFileSync(file, bytes)
            expect(tsharkFields(file, ["btle.crc.incorrect"]).filter(r => r[0] !== "")).toHaveLength(1)
        } finally {
            rmSync(dir, { recursive: true, force: true })
        }
    })
})
