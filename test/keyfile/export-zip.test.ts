import { describe, test, expect } from "vitest"
import { readFileSync } from "node:fs"
import { generateKeyPairSync, randomBytes, verify } from "node:crypto"
import { unzipSync, zipSync } from "fflate"
import {
    readExportZip,
    writeExportZip,
    createExportSigner,
    ExportFileError,
    decodeExport,
    encodeExport,
    EXPORT_BIN_HEADER,
    parseExportList,
    entriesNewerThan,
    type TemporaryExposureKey,
} from "../../lib/keyfile/index.js"

const root = new URL("../../", import.meta.url).pathname
const sampleZip = readFileSync(root + "data/google-sample-export.zip")
const samplePubKey = readFileSync(root + "data/google-sample-export.pubkey.b64", "utf8")

function newSigner() {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
    return { signer: createExportSigner(privateKey, { keyId: "440", keyVersion: "v1" }), publicKey }
}

function randomKeys(n: number): TemporaryExposureKey[] {
    return Array.from({ length: n }, (_, i) => ({
        keyData: randomBytes(16),
        rollingStartIntervalNumber: 2_800_000 + i * 144,
        rollingPeriod: 144,
        reportType: 1,
        daysSinceOnsetOfSymptoms: (i % 14) - 3,
    }))
}

describe("Google's sample export", () => {
    test("verifies with its public key and carries 140 keys for region US", () => {
        const r = readExportZip(sampleZip, { publicKey: samplePubKey })
        expect(r.export.region).toBe("US")
        expect(r.export.keys).toHaveLength(140)
        expect(r.verifiedBy.signatureInfo).toEqual({
            verificationKeyVersion: "v1",
            verificationKeyId: "310",
            signatureAlgorithm: "1.2.840.10045.4.3.2",
        })
        for (const k of r.export.keys) expect(k.keyData).toHaveLength(16)
    })

    test("our encoder and decoder round-trip what Google's server wrote", () => {
        const bin = unzipSync(sampleZip)["export.bin"]
        const decoded = decodeExport(bin.subarray(16))
        // Google omits rolling_period (proto default 144); we always write it, so compare meaning, not bytes.
        expect(decoded.keys.every(k => k.rollingPeriod === 144)).toBe(true)
        expect(decodeExport(encodeExport(decoded))).toEqual(decoded)
    })

    test("is refused with another public key", () => {
        const { publicKey } = newSigner()
        expect(() => readExportZip(sampleZip, { publicKey })).toThrow(/does not verify/)
    })

    test("is refused when one byte of export.bin changes", () => {
        const files = unzipSync(sampleZip)
        const bin = files["export.bin"].slice()
        bin[bin.length - 3] ^= 0x01
        const tampered = zipSync({ "export.bin": bin, "export.sig": files["export.sig"] })
        expect(() => readExportZip(tampered, { publicKey: samplePubKey })).toThrow(ExportFileError)
    })

    test("read key by key (onKey, as the kiosk keeps keys packed): the same keys, and none from a file that does not verify", () => {
        const handed: TemporaryExposureKey[] = []
        const r = readExportZip(sampleZip, { publicKey: samplePubKey, onKey: k => handed.push(k) })
        expect(r.export.keys).toEqual([])
        expect(handed).toEqual(readExportZip(sampleZip, { publicKey: samplePubKey }).export.keys)
        const fromWrongKey: TemporaryExposureKey[] = []
        expect(() => readExportZip(sampleZip, { publicKey: newSigner().publicKey, onKey: k => fromWrongKey.push(k) })).toThrow(/does not verify/)
        expect(fromWrongKey).toEqual([])
    })
})

