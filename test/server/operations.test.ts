// Running the server: /healthz and /metrics for monitoring, signing-key rotation with two
// signatures, online backup, end of service and the survey report, each driven by the operator's
// commands (separate processes on the same data directory and database, as cron or a shell would).
import { describe, test, expect, beforeEach, afterEach } from "vitest"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomUUID } from "node:crypto"
import { startTestServer, type TestServer } from "./helpers.js"
import { upload, cliEnv } from "../../testkit/server.js"
import { root, TSX } from "../../testkit/repo.js"
import { readExportZip, parseExportList } from "../../lib/keyfile/index.js"
import { SqliteStorage } from "../../server/storage/sqlite.js"

let s: TestServer
beforeEach(async () => {
    s = await startTestServer()
})
afterEach(async () => {
    await s.stop()
})

/** An operator's command on the test server's data directory (and its PostgreSQL database, if any). */
const cli = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>(resolve => {
        const where = ["--data", s.dataDir, ...(s.config.databaseUrl ? ["--database-url", s.config.databaseUrl] : [])]
        execFile(process.execPath, [TSX, join(root, "server/cli.ts"), ...args, ...where], { cwd: root, encoding: "utf8", env: cliEnv }, (err, stdout, stderr) =>
            resolve({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr })
        )
    })

const survey = () => {
    const e = JSON.parse(readFileSync(join(root, "data/event_log_survey_request.example.json"), "utf8"))
    delete e._comment
    return { ...e, idempotencyKey: randomUUID() }
}

async function publishedZips(): Promise<Uint8Array[]> {
    const list = parseExportList(await (await s.get("/c19r/440/list.json")).text())
    return Promise.all(list.map(async e => new Uint8Array(await (await s.get(new URL(e.url).pathname)).arrayBuffer())))
}

describe("monitoring", () => {
    test("/healthz answers ok while the database answers", async () => {
        const res = await s.get("/healthz")
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ status: "ok" })
    })

    test("/metrics counts requests by route and status, and shows keys waiting, with nothing personal in it", async () => {
        const [n] = await s.numbers()
        const body = upload(n)
        expect((await s.put("/v3/diagnosis", body)).status).toBe(200)
        expect((await s.put("/v3/diagnosis", upload("00000000"))).status).toBe(406)
        await s.get("/c19r/440/list.json")
        const res = await s.get("/metrics")
        expect(res.status).toBe(200)
        expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)
        const text = await res.text()
        expect(text).toContain('gaen_http_requests_total{route="/v3/diagnosis",method="PUT",status="200"} 1')
        expect(text).toContain('gaen_http_requests_total{route="/v3/diagnosis",method="PUT",status="406"} 1')
        expect(text).toContain('gaen_http_requests_total{route="/c19r/{region}/list.json",method="GET",status="200"} 1')
        expect(text).toMatch(/^gaen_keys_unpublished 5$/m)
        expect(text).toMatch(/^gaen_end_of_service 0$/m)
        for (const secret of [n, s.apiKey, body.idempotency_key, body.keys[0].keyData]) expect(text).not.toContain(secret)
    })
})

describe("list.json URLs", () => {
    test("behind a trusted proxy they use X-Forwarded-Proto and X-Forwarded-Host", async () => {
        const proxied = await startTestServer({ trustProxy: true })
        try {
            const [n] = await proxied.numbers()
            expect((await proxied.put("/v3/diagnosis", upload(n, { days: 1 }))).status).toBe(200)
            await proxied.app.publishNow()
            const res = await fetch(proxied.app.url + "/c19r/440/list.json", {
                headers: { "x-forwarded-proto": "https", "x-forwarded-host": "en.example.org" },
            })
            const [entry] = parseExportList(await res.text())
            expect(entry.url).toMatch(/^https:\/\/en\.example\.org\/c19r\/440\/\d+\.zip$/)
        } finally {
            await proxied.stop()
        }
    })
})

