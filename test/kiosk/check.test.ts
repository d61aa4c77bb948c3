// The exposure check end to end on the host side: keys registered through the kiosk's own upload
// path on the REAL server, published as signed export files, downloaded, verified, matched against
// encounter records built as a token logs them, and scored with COCOA's configuration.
import { describe, test, expect, beforeAll, afterAll, afterEach } from "vitest"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { unzipSync, zipSync } from "fflate"
import { startTestServer, type TestServer } from "../server/helpers.js"
import { checkRecords, fetchServerKey, loadRiskConfig, prepareUpload, sendUpload, KioskError, type CheckOptions, type TrustedKey } from "../../kiosk/index.js"
import { downloadsDirFor } from "../../kiosk/config.js"
import { contactRecords, strangerRecords, keyOfDay, DAY_MS, SCAN_PERIOD_SECONDS } from "../../testkit/encounter-records.js"
import { startProxy, tempDir } from "./fixtures.js"
import type { TemporaryExposureKey } from "../../lib/gaen/index.js"
import { Cleanup } from "../helpers/cleanup.js"
import { downServerUrl } from "../helpers/net.js"
import { filesUnder, filesHolding } from "../helpers/disk-traces.js"

let server: TestServer
let trustedKey: TrustedKey
let positiveKey: TemporaryExposureKey
const now = Date.now()
const yesterday = (Math.floor(now / DAY_MS) - 1) * DAY_MS
const meetingAt = yesterday + 10 * 3_600_000 // 10:00 UTC yesterday
const meetingDate = new Date(yesterday).toISOString().slice(0, 10)
const riskConfig = loadRiskConfig()

async function registerAndPublish(key: TemporaryExposureKey): Promise<void> {
    const [number] = await server.numbers()
    const prepared = prepareUpload([key], { processingNumber: number, hasSymptom: true, onsetDate: meetingDate, region: "440" }, now)
    const result = await sendUpload(prepared, { server: server.app.url, apiKey: server.apiKey })
    expect(result.accepted).toBe(1)
    await server.app.publishNow()
}

beforeAll(async () => {
    server = await startTestServer()
    positiveKey = keyOfDay(now, 1)
    await registerAndPublish(positiveKey)
    trustedKey = await fetchServerKey(server.app.url)
})
afterAll(async () => {
    await server.stop()
})
// Temp dirs registered here are removed after each test, however the test ended.
const cleanup = new Cleanup()
afterEach(() => cleanup.run())

function options(dataDir: string, overrides: Partial<CheckOptions> = {}): CheckOptions {
    return { server: server.app.url, region: "440", dataDir, trustedKey, riskConfig, ...overrides }
}

