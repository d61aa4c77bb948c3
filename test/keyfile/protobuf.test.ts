import { test, expect } from "vitest"
import { zipSync } from "fflate"
import { ProtoWriter, readFields, as, ProtoDecodeError } from "../../lib/keyfile/protobuf.js"
import { readExportZip, EXPORT_BIN_HEADER, ExportFileError } from "../../lib/keyfile/index.js"
import { generateKeyPairSync } from "node:crypto"

test("int32, sint32, fixed64, bytes and strings round-trip, including negatives and large values", () => {
    const w = new ProtoWriter(4)
    w.varint(1, -5)
        .sint32(2, -14)
        .sint32(3, 14)
        .fixed64(4, 2 ** 40 + 7)
        .varint(5, 2_654_000)
        .string(6, "440")
        .bytes(7, new Uint8Array([1, 2, 3]))
    const f = [...readFields(w.finish())]
    expect(f.map(x => x.field)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(as.int32(f[0])).toBe(-5)
    expect(as.sint32(f[1])).toBe(-14)
    expect(as.sint32(f[2])).toBe(14)
    expect(as.fixed64(f[3])).toBe(2 ** 40 + 7)
    expect(as.int32(f[4])).toBe(2_654_000)
    expect(as.string(f[5])).toBe("440")
    expect([...as.bytes(f[6])]).toEqual([1, 2, 3])
})

test("truncated input and wrong wire types are errors, not garbage", () => {
    expect(() => [...readFields(new Uint8Array([0x0a, 0x05, 0x01]))]).toThrow(ProtoDecodeError)
    expect(() => [...readFields(new Uint8Array([0x08, 0x80]))]).toThrow(/truncated varint/)
    const [f] = readFields(new ProtoWriter().varint(1, 3).finish())
    expect(() => as.bytes(f)).toThrow(/wire type 0, expected 2/)
})

test("a zip whose export.bin protobuf is truncated is refused with ExportFileError", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
    const bin = new Uint8Array([...EXPORT_BIN_HEADER, 0x3a, 0x20, 0x0a])
    const zip = zipSync({ "export.bin": bin, "export.sig": new ProtoWriter().message(1, s => s.bytes(4, new Uint8Array(8))).finish() })
    expect(() => readExportZip(zip, { publicKey })).toThrow(ExportFileError)
    expect(() => readExportZip(zip, { publicKey })).toThrow(/truncated/)
})
