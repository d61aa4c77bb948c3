// The HER-SYS verifier against a small real HTTP server on 127.0.0.1 playing HER-SYS: what it
// is sent, how its answers map to 200 / 406 / 503, and that nothing is stored unless it says yes.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { startTestServer, type TestServer } from "./helpers.js"
import { upload } from "../../testkit/server.js"
import { DEFAULT_HERSYS_RESULTS } from "../../server/verification/hersys.js"
import { downServerUrl } from "../helpers/net.js"

/** A fake HER-SYS: numbers it knows, and a switch to make it fail. */
class FakeHersys {
    server!: Server
    url = ""
    received: { body: any; headers: Record<string, unknown> }[] = []
    valid = new Set<string>()
    mode: "normal" | "http500" | "garbage" | "unknown-code" | "silent" = "normal"

    async start(port = 0) {
        this.server = createServer((req, res) => {
            let data = ""
            req.on("data", c => (data += c))
            req.on("end", () => {
                const body = JSON.parse(data)
                this.received.push({ body, headers: req.headers })
                if (this.mode === "http500") return void res.writeHead(500).end("boom")
                if (this.mode === "garbage") return void res.writeHead(200, { "content-type": "text/html" }).end("<html>")
                if (this.mode === "silent") return // never answers (stop() closes the connection)
                const n = body.processNumber
                let result = this.valid.delete(n) ? "valid" : "invalid"
                if (this.mode === "unknown-code") result = "maintenance"
                res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ result }))
            })
        })
        await new Promise<void>(r => this.server.listen(port, "127.0.0.1", r))
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/verify`
    }

    async stop() {
        this.server.closeAllConnections()
        await new Promise<void>(r => this.server.close(() => r()))
    }
}

let hersys: FakeHersys
let s: TestServer
beforeAll(async () => {
    hersys = new FakeHersys()
    await hersys.start()
    s = await startTestServer({
        verifier: { kind: "hersys", url: hersys.url, parameterName: "processNumber", apiSecret: "s3cret", results: DEFAULT_HERSYS_RESULTS, timeoutMs: 30_000 },
    })
})
afterAll(async () => {
    await s.stop()
    await hersys.stop()
})

const count = () => s.app.storage.countKeys().then(c => c.total)

describe("HER-SYS verifier", () => {
    test("a number HER-SYS confirms is accepted; the POST carries the number and the API secret", async () => {
        hersys.mode = "normal"
        hersys.valid.add("24681357")
        const before = await count()
        const res = await s.put("/v3/diagnosis", upload("24681357"))
        expect(res.status).toBe(200)
        expect(await count()).toBe(before + 5)
        const last = hersys.received.at(-1)!
        expect(last.body).toEqual({ processNumber: "24681357" })
        expect(last.headers["ocp-apim-subscription-key"]).toBe("s3cret")
        expect(last.headers["content-type"]).toBe("application/json")
    })

    test("a number HER-SYS does not confirm is a 406, nothing stored", async () => {
        hersys.mode = "normal"
        const before = await count()
        const res = await s.put("/v3/diagnosis", upload("11112222"))
        expect(res.status).toBe(406)
        expect(res.body).toEqual({ error: "processing_number_rejected", message: expect.stringMatching(/not valid/) })
        expect(await count()).toBe(before)
    })

    test.each([
        // The server waits 30 s for an answer: a loaded machine never turns a normal one into a 503.
        ["answers HTTP 500", "http500", /HTTP 500/],
        ["answers something other than JSON", "garbage", /other than JSON/],
        ["answers a result code we do not know", "unknown-code", /unknown result code/],
    ] as const)("HER-SYS %s: 503, nothing stored, the server keeps serving", async (_name, mode, reason) => {
        hersys.mode = mode
        hersys.valid.add("55556666")
        const before = await count()
        const res = await s.put("/v3/diagnosis", upload("55556666"))
        expect(res.status).toBe(503)
        expect(res.body.error).toBe("verification_unavailable")
        expect(res.body.message).toMatch(reason)
        expect(res.headers.get("retry-after")).toBe("60")
        expect(await count()).toBe(before)
        expect((await s.get("/c19r/440/list.json")).status).toBe(200)
    })

    test("HER-SYS does not answer within the timeout: 503, nothing stored", async () => {
        // It never answers, so the timeout fires whatever the load: it can be short here.
        hersys.mode = "silent"
        const t = await startTestServer({
            verifier: { kind: "hersys", url: hersys.url, parameterName: "processNumber", results: DEFAULT_HERSYS_RESULTS, timeoutMs: 300 },
        })
        try {
            const before = await t.app.storage.countKeys()
            const res = await t.put("/v3/diagnosis", upload("55557777"))
            expect(res.status).toBe(503)
            expect(res.body).toMatchObject({ error: "verification_unavailable", message: expect.stringMatching(/unreachable/) })
            expect(res.headers.get("retry-after")).toBe("60")
            expect(await t.app.storage.countKeys()).toEqual(before)
            expect((await t.get("/c19r/440/list.json")).status).toBe(200)
        } finally {
            await t.stop()
            hersys.mode = "normal"
        }
    })

    test("HER-SYS down (connection refused): 503 and keys not stored; a retry after it is back succeeds", async () => {
        const url = (await downServerUrl()) + "/verify"
        const t = await startTestServer({
            verifier: { kind: "hersys", url, parameterName: "processNumber", results: DEFAULT_HERSYS_RESULTS, timeoutMs: 1000 },
        })
        try {
            const body = upload("99990000")
            const res = await t.put("/v3/diagnosis", body)
            expect(res.status).toBe(503)
            expect(res.body.message).toMatch(/unreachable/)
            expect((await t.app.storage.countKeys()).total).toBe(0)

            // HER-SYS comes back on the same address; the kiosk retries the very same upload.
            const back = new FakeHersys()
            await back.start(Number(new URL(url).port))
            back.valid.add("99990000")
            try {
                const retry = await t.put("/v3/diagnosis", body)
                expect(retry.status).toBe(200)
                expect((await t.app.storage.countKeys()).total).toBe(5)
            } finally {
                await back.stop()
            }
        } finally {
            await t.stop()
        }
    })
})