describe("exposure check against the real server", () => {
    test("a 20-minute close contact is a probable contact on the day of the meeting", async () => {
        const data = tempDir("kiosk-check-")
        try {
            const records = [
                ...strangerRecords(2000, yesterday),
                ...contactRecords(positiveKey, { startMs: meetingAt, minutes: 20, rssi: -62 }), // −8 − (−62) = 54 dB: "near"
            ]
            const progress: string[] = []
            const r = await checkRecords(records, SCAN_PERIOD_SECONDS, options(data.path, { onProgress: p => progress.push(p.step) }))
            expect(r.probableContact).toBe(true)
            expect(r.contactDates).toEqual([meetingDate])
            const day = r.days[0]
            expect(day.seconds).toBe(5 * SCAN_PERIOD_SECONDS) // scans at +0, 4, 8, 12, 16 minutes
            expect(day.scoreSum).toBeCloseTo(1200 * 2.5)
            expect(r.matching.matches).toBe(2) // two 10-minute RPIs
            expect(r.matching.rejectedAsReplay).toBe(0)
            expect(r.downloads.keys).toBeGreaterThanOrEqual(1)
            expect(progress).toContain("download")
            expect(progress).toContain("match")
        } finally {
            data.remove()
        }
    })

    test("the same meeting with a weak signal (far away) is no contact", async () => {
        const data = tempDir("kiosk-check-")
        try {
            const records = contactRecords(positiveKey, { startMs: meetingAt, minutes: 20, rssi: -90 }) // 82 dB: "other", weight 0.01
            const r = await checkRecords(records, SCAN_PERIOD_SECONDS, options(data.path))
            expect(r.matching.matches).toBe(2) // seen, but far
            expect(r.probableContact).toBe(false)
            expect(r.contactDates).toEqual([])
            expect(r.days[0].scoreSum).toBeLessThan(1350)
        } finally {
            data.remove()
        }
    })

    test("a 10-minute close contact is below COCOA's 15 minutes", async () => {
        const data = tempDir("kiosk-check-")
        try {
            const r = await checkRecords(contactRecords(positiveKey, { startMs: meetingAt, minutes: 10, rssi: -62 }), SCAN_PERIOD_SECONDS, options(data.path))
            expect(r.days[0].seconds).toBe(3 * SCAN_PERIOD_SECONDS)
            expect(r.probableContact).toBe(false)
        } finally {
            data.remove()
        }
    })

    test("identifiers replayed more than 2 hours after their interval are not a match", async () => {
        const data = tempDir("kiosk-check-")
        try {
            const replayed = contactRecords(positiveKey, { startMs: meetingAt, minutes: 20, rssi: -55, heardLaterByMinutes: 150 })
            const r = await checkRecords(replayed, SCAN_PERIOD_SECONDS, options(data.path))
            expect(r.matching.sightings).toBe(2)
            expect(r.matching.rejectedAsReplay).toBe(2)
            expect(r.matching.matches).toBe(0)
            expect(r.probableContact).toBe(false)
            // Within the window (1 h late) the same records do count.
            const late = contactRecords(positiveKey, { startMs: meetingAt, minutes: 20, rssi: -62, heardLaterByMinutes: 60 })
            expect((await checkRecords(late, SCAN_PERIOD_SECONDS, options(data.path))).probableContact).toBe(true)
        } finally {
            data.remove()
        }
    })

    test("a TX power outside −50…+20 dBm is rejected", async () => {
        const data = tempDir("kiosk-check-")
        try {
            const forged = contactRecords(positiveKey, { startMs: meetingAt, minutes: 20, rssi: -62, txPower: 30 })
            const r = await checkRecords(forged, SCAN_PERIOD_SECONDS, options(data.path))
            expect(r.matching.rejectedTxPower).toBe(2)
            expect(r.probableContact).toBe(false)
        } finally {
            data.remove()
        }
    })

    test("downloads are cached: a second check downloads nothing new, a new file only once", async () => {
        const data = tempDir("kiosk-check-")
        try {
            const records = contactRecords(positiveKey, { startMs: meetingAt, minutes: 20, rssi: -62 })
            const first = await checkRecords(records, SCAN_PERIOD_SECONDS, options(data.path))
            expect(first.downloads.downloaded).toBe(first.downloads.files.length)
            expect(first.downloads.downloaded).toBeGreaterThan(0)
            const second = await checkRecords(records, SCAN_PERIOD_SECONDS, options(data.path))
            expect(second.downloads.downloaded).toBe(0)
            expect(second.downloads.files.every(f => f.fromCache)).toBe(true)
            expect(second.probableContact).toBe(true)
            // A new publication: only that file is fetched.
            await registerAndPublish(keyOfDay(now, 2))
            const third = await checkRecords(records, SCAN_PERIOD_SECONDS, options(data.path))
            expect(third.downloads.downloaded).toBe(1)
            expect(third.downloads.files.length).toBe(second.downloads.files.length + 1)
            // Only public files are in the whole data folder: the downloaded zips and their index.
            const downloads = relative(data.path, downloadsDirFor(data.path, server.app.url, "440"))
            const files = filesUnder(data.path)
            expect(files.length).toBeGreaterThan(0)
            for (const f of files) expect(f).toMatch(new RegExp(`^${downloads}/([0-9a-f]+-\\d+\\.zip|index\\.json)$`))
            // Nothing of the person's log: no identifier or metadata, in any form.
            expect(
                filesHolding(
                    data.path,
                    records.flatMap(r => [r.rpi, r.aem])
                )
            ).toEqual([])
        } finally {
            data.remove()
        }
    })

    test("a cached file changed on disk is refused, then fetched afresh", async () => {
        const data = tempDir("kiosk-check-")
        try {
            const records = contactRecords(positiveKey, { startMs: meetingAt, minutes: 20, rssi: -62 })
            await checkRecords(records, SCAN_PERIOD_SECONDS, options(data.path))
            const dir = downloadsDirFor(data.path, server.app.url, "440")
            const zipName = readdirSync(dir).find(n => n.endsWith(".zip"))!
            writeFileSync(join(dir, zipName), tamper(readFileSync(join(dir, zipName))))
            const err = await checkRecords(records, SCAN_PERIOD_SECONDS, options(data.path)).catch(e => e)
            expect(err).toBeInstanceOf(KioskError)
            expect(err.code).toBe("download-refused")
            expect(err.message).toMatch(/cached copy.*signature does not verify/)
            expect(existsSync(join(dir, zipName))).toBe(false)
            const again = await checkRecords(records, SCAN_PERIOD_SECONDS, options(data.path))
            expect(again.probableContact).toBe(true)
            expect(again.downloads.downloaded).toBe(1)
        } finally {
            data.remove()
        }
    })
})