describe("writeExportZip / readExportZip", () => {
    test("written files verify with node:crypto directly and carry exactly the keys", () => {
        const { signer, publicKey } = newSigner()
        const keys = randomKeys(50)
        const zip = writeExportZip({ keys, region: "440", start: 1_700_000_000, end: 1_700_086_400, batchNum: 1, batchSize: 1, signer })
        const files = unzipSync(zip)
        expect(Object.keys(files).sort()).toEqual(["export.bin", "export.sig"])
        expect(Buffer.from(files["export.bin"].subarray(0, 16))).toEqual(Buffer.from(EXPORT_BIN_HEADER))

        const r = readExportZip(zip, { publicKey })
        expect(verify("sha256", files["export.bin"], { key: publicKey, dsaEncoding: "der" }, r.verifiedBy.signature)).toBe(true)
        expect(r.export).toMatchObject({ region: "440", startTimestamp: 1_700_000_000, endTimestamp: 1_700_086_400, batchNum: 1, batchSize: 1 })
        expect(r.export.keys.map(k => ({ ...k, keyData: Buffer.from(k.keyData).toString("hex") }))).toEqual(
            keys.map(k => ({ ...k, keyData: Buffer.from(k.keyData).toString("hex") }))
        )
    })

    test("negative days since onset survive the zig-zag encoding", () => {
        const { signer, publicKey } = newSigner()
        const keys = randomKeys(3).map((k, i) => ({ ...k, daysSinceOnsetOfSymptoms: [-14, -1, 14][i] }))
        const r = readExportZip(writeExportZip({ keys, region: "440", start: 0, end: 1, batchNum: 1, batchSize: 1, signer }), {
            publicKey: publicKey.export({ format: "pem", type: "spki" }).toString(),
        })
        expect(r.export.keys.map(k => k.daysSinceOnsetOfSymptoms)).toEqual([-14, -1, 14])
    })

    test("accepts the public key as base64 SPKI, as kiosks are given it", () => {
        const { signer, publicKey } = newSigner()
        const b64 = publicKey.export({ format: "der", type: "spki" }).toString("base64")
        const zip = writeExportZip({ keys: randomKeys(1), region: "440", start: 0, end: 1, batchNum: 1, batchSize: 1, signer })
        expect(readExportZip(zip, { publicKey: b64 }).export.keys).toHaveLength(1)
    })

    test("clear errors for garbage, a missing signature file and an empty signature list", () => {
        const { signer, publicKey } = newSigner()
        expect(() => readExportZip(new Uint8Array([1, 2, 3]), { publicKey })).toThrow(/not a readable zip/)
        const files = unzipSync(writeExportZip({ keys: randomKeys(2), region: "440", start: 0, end: 1, batchNum: 1, batchSize: 1, signer }))
        expect(() => readExportZip(zipSync({ "export.bin": files["export.bin"] }), { publicKey })).toThrow(/export.sig missing/)
        expect(() => readExportZip(zipSync({ "export.bin": files["export.bin"], "export.sig": new Uint8Array() }), { publicKey })).toThrow(/no signature/)
        expect(() => readExportZip(zipSync({ "export.sig": files["export.sig"] }), { publicKey })).toThrow(/export.bin missing/)
        const badHeader = files["export.bin"].slice()
        badHeader[0] = 0x58
        expect(() => readExportZip(zipSync({ "export.bin": badHeader, "export.sig": files["export.sig"] }), { publicKey })).toThrow(/EK Export v1/)
    })
})

describe("list.json", () => {
    test("parses the reference example and selects newer entries", () => {
        const example = JSON.parse(readFileSync(root + "data/list.json.example.json", "utf8"))["list.json"]
        const list = parseExportList(example)
        expect(list).toHaveLength(2)
        expect(entriesNewerThan(list, 1642775293615).map(e => e.url)).toEqual(["https://CDN_URL_BASE/c19r/440/151.zip"])
    })

    test("rejects malformed entries", () => {
        expect(() => parseExportList("{}")).toThrow(/array/)
        expect(() => parseExportList([{ region: "440", url: "x", created: "1" }])).toThrow(/created/)
    })
})
