// Publishing: list.json and export zips that parse and verify with node:crypto and carry the
// accepted keys and nothing else real, padded with random keys to the minimum, the publishing window
// as start/end, shuffled; release only after a key's day ended; 250,000-key split; 14-day deletion.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { verify, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto"
import { unzipSync } from "fflate"
import { startTestServer, type TestServer } from "./helpers.js"
import { upload, key, dayStart, DAY_MS } from "../../testkit/server.js"
import {
    readExportZip,
    decodeExport,
    decodeSignatureList,
    parseExportList,
    createExportSigner,
    EXPORT_BIN_HEADER,
    type TemporaryExposureKeyExport,
} from "../../lib/keyfile/index.js"
import { buildExportFiles } from "../../server/publishing/publisher.js"
import { DEFAULT_EXPORT_PADDING } from "../../server/protocol.js"
import type { DiagnosisKeyRecord } from "../../server/storage/storage.js"
import { waitUntil } from "../helpers/wait.js"

let s: TestServer
beforeAll(async () => {
    s = await startTestServer({ rateLimit: { perMinute: 10_000, burst: 1_000 } })
})
afterAll(async () => {
    await s.stop()
})

async function publicKey() {
    const info = await (await s.get("/v1/export-public-key")).json()
    expect(info).toMatchObject({ keyId: "440", keyVersion: "v1", algorithm: "1.2.840.10045.4.3.2" })
    return createPublicKey({ key: Buffer.from(info.publicKey, "base64"), format: "der", type: "spki" })
}

/** Downloads list.json and every zip it names; verifies each with plain node:crypto first. */
async function downloadAll(since = 0): Promise<{ created: number[]; exports: TemporaryExposureKeyExport[] }> {
    const res = await s.get("/c19r/440/list.json")
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toMatch(/application\/json/)
    const list = parseExportList(await res.text()).filter(e => e.created > since)
    const key = await publicKey()
    const exports: TemporaryExposureKeyExport[] = []
    for (const entry of list) {
        expect(entry.region).toBe("440")
        expect(entry.url).toMatch(new RegExp(`^${s.app.url}/c19r/440/\\d+\\.zip$`))
        const zipRes = await fetch(entry.url)
        expect(zipRes.headers.get("content-type")).toBe("application/zip")
        const zip = new Uint8Array(await zipRes.arrayBuffer())
        const files = unzipSync(zip)
        expect(Object.keys(files).sort()).toEqual(["export.bin", "export.sig"])
        expect(Buffer.from(files["export.bin"].subarray(0, 16))).toEqual(Buffer.from(EXPORT_BIN_HEADER))
        const [sig] = decodeSignatureList(files["export.sig"])
        expect(verify("sha256", files["export.bin"], { key, dsaEncoding: "der" }, sig.signature)).toBe(true)
        const parsed = decodeExport(files["export.bin"].subarray(16))
        // The project's reader agrees.
        expect(readExportZip(zip, { publicKey: key }).export).toEqual(parsed)
        exports.push(parsed)
    }
    return { created: list.map(e => e.created), exports }
}

const hex = (b64: string) => Buffer.from(b64, "base64").toString("hex")
const exportedHex = (exports: TemporaryExposureKeyExport[]) => exports.flatMap(e => e.keys.map(k => Buffer.from(k.keyData).toString("hex")))