describe("signing-key rotation", () => {
    test("during a changeover files carry two signatures, each verifying; after it only the new key signs", async () => {
        const oldKey = s.app.signingKey.info.publicKey
        const begun = await cli(["rotate-signing-key", "begin", "--key-version", "v2"])
        expect(begun.status).toBe(0)
        const newKey = /^(MFkw\S+)$/m.exec(begun.stdout)![1]
        expect(newKey).not.toBe(oldKey)
        const served = await (await s.get("/v1/export-public-key")).json()
        expect(served).toMatchObject({ publicKey: oldKey, keyVersion: "v1", incoming: { publicKey: newKey, keyVersion: "v2" } })

        const [a, b] = await s.numbers(2)
        expect((await s.put("/v3/diagnosis", upload(a, { days: 1 }))).status).toBe(200)
        await s.app.publishNow()
        const [during] = await publishedZips()
        const read = readExportZip(during, { publicKey: oldKey })
        expect(read.signatures.map(x => x.signatureInfo?.verificationKeyVersion)).toEqual(["v1", "v2"])
        expect(readExportZip(during, { publicKey: newKey }).verifiedBy.signatureInfo?.verificationKeyVersion).toBe("v2")

        const again = await cli(["rotate-signing-key", "begin", "--key-version", "v3"])
        expect(again.status).toBe(1)
        expect(again.stderr).toMatch(/already under way/)

        expect((await cli(["rotate-signing-key", "finish"])).status).toBe(0)
        expect((await (await s.get("/v1/export-public-key")).json()).publicKey).toBe(newKey)
        expect((await s.put("/v3/diagnosis", upload(b, { days: 1 }))).status).toBe(200)
        s.clockOffset.ms = 1000 // the next file's `created` is later
        await s.app.publishNow()
        const after = (await publishedZips()).at(-1)!
        expect(readExportZip(after, { publicKey: newKey }).signatures).toHaveLength(1)
        expect(() => readExportZip(after, { publicKey: oldKey })).toThrow(/does not verify/)
    })

    test("finish without a rotation under way is a clear error", async () => {
        const r = await cli(["rotate-signing-key", "finish"])
        expect(r.status).toBe(1)
        expect(r.stderr).toMatch(/no signing-key rotation is under way/)
    })
})

describe("backup", () => {
    test("backup while the server runs copies every committed upload and the signing key (SQLite); PostgreSQL points to pg_dump", async () => {
        const [n] = await s.numbers()
        expect((await s.put("/v3/diagnosis", upload(n))).status).toBe(200)
        const to = mkdtempSync(join(tmpdir(), "gaen-backup-"))
        try {
            const r = await cli(["backup", "--to", to])
            if (s.config.databaseUrl) {
                expect(r.status).toBe(1)
                expect(r.stderr).toMatch(/pg_dump/)
                return
            }
            expect(r.status).toBe(0)
            const copy = SqliteStorage.open(to)
            try {
                expect(await copy.countKeys()).toEqual({ total: 5, unpublished: 5 })
            } finally {
                await copy.close()
            }
            expect(readFileSync(join(to, "export-signing-key.pem"), "utf8")).toBe(readFileSync(join(s.dataDir, "export-signing-key.pem"), "utf8"))
            const notEmpty = await cli(["backup", "--to", to])
            expect(notEmpty.status).toBe(1)
            expect(notEmpty.stderr).toMatch(/not empty/)
        } finally {
            rmSync(to, { recursive: true, force: true })
        }
    })
})

describe("end of service", () => {
    test("uploads and new numbers are refused, publishing and the survey go on, the status says until when", async () => {
        const [n, late] = await s.numbers(2)
        expect((await s.put("/v3/diagnosis", upload(n))).status).toBe(200)
        expect(await (await s.get("/v1/status")).json()).toEqual({ status: "running" })

        const ended = await cli(["end-of-service"])
        expect(ended.status).toBe(0)
        expect(ended.stdout).toMatch(/end of service since/)

        const refused = await s.put("/v3/diagnosis", upload(late))
        expect(refused.status).toBe(410)
        expect(refused.body.error).toBe("end_of_service")
        const issued = await cli(["issue-processing-number"])
        expect(issued.status).toBe(1)
        expect(issued.stderr).toMatch(/end of service/)

        const status = await (await s.get("/v1/status")).json()
        expect(status.status).toBe("end_of_service")
        expect(status.lastKeysExpireAt - status.endOfServiceAt).toBeGreaterThanOrEqual(14 * 86_400_000)

        expect((await s.app.publishNow()).keys).toBe(5)
        expect((await s.put("/v1/event_log", survey())).status).toBe(201)
        expect(await (await s.get("/metrics")).text()).toMatch(/^gaen_end_of_service 1$/m)
    })

    test("the survey report prints aggregates only, small counts suppressed", async () => {
        for (let i = 0; i < 3; i++) expect((await s.put("/v1/event_log", survey())).status).toBe(201)
        const small = await cli(["survey-report"])
        expect(small.status).toBe(0)
        expect(small.stdout).toMatch(/<10 answers/)
        expect(small.stdout).not.toMatch(/\t[1-9]\n/)
        const shown = await cli(["survey-report", "--min-count", "3"])
        expect(shown.stdout).toMatch(/^shutdown survey: 3 answers/)
    })
})
