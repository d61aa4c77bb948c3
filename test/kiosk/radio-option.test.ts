// The kiosk's --radio option (the simulated kiosk radio of `npm run sim -- up`): a malformed address
// is a usage error naming the option, an address where nothing answers says so; neither opens anything.
import { describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { createServer } from "node:net"
import { runKiosk } from "../../kiosk/cli.js"
import { stickerCodeOf } from "../../lib/ble-link/sticker-code.js"
import { Cleanup } from "../helpers/cleanup.js"

async function kiosk(args: string[]): Promise<{ code: number; out: string }> {
    const cleanup = new Cleanup()
    let out = ""
    const write = (s: string) => void (out += s)
    try {
        const code = await runKiosk([...args, "--json"], { stdout: { write }, stderr: { write }, env: { GAEN_KIOSK_DATA: cleanup.tempDir("gaen-radio-opt-") } })
        return { code, out }
    } finally {
        cleanup.run()
    }
}

/** A port on which nothing listens: one the system gave out and took back. */
async function closedPort(): Promise<number> {
    const s = createServer()
    await new Promise<void>(r => s.listen(0, "127.0.0.1", () => r()))
    const port = (s.address() as { port: number }).port
    await new Promise<void>(r => s.close(() => r()))
    return port
}

describe("kiosk --radio", () => {
    const token = `ble:${stickerCodeOf(randomBytes(32))}`

    test("not a tcp:// address: a usage error naming --radio", async () => {
        const r = await kiosk(["status", "--radio", "http://127.0.0.1:80", "--token", token])
        expect(r.code).toBe(2)
        expect(JSON.parse(r.out).error).toMatchObject({
            code: "usage",
            message: expect.stringContaining("--radio http://127.0.0.1:80: expected tcp://host:port"),
        })
    })

    test("nothing answers there: the token is not found, and the message says the simulated radio does not answer", async () => {
        const port = await closedPort()
        const r = await kiosk(["status", "--radio", `tcp://127.0.0.1:${port}`, "--token", token])
        expect(r.code).toBe(3)
        expect(JSON.parse(r.out).error).toMatchObject({ code: "token-not-found", message: expect.stringContaining(`tcp://127.0.0.1:${port} does not answer`) })
    })
})