describe("publishing", () => {
    const accepted = new Map<string, { rsn: number; dsos: number }>()
    let firstCreated: number[] = []
    let todaysKey = ""

    test("one file for the run: the accepted keys among random padding up to the minimum, the window as start/end, signed", async () => {
        const now = Date.now()
        for (let i = 0; i < 3; i++) {
            const [n] = await s.numbers()
            const body = upload(n, { now, onsetDaysAgo: 3, days: 5 })
            expect((await s.put("/v3/diagnosis", body)).status).toBe(200)
            body.keys.forEach((k: any, d: number) => accepted.set(hex(k.keyData), { rsn: k.rollingStartNumber, dsos: 3 - (d + 1) }))
        }
        // Never published: a dropped key, a chaff upload, a rejected number, a malformed upload.
        const [n1, n2] = await s.numbers(2)
        const withOld = upload(n1, { now, days: 1 })
        const old = key(dayStart(now, 20))
        withOld.keys.push(old)
        expect((await s.put("/v3/diagnosis", withOld)).body.dropped).toHaveLength(1)
        accepted.set(hex(withOld.keys[0].keyData), { rsn: withOld.keys[0].rollingStartNumber, dsos: 2 })
        const chaff = upload(n2)
        expect((await s.put("/v3/diagnosis", chaff, { "x-chaff": "1" })).status).toBe(200)
        const rejected = upload("00000001")
        expect((await s.put("/v3/diagnosis", rejected)).status).toBe(406)
        // A key of today is still being broadcast: stored, but not released yet.
        const [n3] = await s.numbers()
        const withToday = upload(n3, { now, days: 0, onsetDaysAgo: 2 })
        withToday.keys = [key(dayStart(now, 0))]
        expect((await s.put("/v3/diagnosis", withToday)).status).toBe(200)
        todaysKey = hex(withToday.keys[0].keyData)

        const before = Date.now()
        const report = await s.app.publishNow()
        const after = Date.now()
        expect(report.keys).toBe(accepted.size)
        expect(report.files).toHaveLength(1) // one window, one file, whatever the key days

        const { created, exports } = await downloadAll()
        firstCreated = created
        expect(created).toHaveLength(1)
        expect(created[0]).toBeGreaterThanOrEqual(before) // milliseconds, not seconds
        expect(created[0]).toBeLessThanOrEqual(after)

        const [e] = exports
        expect(e).toMatchObject({ region: "440", batchNum: 1, batchSize: 1 })
        expect(e.signatureInfos).toEqual([{ verificationKeyVersion: "v1", verificationKeyId: "440", signatureAlgorithm: "1.2.840.10045.4.3.2" }])
        // The publishing window, not key days: up to the run; the first file reaches back 14 days.
        expect(e.endTimestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000))
        expect(e.endTimestamp).toBeLessThanOrEqual(Math.floor(after / 1000))
        expect(e.endTimestamp - e.startTimestamp).toBe(14 * 86_400)

        const got = exportedHex(exports)
        expect(new Set(got).size).toBe(got.length)
        for (const k of accepted.keys()) expect(got).toContain(k)
        // Padded to the minimum plus a random few; the padding is never stored.
        expect(got.length).toBe(accepted.size + report.paddingKeys)
        expect(got.length).toBeGreaterThanOrEqual(DEFAULT_EXPORT_PADDING.minKeys)
        expect(got.length).toBeLessThanOrEqual(DEFAULT_EXPORT_PADDING.minKeys + DEFAULT_EXPORT_PADDING.extraUpTo)
        expect(await s.app.storage.countKeys()).toEqual({ total: accepted.size + 1, unpublished: 1 })
        const realFields = new Set([...accepted.values()].map(w => `${w.rsn}/144/1/${w.dsos}`))
        for (const k of e.keys) {
            const want = accepted.get(Buffer.from(k.keyData).toString("hex"))
            if (want) expect(k).toMatchObject({ rollingStartIntervalNumber: want.rsn, rollingPeriod: 144, reportType: 1, daysSinceOnsetOfSymptoms: want.dsos })
            // A padding key carries the fields of a real one: nothing on the wire tells them apart.
            else expect(realFields).toContain(`${k.rollingStartIntervalNumber}/${k.rollingPeriod}/${k.reportType}/${k.daysSinceOnsetOfSymptoms}`)
        }
        expect(got).not.toContain(todaysKey)
        for (const b of [old, ...chaff.keys, ...rejected.keys]) expect(got).not.toContain(hex(b.keyData))
    })

    test("publishing again with nothing new adds no file", async () => {
        const report = await s.app.publishNow()
        expect(report).toMatchObject({ keys: 0, files: [] })
        expect((await downloadAll()).created).toEqual(firstCreated)
    })

    test("today's key is released once its day has ended, in a newer list entry", async () => {
        s.clockOffset.ms = DAY_MS
        try {
            const report = await s.app.publishNow()
            expect(report.keys).toBe(1)
            const { created, exports } = await downloadAll(firstCreated.at(-1)!)
            expect(created).toHaveLength(1)
            expect(exportedHex(exports)).toContain(todaysKey)
            expect(exports[0].keys.length).toBeGreaterThanOrEqual(DEFAULT_EXPORT_PADDING.minKeys)
            // This window starts where the previous file's ended.
            expect(exports[0].startTimestamp).toBe(Math.floor(firstCreated[0] / 1000))
            expect(exports[0].endTimestamp).toBe(Math.floor(created[0] / 1000))
        } finally {
            s.clockOffset.ms = 0
        }
    })

    test("everything older than 14 days is deleted: list.json empties, zips are gone", async () => {
        const list = parseExportList(await (await s.get("/c19r/440/list.json")).text())
        expect(list.length).toBeGreaterThan(0)
        s.clockOffset.ms = 16 * DAY_MS
        try {
            const report = await s.app.publishNow()
            expect(report.deleted.files).toBe(list.length)
            expect(report.deleted.keys).toBe(accepted.size + 1)
            expect(await (await s.get("/c19r/440/list.json")).json()).toEqual([])
            const gone = await fetch(list[0].url)
            expect(gone.status).toBe(404)
            expect((await gone.json()).error).toBe("not_found")
            expect((await s.app.storage.countKeys()).total).toBe(0)
        } finally {
            s.clockOffset.ms = 0
        }
    })

    test("unknown regions and files are 404 with a reason", async () => {
        const region = await s.get("/c19r/310/list.json")
        expect(region.status).toBe(404)
        expect(await region.json()).toMatchObject({ error: "region_not_served" })
        expect((await s.get("/c19r/440/999999.zip")).status).toBe(404)
    })
})

