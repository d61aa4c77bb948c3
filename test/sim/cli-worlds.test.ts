// The simulator's `run` and `up` as a person uses them: a small scenario run to its summary, and a
// live world steered by typed commands (press, move, off/on, time, speed, where, status, quit).
// Small worlds of two tokens, so these stay short.
import { afterAll, describe, expect, test } from "vitest"
import { execFile, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { root, TSX } from "../server/helpers.js"
import { waitUntil } from "../helpers/wait.js"

const dir = mkdtempSync(join(tmpdir(), "sim-cli-worlds-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Two people 1 m apart for `duration`, written as a scenario file. */
function twoPeople(name: string, duration: string): string {
    const file = join(dir, `${name}.json`)
    writeFileSync(file, JSON.stringify({
        name, start: "2026-04-01T01:00:00Z", duration, seed: 7,
        tokens: [{ id: "a", path: [{ at: 0, x: 0, y: 0 }] }, { id: "b", path: [{ at: 0, x: 1, y: 0 }] }],
    }))
    return file
}

describe("npm run sim -- run", () => {
    test("runs a scenario to its end and prints what each token sent, heard and logged", async () => {
        const out = join(dir, "run-out")
        const r = await new Promise<{ code: number; out: string; err: string }>(resolve =>
            execFile(process.execPath, [TSX, "sim/cli.ts", "run", twoPeople("tiny", "12m"), "--out", out, "--no-pcap", "--quiet"], { cwd: root, timeout: 240_000 },
                (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out: stdout, err: stderr })))
        expect(r.code, r.err).toBe(0)
        expect(r.out).toMatch(/^tiny: 2 tokens, 12m from 2026-04-01T01:00:00\.000Z$/m)
        expect(r.out).toMatch(/^booting 2 tokens…$/m)
        expect(r.out).toMatch(/^tiny: 12m simulated in [\d.]+ s/m)
        for (const [me, other] of [["a", "b"], ["b", "a"]])
            expect(r.out).toMatch(new RegExp(`^  ${me}: sent [1-9]\\d* identifiers .*; heard ${other} \\([1-9]\\d* ids, best -\\d+ dBm\\); logged \\d+ records`, "m"))
        expect(r.out).toContain(`outputs in ${out}: summary.json, trace.jsonl, tokens/`)
        expect(existsSync(join(out, "summary.json")) && existsSync(join(out, "trace.jsonl"))).toBe(true)
    }, 300_000)
})

describe("npm run sim -- up", () => {
    test("a live world follows typed commands and ends on quit with its summary", async () => {
        const child = spawn(process.execPath, [TSX, "sim/cli.ts", "up", twoPeople("live", "15m"), "--out", join(dir, "up-out"), "--speed", "2"], {
            cwd: root, stdio: ["pipe", "pipe", "pipe"],
        })
        let out = ""
        child.stdout.on("data", c => { out += c })
        child.stderr.on("data", c => { out += c })
        const exited = new Promise<number | null>(r => child.once("exit", code => r(code)))
        try {
            /** Types `line` and waits until the output (from here on) matches `expected`. */
            async function type(line: string, expected: RegExp): Promise<string> {
                const from = out.length
                child.stdin.write(`${line}\n`)
                const seen = await waitUntil(() => expected.test(out.slice(from)), 120_000)
                expect(seen, `after "${line}", expected ${expected}; got:\n${out.slice(from)}`).toBe(true)
                return out.slice(from)
            }
            expect(await waitUntil(() => /running at 2× real time/.test(out), 180_000), out).toBe(true)
            expect(out).toMatch(/^  a +tcp:\/\/127\.0\.0\.1:\d+$/m)

            await type("help", /press <token> \[hold\]/)
            await type("move a 5 5", /a: moved 5 5/)
            await type("where", /^  a +x 5\.0 y 5\.0  on$/m)
            await type("move a there", /error: "there" is not a coordinate in metres/)
            await type("off a", /a: power-off/)
            await type("where", /^  a +x 5\.0 y 5\.0  OFF$/m)
            await type("status a", /no power/)
            await type("on a", /a: power-on/)
            await type("status a", /state: 'time-not-set'/)
            await type("time a", /a: set-time/)
            await type("status a", /state: 'active'/)
            await type("press a", /a: button/)
            await type("speed 0", /error: speed must be a number of at least 1, got 0/)
            // Taken without complaint, and the rest of the scenario goes by (how fast is for
            // `npm run bench`, not a test); the tokens stay up for kiosks until "quit".
            const fast = await type("speed 50", /scenario over; the tokens keep running for kiosks until "quit"/)
            expect(fast).not.toMatch(/error/)
            expect(fast).toMatch(/^live: 15m simulated in [\d.]+ s/m)
            await type("fly a", /unknown command "fly" \(help\)/)
            await type("quit", /outputs in .*up-out: summary\.json, trace\.jsonl/)
            expect(await exited).toBe(0)
        } finally {
            if (child.exitCode === null) child.kill("SIGKILL")
        }
    }, 420_000)
})
