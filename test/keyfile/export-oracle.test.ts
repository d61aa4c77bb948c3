// An oracle for the key-file format that shares nothing with lib/keyfile: Google's export.proto
// (data/export.proto) decoded by protobufjs. If the project's writer and reader agreed on a wrong
// field number or wire type, every other test would still pass while every other GAEN client
// (Android, iOS, COCOA) misread the files; here the independent decoder would disagree.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { readFileSync } from "node:fs"
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto"
import { unzipSync } from "fflate"
import protobuf from "protobufjs"
import { writeExportZip, createExportSigner, parseExportList, EXPORT_BIN_HEADER } from "../../lib/keyfile/index.js"
import { startTestServer, type TestServer } from "../server/helpers.js"
import { upload, key, dayStart, DAY_MS } from "../../testkit/server.js"
import { DEFAULT_EXPORT_PADDING } from "../../server/protocol.js"

const root = new URL("../../", import.meta.url).pathname
const schema = protobuf.loadSync(root + "data/export.proto")
const ExportMessage = schema.lookupType("gaen.export.TemporaryExposureKeyExport")
const SignatureList = schema.lookupType("gaen.export.TEKSignatureList")
const asObject = { longs: Number, enums: Number, bytes: String } as const

/** export.bin without its header, decoded by protobufjs; `present` lists the key fields actually on the wire. */
function oracleDecode(exportBin: Uint8Array) {
    expect(Buffer.from(exportBin.subarray(0, 16)).toString("latin1")).toBe("EK Export v1    ")
    const message = ExportMessage.decode(exportBin.subarray(16)) as protobuf.Message & { keys: protobuf.Message[] }
    const decoded = ExportMessage.toObject(message, asObject)
    // protobufjs keeps proto2 defaults on the prototype: an own property means the field was written.
    const present = message.keys.map(k =>
        Object.keys(k)
            .filter(f => Object.prototype.hasOwnProperty.call(k, f))
            .sort()
    )
    return { decoded, present }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64")

describe("Google's sample export, decoded with Google's export.proto", () => {
    const files = unzipSync(readFileSync(root + "data/google-sample-export.zip"))
    const { decoded, present } = oracleDecode(files["export.bin"])

    test("carries the values Google's server wrote", () => {
        expect(decoded).toMatchObject({ startTimestamp: 1593633600, endTimestamp: 1593633900, region: "US", batchNum: 1, batchSize: 1 })
        expect(decoded.keys).toHaveLength(140)
        expect(decoded.keys[0]).toEqual({
            keyData: "AAPWCxiPGYVuiz3SmgxGOw==",
            transmissionRiskLevel: 3,
            rollingStartIntervalNumber: 2653920,
        })
        // Google leaves rolling_period out; its proto2 default is a whole day.
        expect(present[0]).not.toContain("rollingPeriod")
        expect(ExportMessage.decode(files["export.bin"].subarray(16)).toJSON().keys[0].rollingPeriod).toBeUndefined()
        expect((ExportMessage.decode(files["export.bin"].subarray(16)) as any).keys[0].rollingPeriod).toBe(144)
        const sigs = SignatureList.toObject(SignatureList.decode(files["export.sig"]), asObject)
        expect(sigs.signatures).toHaveLength(1)
        expect(sigs.signatures[0]).toMatchObject({
            signatureInfo: { verificationKeyVersion: "v1", verificationKeyId: "310", signatureAlgorithm: "1.2.840.10045.4.3.2" },
            batchNum: 1,
            batchSize: 1,
        })
    })
})

describe("what the project writes, decoded with Google's export.proto", () => {
    test("writeExportZip: every field lands on Google's field number with Google's wire type", () => {
        const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
        const keys = [
            { keyData: randomBytes(16), rollingStartIntervalNumber: 2_900_016, rollingPeriod: 144, reportType: 1, daysSinceOnsetOfSymptoms: -14 },
            { keyData: randomBytes(16), rollingStartIntervalNumber: 2_900_160, rollingPeriod: 97, reportType: 2, daysSinceOnsetOfSymptoms: 14 },
            {
                keyData: randomBytes(16),
                rollingStartIntervalNumber: 2_900_304,
                rollingPeriod: 1,
                reportType: 4,
                daysSinceOnsetOfSymptoms: 0,
                transmissionRiskLevel: 6,
            },
        ]
        const zip = writeExportZip({
            keys,
            region: "440",
            start: 1_740_009_600,
            end: 1_740_096_000,
            batchNum: 1,
            batchSize: 1,
            signer: createExportSigner(privateKey, { keyId: "440", keyVersion: "v1" }),
        })
        const { decoded, present } = oracleDecode(unzipSync(zip)["export.bin"])
        expect(decoded).toMatchObject({ startTimestamp: 1_740_009_600, endTimestamp: 1_740_096_000, region: "440", batchNum: 1, batchSize: 1 })
        expect(decoded.signatureInfos).toEqual([{ verificationKeyVersion: "v1", verificationKeyId: "440", signatureAlgorithm: "1.2.840.10045.4.3.2" }])
        expect(decoded.keys).toEqual(keys.map(k => ({ ...k, keyData: b64(k.keyData) })))
        // rolling_period is written even when it is the default: some readers never applied it.
        for (const fields of present) expect(fields).toContain("rollingPeriod")
    })

    describe("a real server's published files", () => {
        // Pinned to noon so the key days and "yesterday" never move under the test.
        const NOW = Date.UTC(2026, 4, 20, 12, 0, 0)
        let s: TestServer
        beforeAll(async () => {
            s = await startTestServer({ clock: () => NOW })
        })
        afterAll(async () => {
            await s.stop()
        })

        test("carry each accepted key with its rolling period, report type and days since onset", async () => {
            const [n] = await s.numbers()
            const body = upload(n, { now: NOW, onsetDaysAgo: 3, days: 5 })
            // Day 1 ago: a key cut early (an export at 16:10 ends that day's key after 97 intervals).
            body.keys[0] = key(dayStart(NOW, 1), { rollingPeriod: 97, reportType: 2 })
            expect((await s.put("/v3/diagnosis", body)).status).toBe(200)
            // keys[d] is the key of day d+1 ago; onset was 3 days ago.
            const want = new Map<string, object>(
                body.keys.map((k: any, d: number) => [
                    k.keyData,
                    {
                        keyData: k.keyData,
                        rollingStartIntervalNumber: k.rollingStartNumber,
                        rollingPeriod: k.rollingPeriod,
                        reportType: k.reportType,
                        daysSinceOnsetOfSymptoms: 3 - (d + 1),
                    },
                ])
            )
            expect((await s.app.publishNow()).keys).toBe(5)

            const info = await (await s.get("/v1/export-public-key")).json()
            const publicKey = createPublicKey({ key: Buffer.from(info.publicKey, "base64"), format: "der", type: "spki" })
            const list = parseExportList(await (await s.get("/c19r/440/list.json")).text())
            expect(list).toHaveLength(1) // one publishing window, padded
            const got = new Map<string, object>()
            for (const entry of list) {
                const files = unzipSync(new Uint8Array(await (await fetch(entry.url)).arrayBuffer()))
                expect(Buffer.from(files["export.bin"].subarray(0, 16))).toEqual(Buffer.from(EXPORT_BIN_HEADER))
                const { decoded, present } = oracleDecode(files["export.bin"])
                expect(decoded).toMatchObject({ region: "440", batchNum: 1, batchSize: 1 })
                // The publishing window (the first file's reaches back 14 days), not a key day.
                expect(decoded.endTimestamp - decoded.startTimestamp).toBe((14 * DAY_MS) / 1000)
                for (const fields of present)
                    expect(fields).toEqual(
                        expect.arrayContaining(["keyData", "rollingStartIntervalNumber", "rollingPeriod", "reportType", "daysSinceOnsetOfSymptoms"])
                    )
                for (const k of decoded.keys) got.set(k.keyData, k)
                const sigs = SignatureList.toObject(SignatureList.decode(files["export.sig"]), { ...asObject, bytes: Buffer })
                expect(sigs.signatures).toHaveLength(1)
                expect(sigs.signatures[0].signatureInfo).toEqual({
                    verificationKeyVersion: "v1",
                    verificationKeyId: "440",
                    signatureAlgorithm: "1.2.840.10045.4.3.2",
                })
                expect(verify("sha256", files["export.bin"], { key: publicKey, dsaEncoding: "der" }, sigs.signatures[0].signature)).toBe(true)
            }
            // Each accepted key exactly, among random padding up to the minimum.
            for (const [keyData, k] of want) expect(got.get(keyData)).toEqual(k)
            expect(got.size).toBeGreaterThanOrEqual(DEFAULT_EXPORT_PADDING.minKeys)
        })
    })
})
