// The firmware's record codec is checked against the host's (test/firmware/wire-record.test.ts)
// through a generated module, since DeviceScript cannot import Node code: this fails when the host's
// codec (lib/token-sync/records.ts) changes alone. Fix, if the change is meant: change the firmware's
// codec to match, then npx tsx scripts/gen-wire-record-vectors.ts.
import { readFileSync } from "node:fs"
import { expect, test } from "vitest"
import { GENERATED_MODULE, renderWireRecordVectors, vectorRecords } from "../../scripts/gen-wire-record-vectors.js"
import { RecordFormatError, crc16, decodeRecord, encodeRecord, RECORD_LAYOUT } from "../../lib/token-sync/records.js"

test("test/firmware/wire-record.generated.ts is what the host's codec makes now", () => {
    expect(readFileSync(GENERATED_MODULE, "utf8")).toBe(renderWireRecordVectors())
})

test("the vectors reach every edge of the record: saturation, the time range, a CRC stored as 0xFFFE", () => {
    const records = vectorRecords()
    const wire = records.map(encodeRecord)
    expect(wire.some(w => w[RECORD_LAYOUT.duration] === 255 && w[RECORD_LAYOUT.scans] === 255)).toBe(true)
    expect(wire.some(w => crc16(w.subarray(0, RECORD_LAYOUT.check)) === 0xffff && w.readUInt16LE(RECORD_LAYOUT.check) === 0xfffe)).toBe(true)
    for (const [i, w] of wire.entries()) {
        const back = decodeRecord(w)
        expect(Buffer.from(back.rpi).equals(Buffer.from(records[i].rpi))).toBe(true)
        expect(encodeRecord(back).equals(w)).toBe(true)
    }
})

test("a record the format cannot hold is refused, naming the field", () => {
    const [r] = vectorRecords()
    expect(() => encodeRecord({ ...r, rpi: new Uint8Array(15) })).toThrow(/RPI is 16 bytes, got 15/)
    expect(() => encodeRecord({ ...r, firstSeen: 0 })).toThrow(/firstSeen \(Unix minute 0\) is outside/)
    expect(() => encodeRecord({ ...r, lastSeen: r.firstSeen - 1 })).toThrow(/lastSeen .* is before its firstSeen/)
    const torn = encodeRecord(r)
    torn[5] ^= 1
    expect(() => decodeRecord(torn)).toThrow(RecordFormatError)
})
