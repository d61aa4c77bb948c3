// The firmware's record codec (src/storage/contact-record.ts) and the host's
// (lib/token-sync/records.ts) agree on every byte of the 30-byte record that read_log hands out:
// the host's encodings (wire-record.generated.ts, made by scripts/gen-wire-record-vectors.ts) are
// what the firmware encodes from the same fields, and decode to what the host decodes.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { ContactRecord, decodeRecord, encodeRecord } from "../../src/storage/contact-record"
import { checkValue } from "../../src/storage/checksum"
import { RECORD_BODY_SIZE } from "../../src/storage/layout"
import { DECODED, ENCODED_FROM, RECORD_COUNT, WIRE_RECORDS } from "./wire-record.generated"

const SIZE = ds.TokenSyncLayout.RecordBytes

function hostRecord(i: number): Buffer {
    return WIRE_RECORDS.slice(i * SIZE, (i + 1) * SIZE)
}

function fieldsOf(r: ContactRecord): string {
    return [r.firstSeen, r.lastSeen, r.scans, r.rssiMax, r.rssiMean, r.rssiMin].join(",")
}

describe("the wire record, firmware against host", () => {
    test("the vectors hold every record", () => {
        expect(WIRE_RECORDS.length).toBe(RECORD_COUNT * SIZE)
        expect(ENCODED_FROM.length).toBe(RECORD_COUNT)
    })

    test("the firmware encodes each record to the host's bytes", () => {
        for (let i = 0; i < RECORD_COUNT; ++i) {
            const host = hostRecord(i)
            const f = ENCODED_FROM[i]
            const r: ContactRecord = {
                rpi: host.slice(0, 16),
                aem: host.slice(16, 20),
                firstSeen: f[0],
                lastSeen: f[1],
                scans: f[2],
                rssiMax: f[3],
                rssiMean: f[4],
                rssiMin: f[5],
            }
            const out = Buffer.alloc(SIZE)
            encodeRecord(r, out, 0)
            expect(`record ${i}: ${out.toString("hex")}`).toBe(`record ${i}: ${host.toString("hex")}`)
        }
    })

    test("the firmware decodes and verifies the host's bytes as the host does", () => {
        for (let i = 0; i < RECORD_COUNT; ++i) {
            const host = hostRecord(i)
            expect(`record ${i}: ${checkValue(host, 0, RECORD_BODY_SIZE)}`).toBe(`record ${i}: ${host.getAt(RECORD_BODY_SIZE, "u16")}`)
            expect(`record ${i}: ${fieldsOf(decodeRecord(host, 0))}`).toBe(`record ${i}: ${DECODED[i].join(",")}`)
        }
    })
})
