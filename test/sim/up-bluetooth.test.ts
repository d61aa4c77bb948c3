// A person in front of `npm run sim -- up` syncs a token over Bluetooth from the kiosk command line:
// `up` prints each token's `ble:<sticker code>` and the kiosk radio's address; after `press <token>`
// at the prompt, `npm run kiosk -- status --radio … --token ble:…` reaches the token through the
// world's kiosk radio. Both as processes, as a person runs them.
import { afterAll, describe, expect, test } from "vitest"
import { execFile, spawn, type ChildProcess } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { root, TSX } from "../../testkit/repo.js"
import { Cleanup } from "../helpers/cleanup.js"
import { waitUntil } from "../helpers/wait.js"

const cleanup = new Cleanup()
afterAll(() => cleanup.run())

function kiosk(args: string[], dataDir: string): Promise<{ code: number; out: string }> {
    return new Promise(resolve => {
        execFile(
            process.execPath,
            [TSX, "kiosk/cli.ts", ...args],
            { cwd: root, timeout: 120_000, env: { ...process.env, GAEN_KIOSK_DATA: dataDir } },
            (e, out, err) => resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out: out + err })
        )
    })
}

describe("npm run sim -- up with Bluetooth", () => {
    test("prints a ble: address per token and the kiosk radio; the kiosk CLI syncs the token over it after a press", { timeout: 540_000 }, async () => {
        const dir = cleanup.tempDir("gaen-up-ble-")
        const scenario = join(dir, "desk.json")
        writeFileSync(
            scenario,
            JSON.stringify({
                name: "at the kiosk",
                start: "2026-04-01T01:00:00Z",
                duration: "2h",
                kiosk: { x: 0, y: 0 },
                tokens: [{ id: "hana", path: [{ at: 0, x: 1, y: 0 }] }],
            })
        )
        let out = ""
        const up: ChildProcess = spawn(process.execPath, [TSX, "sim/cli.ts", "up", scenario, "--out", join(dir, "out")], {
            cwd: root,
            stdio: ["pipe", "pipe", "pipe"],
        })
        cleanup.add(up, p => {
            if (p.exitCode === null) p.kill()
        })
        up.stdout!.on("data", d => {
            out += d
        })
        up.stderr!.on("data", d => {
            out += d
        })

        expect(await waitUntil(() => /kiosk radio: tcp:\/\/127\.0\.0\.1:\d+/.test(out), 180_000), out).toBe(true)
        const code = /hana\s+tcp:\/\/127\.0\.0\.1:\d+\s+ble:([0-9A-Z-]+)/.exec(out)?.[1]
        expect(code, out).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{1,4})+$/)
        const radio = /kiosk radio: (tcp:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]

        up.stdin!.write("press hana\n")
        const r = await kiosk(["status", "--radio", radio, "--token", `ble:${code}`, "--json"], cleanup.tempDir("gaen-up-ble-kiosk-"))
        expect(r.code, r.out).toBe(0)
        const answer = JSON.parse(r.out.trim().split("\n").at(-1)!)
        expect(answer).toMatchObject({ ok: true, command: "status", token: { state: "active" } })

        // quit reads every token's log (with its owner's press) and stops them: slow on a loaded machine.
        up.stdin!.write("quit\n")
        expect(await waitUntil(() => up.exitCode !== null, 240_000), out).toBe(true)
    })
})
