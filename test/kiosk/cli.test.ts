// The command line: usage errors name what was wrong (before any token or server is touched), the
// export key is pinned and trusted only as set up, and the language follows --lang / the locale.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { runKiosk, type KioskIo } from "../../kiosk/cli.js"
import { startTestServer, type TestServer } from "../server/helpers.js"
import { tempDir } from "./fixtures.js"

let server: TestServer
const data = tempDir("kiosk-cli-")
beforeAll(async () => {
    server = await startTestServer()
})
afterAll(async () => {
    await server.stop()
    data.remove()
})

async function kiosk(argv: string[], env: NodeJS.ProcessEnv = {}) {
    const out: string[] = []
    const io: KioskIo = { stdout: { write: s => void out.push(s) }, stderr: { write: () => {} }, env: { GAEN_KIOSK_DATA: data.path, ...env } }
    const code = await runKiosk(argv, io)
    const text = out.join("")
    return { code, text, json: () => JSON.parse(text) }
}

describe("kiosk command line", () => {
    test("help, unknown commands and options", async () => {
        expect((await kiosk(["help"])).text).toMatch(/Usage: npm run kiosk/)
        expect((await kiosk([])).code).toBe(2)
        const unknown = await kiosk(["frobnicate", "--json"])
        expect(unknown.code).toBe(2)
        expect(unknown.json().error.message).toMatch(/unknown command "frobnicate"/)
        expect((await kiosk(["status", "--json", "--tokn", "x"])).json().error.message).toMatch(/unknown option --tokn/)
        expect((await kiosk(["status", "--json", "--server", "http://x"])).json().error.message).toMatch(/--server is not an option of "status"/)
        expect((await kiosk(["status", "--json"])).json().error.message).toMatch(/--token is missing/)
        expect((await kiosk(["status", "--json", "--token", "usb:1"])).json().error.message).toMatch(/unknown kind of address/)
        expect((await kiosk(["status", "--lang", "fr"])).text).toMatch(/--lang fr: expected ja or en/)
    })

    test("text in Japanese when the locale is Japanese, English otherwise, --lang overrides", async () => {
        const args = ["register", "--token", "tcp://127.0.0.1:9", "--server", server.app.url, "--processing-number", "12"]
        expect((await kiosk(args, { LANG: "ja_JP.UTF-8" })).text).toMatch(/入力に誤りがあります/)
        expect((await kiosk(args, { LC_ALL: "ja_JP.UTF-8", LANG: "en_US.UTF-8" })).text).toMatch(/入力に誤りがあります/)
        expect((await kiosk(args, { LANG: "en_US.UTF-8" })).text).toMatch(/Something in the request is not right/)
        expect((await kiosk([...args, "--lang", "en"], { LANG: "ja_JP.UTF-8" })).text).toMatch(/Something in the request/)
    })

    test("check refuses to run without a trusted export key, before touching the token", async () => {
        const r = await kiosk(["check", "--json", "--token", "serial:/dev/no-such-tty", "--server", server.app.url])
        expect(r.code).toBe(2)
        expect(r.json().error).toMatchObject({ code: "no-public-key" })
        expect(r.json().error.message).toMatch(/--public-key/)
        const bad = await kiosk(["check", "--json", "--token", "serial:/dev/no-such-tty", "--server", server.app.url, "--public-key", "bm90IGEga2V5"])
        expect(bad.json().error).toMatchObject({ code: "config" })
        expect(bad.json().error.message).toMatch(/--public-key: not a public key/)
    })

    test("--public-key <file> is pinned; trust-server-key pins the server's key and shows its fingerprint", async () => {
        const pem = (await (await fetch(server.app.url + "/v1/export-public-key")).json()).publicKeyPem
        const file = join(data.path, "server.pem")
        writeFileSync(file, pem)
        // The token is missing, so the command fails there, after the key was accepted and pinned.
        const r = await kiosk(["check", "--json", "--token", "serial:/dev/no-such-tty", "--server", server.app.url, "--public-key", file])
        expect(r.json().error.code).toBe("token-not-found")
        const pinned = JSON.parse(readFileSync(join(data.path, "config.json"), "utf8")).pinnedPublicKeys[server.app.url].publicKey
        expect(pinned).toBe((await (await fetch(server.app.url + "/v1/export-public-key")).json()).publicKey)
        const t = await kiosk(["trust-server-key", "--json", "--server", server.app.url])
        expect(t.code).toBe(0)
        expect(t.json()).toMatchObject({ ok: true, publicKey: pinned, keyId: "440" })
        expect(t.json().fingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/)
    })

    test("decommission checks the survey's answers and consents before anything else", async () => {
        const base = ["decommission", "--json", "--token", "serial:/dev/no-such-tty"]
        expect((await kiosk([...base, "--age", "10"])).json().error.message).toMatch(/--age 10: expected a whole number from 1 to 9/)
        expect((await kiosk([...base, "--start-date", "2025-01-01"])).json().error.message).toMatch(/without --consent-start-date/)
        expect((await kiosk([...base, "--consent-start-date"])).json().error.message).toMatch(/needs --start-date/)
        // An impossible date is refused, not rolled over to March 1.
        const impossible = await kiosk([...base, "--consent-start-date", "--start-date", "2024-02-30"])
        expect(impossible.code).toBe(2)
        expect(impossible.json().error.message).toMatch(/--start-date 2024-02-30: expected a date as YYYY-MM-DD/)
        // The survey's checks name fields; the command line tells them by its flags, in both languages.
        const age = await kiosk([...base, "--age", "0"])
        expect(age.code).toBe(2)
        expect(age.json().error).toEqual({ code: "usage", message: "--age 0: expected a whole number from 1 to 9" })
        expect((await kiosk(["decommission", "--token", "serial:/dev/no-such-tty", "--commute", "7", "--lang", "ja"])).text).toMatch(
            /入力に誤りがあります。[\s\S]*--commute 7: expected a whole number from 1 to 3/
        )
        expect((await kiosk([...base, "--age", "3"])).json().error.message).toMatch(/--server is missing/)
        expect((await kiosk([...base, "--age", "3", "--server", server.app.url])).json().error.message).toMatch(/API key is missing/)
        // The token address does not exist: reaching it would fail differently.
        const retries = await kiosk([...base, "--retries", "x"])
        expect(retries.code).toBe(2)
        expect(retries.json().error).toMatchObject({ code: "usage" })
        expect(retries.json().error.message).toMatch(/--retries x: expected a whole number/)
    })
})