describe("buildExportFiles", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
    const signer = createExportSigner(privateKey, { keyId: "440", keyVersion: "v1" })
    const day = 20_000
    const window = () => ({ start: 1_700_000_000, end: 1_700_003_600 })
    /** One upload's keys, in the order the upload listed them. */
    const upload = (): DiagnosisKeyRecord[] =>
        Array.from({ length: 10 }, (_, i) => ({
            region: "440",
            keyData: randomBytes(16),
            rollingStartIntervalNumber: (day + i) * 144,
            rollingPeriod: 144,
            reportType: 1,
            daysSinceOnsetOfSymptoms: i - 5,
        }))
    const hexOf = (k: { keyData: Uint8Array }) => Buffer.from(k.keyData).toString("hex")

    test("a run with more keys than fit in one file becomes a numbered batch; keys are shuffled", () => {
        const keys = upload()
        const input = keys.map(hexOf)
        const { files } = buildExportFiles([...keys], { signer, createdBase: () => 1_000, window, padding: { minKeys: 0, extraUpTo: 0 }, maxPerFile: 4 })
        expect(files.map(f => [f.batchNum, f.batchSize, f.keyCount, f.created])).toEqual([
            [1, 3, 4, 1000],
            [2, 3, 4, 1001],
            [3, 3, 2, 1002],
        ])
        const out = files.flatMap(f => readExportZip(f.zip, { publicKey }).export.keys.map(hexOf))
        expect(new Set(out)).toEqual(new Set(input))
        expect(out).not.toEqual(input)
        expect(files.map(f => f.newestKeyDay)).toEqual([day + 9, day + 9, day + 9])
        const first = readExportZip(files[0].zip, { publicKey }).export
        expect(first).toMatchObject({ batchNum: 1, batchSize: 3, startTimestamp: 1_700_000_000, endTimestamp: 1_700_003_600 })
    })

    test("the file of one upload is padded and its keys cannot be picked out by position", () => {
        const places: number[][] = []
        for (let run = 0; run < 5; run++) {
            const keys = upload()
            const real = new Set(keys.map(hexOf))
            const { files, paddingKeys } = buildExportFiles(keys, { signer, createdBase: () => 1_000, window, padding: DEFAULT_EXPORT_PADDING })
            expect(files).toHaveLength(1)
            const out = readExportZip(files[0].zip, { publicKey }).export.keys
            expect(out).toHaveLength(10 + paddingKeys)
            expect(out.length).toBeGreaterThanOrEqual(1000)
            expect(out.length).toBeLessThanOrEqual(1100)
            places.push(out.flatMap((k, i) => (real.has(hexOf(k)) ? [i] : [])))
        }
        for (const p of places) {
            expect(p).toHaveLength(10)
            // Not gathered together (ten adjacent places among 1,000 shuffled: odds below 1e-20).
            expect(p[9] - p[0]).toBeGreaterThan(9)
        }
        // Nor in the same places from one run to the next.
        expect(new Set(places.map(p => p.join(","))).size).toBe(places.length)
    })
})

describe("publishing schedule", () => {
    test("the running server publishes on its own schedule", async () => {
        // 0.002 minutes = 120 ms between runs, so the test does not wait an hour.
        const t = await startTestServer({ publishIntervalMinutes: 0.002 })
        try {
            const [n] = await t.numbers()
            expect((await t.put("/v3/diagnosis", upload(n))).status).toBe(200)
            let list: unknown[] = []
            await waitUntil(async () => (list = await (await t.get("/c19r/440/list.json")).json()).length > 0, 5_000)
            expect(list).toHaveLength(1)
        } finally {
            await t.stop()
        }
    })
})