/** Changes one byte of export.bin's key data and re-zips it with the original signature. */
function tamper(zip: Uint8Array): Uint8Array {
    const files = unzipSync(zip)
    const bin = Uint8Array.from(files["export.bin"])
    bin[bin.length - 10] ^= 0x01
    return zipSync({ "export.bin": bin, "export.sig": files["export.sig"] })
}

describe("refused downloads", () => {
    async function checkThrough(alter: (path: string, body: Buffer) => Buffer) {
        const proxy = await startProxy(server.app.url, { alter })
        const data = tempDir("kiosk-check-")
        const records = contactRecords(positiveKey, { startMs: meetingAt, minutes: 20, rssi: -62 })
        const reads: string[] = []
        try {
            const err = await checkRecords(
                records,
                SCAN_PERIOD_SECONDS,
                options(data.path, {
                    server: proxy.url,
                    onProgress: p => reads.push(p.step),
                })
            ).then(
                () => undefined,
                e => e
            )
            const dir = downloadsDirFor(data.path, proxy.url, "440")
            return { err, reads, cached: existsSync(dir) ? readdirSync(dir).filter(n => n.endsWith(".zip")) : [] }
        } finally {
            data.remove()
            await proxy.close()
        }
    }

    test("a tampered export file is refused with a message and nothing is matched", async () => {
        const { err, reads, cached } = await checkThrough((path, body) => (path.endsWith(".zip") ? Buffer.from(tamper(body)) : body))
        expect(err).toBeInstanceOf(KioskError)
        expect(err.code).toBe("download-refused")
        expect(err.message).toMatch(/\.zip: export file: signature does not verify/)
        expect(reads).not.toContain("match")
        expect(cached).toEqual([])
    })

    test("an unsigned export file is refused", async () => {
        const { err, reads } = await checkThrough((path, body) => {
            if (!path.endsWith(".zip")) return body
            return Buffer.from(zipSync({ "export.bin": unzipSync(body)["export.bin"] }))
        })
        expect(err.code).toBe("download-refused")
        expect(err.message).toMatch(/export\.sig missing: the file is unsigned/)
        expect(reads).not.toContain("match")
    })

    test("files signed with another key than the pinned one are refused", async () => {
        const other = await startTestServer()
        try {
            const wrongKey = await fetchServerKey(other.app.url)
            const dataDir = cleanup.tempDir("kiosk-check-")
            const err = await checkRecords([], SCAN_PERIOD_SECONDS, options(dataDir, { trustedKey: wrongKey })).catch(e => e)
            expect(err.code).toBe("download-refused")
        } finally {
            await other.stop()
        }
    })

    test("a server that is down gives a clear message", async () => {
        const dataDir = cleanup.tempDir("kiosk-check-")
        const err = await checkRecords([], SCAN_PERIOD_SECONDS, options(dataDir, { server: await downServerUrl() })).catch(e => e)
        expect(err.code).toBe("server-unreachable")
        expect(err.message).toMatch(/list\.json: no answer \(ECONNREFUSED\)/)
    })
})
