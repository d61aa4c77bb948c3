// Export files in a folder any static web server serves (--export-dir): publishing writes the zips
// and list.json there, a kiosk checks against that folder served by a plain node:http file server
// (not the notification server), and files past retention leave the folder with their list entry.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { readFile, readdir, writeFile } from "node:fs/promises"
import { join, normalize } from "node:path"
import { startTestServer, type TestServer } from "./helpers.js"
import { DAY_MS } from "../../testkit/server.js"
import { configFromFlags, parseArgs, ConfigError } from "../../server/config.js"
import { parseExportList, readExportZip } from "../../lib/keyfile/index.js"
import { checkRecords, loadRiskConfig, prepareUpload, sendUpload } from "../../kiosk/index.js"
import { trustedKeyFrom } from "../../kiosk/downloads/public-key.js"
import { contactRecords, strangerRecords, keyOfDay, SCAN_PERIOD_SECONDS } from "../../testkit/encounter-records.js"
import { tempDir } from "../kiosk/fixtures.js"

/** A static file server for `root`: GET of a file below it, else 404. Knows nothing of GAEN. */
async function staticHost(root: string): Promise<{ url: string; close(): Promise<void> }> {
    const server: Server = createServer(async (req, res) => {
        const path = normalize(join(root, decodeURIComponent(new URL(req.url!, "http://x").pathname)))
        if (req.method !== "GET" || !path.startsWith(root + "/")) return void res.writeHead(404).end()
        try {
            const body = await readFile(path)
            res.writeHead(200, { "content-type": path.endsWith(".json") ? "application/json" : "application/zip" }).end(body)
        } catch {
            res.writeHead(404).end()
        }
    })
    await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
            new Promise<void>(r => {
                server.closeAllConnections()
                server.close(() => r())
            }),
    }
}

const now = Date.now()
const yesterday = (Math.floor(now / DAY_MS) - 1) * DAY_MS
const meetingDate = new Date(yesterday).toISOString().slice(0, 10)
const folder = tempDir("gaen-export-dir-")
const regionDir = join(folder.path, "c19r", "440")
let host: Awaited<ReturnType<typeof staticHost>>
let s: TestServer

beforeAll(async () => {
    host = await staticHost(folder.path)
    s = await startTestServer({ exportDir: folder.path, publicUrl: host.url })
})
afterAll(async () => {
    await s?.stop()
    await host?.close()
    folder.remove()
})

describe("export files in a folder for a static host", () => {
    const positiveKey = keyOfDay(now, 1)

    test("publishing writes list.json and the signed zips; a kiosk checks against the static host and finds the contact", async () => {
        const [number] = await s.numbers()
        const prepared = prepareUpload([positiveKey], { processingNumber: number, hasSymptom: true, onsetDate: meetingDate, region: "440" }, now)
        expect((await sendUpload(prepared, { server: s.app.url, apiKey: s.apiKey })).accepted).toBe(1)
        const report = await s.app.publishNow()
        expect(report.files).toHaveLength(1)

        const names = (await readdir(regionDir)).sort()
        expect(names).toEqual([`${report.files[0].id}.zip`, "list.json"])
        const list = parseExportList(await readFile(join(regionDir, "list.json"), "utf8"))
        expect(list).toEqual([{ region: "440", url: `${host.url}/c19r/440/${report.files[0].id}.zip`, created: report.files[0].created }])
        // The same bytes the server itself serves.
        const zip = new Uint8Array(await readFile(join(regionDir, `${report.files[0].id}.zip`)))
        expect(Buffer.from(zip)).toEqual(Buffer.from(await (await s.get(`/c19r/440/${report.files[0].id}.zip`)).arrayBuffer()))
        const trustedKey = trustedKeyFrom(s.app.signingKey.info.publicKey, "server key")
        expect(readExportZip(zip, { publicKey: s.app.signingKey.info.publicKey }).export.keys.length).toBeGreaterThanOrEqual(1000)

        const data = tempDir("gaen-export-dir-kiosk-")
        try {
            const records = [
                ...strangerRecords(500, yesterday),
                ...contactRecords(positiveKey, { startMs: yesterday + 10 * 3_600_000, minutes: 20, rssi: -62 }),
            ]
            const r = await checkRecords(records, SCAN_PERIOD_SECONDS, {
                server: host.url,
                region: "440",
                dataDir: data.path,
                trustedKey,
                riskConfig: loadRiskConfig(),
            })
            expect(r.probableContact).toBe(true)
            expect(r.contactDates).toEqual([meetingDate])
            expect(r.matching.matches).toBe(2) // the real key's two RPIs; the padding never matches
        } finally {
            data.remove()
        }
    })

    test("files past retention leave the folder, with their list entry; leftovers of a cut-off write go too", async () => {
        const leftover = join(regionDir, "999.zip.tmp-0123456789ab")
        await writeFile(leftover, "half a zip")
        s.clockOffset.ms = 16 * DAY_MS
        try {
            const report = await s.app.publishNow()
            expect(report.deleted.files).toBe(1)
        } finally {
            s.clockOffset.ms = 0
        }
        expect(await readdir(regionDir)).toEqual(["list.json"])
        expect(JSON.parse(await readFile(join(regionDir, "list.json"), "utf8"))).toEqual([])
        expect((await fetch(`${host.url}/c19r/440/list.json`)).status).toBe(200)
    })

    test("--export-dir without --public-url is refused with the reason", () => {
        expect(() => configFromFlags(parseArgs(["--export-dir", folder.path]).flags)).toThrow(ConfigError)
        expect(() => configFromFlags(parseArgs(["--export-dir", folder.path]).flags)).toThrow(/--export-dir .* needs --public-url/)
        expect(configFromFlags(parseArgs(["--export-dir", "x", "--public-url", "https://cdn.example.org"]).flags).exportDir).toMatch(/\/x$/)
    })
})
