// The kiosk does not trust what the network sends: sizes are capped before anything is buffered or
// inflated, plain http:// is refused off this machine, and an old list.json is a warning, not an
// all-clear. Real HTTP servers on loopback; the zip bomb is a real zip.
import { describe, test, expect, afterEach } from "vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { zipSync, unzipSync } from "fflate"
import { readExportZip, writeExportZip, createExportSigner, MAX_EXPORT_BIN_BYTES } from "../../lib/keyfile/index.js"
import { generateKeyPairSync } from "node:crypto"
import { syncExports } from "../../kiosk/downloads/export-cache.js"
import { trustedKeyFrom } from "../../kiosk/downloads/public-key.js"
import { serverBaseUrl, fetchServiceStatus, putJson, MAX_ANSWER_BYTES, MAX_EXPORT_ZIP_BYTES } from "../../kiosk/http/server-client.js"
import { KioskError } from "../../kiosk/errors.js"
import { startTestServer, type TestServer } from "../server/helpers.js"
import { upload } from "../../testkit/server.js"

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
})

function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), "gaen-kiosk-limits-"))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    return dir
}

/** A loopback HTTP server answering every request with `handler`. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server: Server = createServer(handler)
    await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
    cleanups.push(
        () =>
            new Promise<void>(r => {
                server.closeAllConnections()
                server.close(() => r())
            })
    )
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
const signer = createExportSigner(privateKey, { keyId: "440", keyVersion: "v1" })
const trustedKey = trustedKeyFrom(publicKey.export({ format: "der", type: "spki" }).toString("base64"), "test key")

describe("zip entries are capped before inflating", () => {
    test("a zip bomb (export.bin inflating to 64 MiB from a small zip) is refused unread", () => {
        const bomb = zipSync({ "export.bin": new Uint8Array(2 * MAX_EXPORT_BIN_BYTES), "export.sig": new Uint8Array(10) }, { level: 1 })
        expect(bomb.length).toBeLessThan(512 * 1024)
        const before = process.memoryUsage().arrayBuffers
        expect(() => readExportZip(bomb, { publicKey })).toThrow(/export\.bin declares 67108864 bytes inflated, over the limit .*not inflated/)
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(MAX_EXPORT_BIN_BYTES)
    })

    test("entries other than export.bin and export.sig are never inflated", () => {
        const file = writeExportZip({ keys: [], region: "440", start: 0, end: 86_400, batchNum: 1, batchSize: 1, signer })
        const entries = unzipSync(file)
        const withJunk = zipSync({ ...entries, "junk.bin": new Uint8Array(MAX_EXPORT_BIN_BYTES) }, { level: 1 })
        const before = process.memoryUsage().arrayBuffers
        expect(readExportZip(withJunk, { publicKey }).export.region).toBe("440")
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(MAX_EXPORT_BIN_BYTES / 2)
    })
})

describe("download sizes are capped while the body arrives", () => {
    test("an oversized list.json (chunked, no Content-Length) is refused with a clear error", async () => {
        const server = await serve((_req, res) => {
            res.writeHead(200, { "content-type": "application/json" })
            const chunk = Buffer.alloc(64 * 1024, 0x20)
            let sent = 0
            const more = () => {
                while (sent <= MAX_ANSWER_BYTES * 4) {
                    sent += chunk.length
                    if (!res.write(chunk)) return void res.once("drain", more)
                }
                res.end("[]")
            }
            more()
        })
        const err = await syncExports({ server, region: "440", dataDir: tempDir(), trustedKey }).catch(e => e)
        expect(err).toBeInstanceOf(KioskError)
        expect(err.code).toBe("download-refused")
        expect(err.message).toMatch(new RegExp(`larger than ${MAX_ANSWER_BYTES} bytes`))
    })

    test("an export zip whose Content-Length is over the limit is refused before reading it", async () => {
        const server = await serve((req, res) => {
            if (req.url!.endsWith("list.json")) {
                const host = req.headers.host
                res.end(JSON.stringify([{ region: "440", url: `http://${host}/c19r/440/1.zip`, created: Date.now() }]))
                return
            }
            res.writeHead(200, { "content-type": "application/zip", "content-length": String(MAX_EXPORT_ZIP_BYTES + 1) })
            res.write(Buffer.alloc(1024))
            // never finishes: the kiosk must not wait for the rest
        })
        const err = await syncExports({ server, region: "440", dataDir: tempDir(), trustedKey }).catch(e => e)
        expect(err.code).toBe("download-refused")
        expect(err.message).toMatch(/larger than/)
    })
})

describe("https is required off this machine", () => {
    test("--server http:// on another host is refused; https:// and http://127.0.0.1 are accepted", () => {
        expect(() => serverBaseUrl("http://example.org")).toThrow(/http:\/\/ is only allowed for this machine/)
        expect(serverBaseUrl("https://example.org/")).toBe("https://example.org")
        expect(serverBaseUrl("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080")
        expect(serverBaseUrl("http://localhost:8080")).toBe("http://localhost:8080")
    })

    test("a list.json naming a plain-http file on another host is refused before any download", async () => {
        const server = await serve((_req, res) =>
            res.end(JSON.stringify([{ region: "440", url: "http://cdn.example.org/c19r/440/1.zip", created: Date.now() }]))
        )
        const err = await syncExports({ server, region: "440", dataDir: tempDir(), trustedKey }).catch(e => e)
        expect(err.code).toBe("download-refused")
        expect(err.message).toMatch(/use https/)
    })
})

describe("staleness", () => {
    let s: TestServer
    afterEach(async () => {
        await s?.stop()
    })

    test("the newest published file older than two days makes the result stale (a warning), a fresh one does not", async () => {
        s = await startTestServer()
        const [n] = await s.numbers()
        const uploaded = upload(n)
        expect((await s.put("/v3/diagnosis", uploaded)).status).toBe(200)
        const published = await s.app.publishNow()
        const key = trustedKeyFrom(s.app.signingKey.info.publicKey, "server key")
        const dataDir = tempDir()
        const fresh = await syncExports({ server: s.app.url, region: "440", dataDir, trustedKey: key })
        expect(fresh.stale).toBe(false)
        expect(fresh.keys).toHaveLength(5 + published.paddingKeys) // the upload's five among random padding
        const later = await syncExports({ server: s.app.url, region: "440", dataDir, trustedKey: key, clock: () => Date.now() + 49 * 3_600_000 })
        expect(later.stale).toBe(true)
        expect(later.newestFileCreated).toBe(fresh.newestFileCreated)
    })

    test("an empty list is stale too: nothing published cannot mean all-clear", async () => {
        const server = await serve((_req, res) => res.end("[]"))
        const r = await syncExports({ server, region: "440", dataDir: tempDir(), trustedKey })
        expect(r).toMatchObject({ stale: true, newestFileCreated: undefined })
        expect(r.keys).toHaveLength(0)
    })
})

describe("end of service", () => {
    test("the kiosk reads the server's status, and an upload after the end is the end-of-service error", async () => {
        const s = await startTestServer()
        cleanups.push(() => s.stop())
        expect(await fetchServiceStatus(s.app.url)).toEqual({ status: "running" })
        const at = await s.app.storage.declareEndOfService(Date.now())
        const status = await fetchServiceStatus(s.app.url)
        expect(status).toMatchObject({ status: "end_of_service", endOfServiceAt: at })
        expect(status.lastKeysExpireAt! - at).toBeGreaterThanOrEqual(14 * 86_400_000)
        const [n] = await s.numbers()
        const err = await putJson(
            `${s.app.url}/v3/diagnosis`,
            { body: JSON.stringify(upload(n)), apiKey: s.apiKey, okStatus: 200, what: "registering" },
            () => "stored"
        ).catch(e => e)
        expect(err).toBeInstanceOf(KioskError)
        expect(err.code).toBe("end-of-service")
    })
})
