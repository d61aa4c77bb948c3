// The commands as an operator runs them: separate processes sharing one data directory, the
// server started by `start`, publishing done by the `publish` command while the server runs.
import { test, expect } from "vitest"
import { execFile, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { root, TSX } from "../../testkit/repo.js"
import { upload, cliEnv, startServerCli } from "../../testkit/server.js"
import { readExportZip, parseExportList } from "../../lib/keyfile/index.js"

/**
 * One command, run as its own process. Asynchronous on purpose: a synchronous spawn would block this
 * process's event loop while the running server closes its idle keep-alive connection, and the next
 * fetch would then reuse the dead socket ("other side closed").
 */
const cli = (args: string[], cwd = root) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>(resolve =>
        execFile(process.execPath, [TSX, join(root, "server/cli.ts"), ...args], { cwd, encoding: "utf8", env: cliEnv }, (err, stdout, stderr) =>
            resolve({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr })
        )
    )

test("add-kiosk, issue-processing-number, start, publish and public-key work together", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gaen-server-cli-"))
    let server: ChildProcess | undefined
    try {
        const added = await cli(["add-kiosk", "Shinjuku library", "--data", dir])
        expect(added.status).toBe(0)
        const apiKey = /^(gk_\S+)$/m.exec(added.stdout)![1]
        const printedKey = /^(MFkw\S+)$/m.exec(added.stdout)![1]

        const duplicate = await cli(["add-kiosk", "Shinjuku library", "--data", dir])
        expect(duplicate.status).toBe(1)
        expect(duplicate.stderr).toMatch(/already exists/)

        const issued = await cli(["issue-processing-number", "--count", "2", "--data", dir])
        expect(issued.status).toBe(0)
        const numbers = issued.stdout.trim().split("\n")
        expect(numbers).toHaveLength(2)
        for (const n of numbers) expect(n).toMatch(/^[0-9]{8}$/)

        const started = await startServerCli(["--port", "0", "--host", "127.0.0.1", "--data", dir, "--publish-interval-minutes", "0"])
        server = started.child
        expect(started.output()).toContain(printedKey)
        const served = await (await fetch(started.url + "/v1/export-public-key")).json()
        expect(served.publicKey).toBe(printedKey)

        const uploaded = upload(numbers[0])
        const res = await fetch(started.url + "/v3/diagnosis", {
            method: "PUT",
            headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
            body: JSON.stringify(uploaded),
        })
        expect(res.status).toBe(200)

        const published = await cli(["publish", "--data", dir])
        expect(published.status).toBe(0)
        expect(published.stdout).toMatch(/published 5 keys in 1 file\(s\) \(with \d+ random padding keys\)/)

        const list = parseExportList(await (await fetch(started.url + "/c19r/440/list.json")).text())
        expect(list).toHaveLength(1)
        const keys = readExportZip(new Uint8Array(await (await fetch(list[0].url)).arrayBuffer()), { publicKey: printedKey }).export.keys
        expect(keys.length).toBeGreaterThanOrEqual(1000) // the five among random padding
        const onWire = new Set(keys.map(k => Buffer.from(k.keyData).toString("base64")))
        for (const k of uploaded.keys) expect(onWire).toContain(k.keyData)

        const pk = await cli(["public-key", "--data", dir])
        expect(pk.stdout).toContain(printedKey)
        expect(pk.stdout).toContain("-----BEGIN PUBLIC KEY-----")

        const revoked = await cli(["revoke-kiosk", "Shinjuku library", "--data", dir])
        expect(revoked.status).toBe(0)
        const afterRevoke = await fetch(started.url + "/v3/diagnosis", {
            method: "PUT",
            headers: { authorization: `Bearer ${apiKey}` },
            body: JSON.stringify(upload(numbers[1])),
        })
        expect(afterRevoke.status).toBe(401)

        const exited = new Promise<number | null>(r => server!.once("exit", code => r(code)))
        server.kill("SIGTERM")
        expect(await exited).toBe(0)
        server = undefined
    } finally {
        if (server?.pid && server.exitCode === null) server.kill("SIGKILL")
        rmSync(dir, { recursive: true, force: true })
    }
})

test("bad commands and options fail with a clear message", async () => {
    const unknown = await cli(["frobnicate"])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/)
    const badOption = await cli(["start", "--verifier", "magic"])
    expect(badOption.status).toBe(1)
    expect(badOption.stderr).toMatch(/--verifier: "magic"/)
    const noUrl = await cli(["start", "--verifier", "hersys"])
    expect(noUrl.status).toBe(1)
    expect(noUrl.stderr).toMatch(/--hersys-url/)
})

test('an option without its value is an error, not the string "true" (no ./true data directory)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), "gaen-server-cli-cwd-"))
    try {
        for (const args of [
            ["list-kiosks", "--data"],
            ["list-kiosks", "--data", "--port", "1"],
        ]) {
            const r = await cli(args, cwd)
            expect(r.status).toBe(1)
            expect(r.stderr).toMatch(/--data needs a value/)
        }
        const unknownOption = await cli(["list-kiosks", "--dta", "x"], cwd)
        expect(unknownOption.status).toBe(1)
        expect(unknownOption.stderr).toMatch(/unknown option --dta/)
        expect(readdirSync(cwd)).toEqual([])
    } finally {
        rmSync(cwd, { recursive: true, force: true })
    }
})

test("start on a reachable address without --public-url (or --trust-proxy) is refused", async () => {
    const open = await cli(["start", "--host", "0.0.0.0", "--port", "0"])
    expect(open.status).toBe(1)
    expect(open.stderr).toMatch(/--public-url is required when listening on 0\.0\.0\.0/)
})
