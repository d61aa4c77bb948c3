// The simulator's `run` and `up` as a person uses them: a small scenario run to its summary, and a
// live world steered by typed commands (press, move, off/on, time, speed, where, status, quit), and
// a "quit" long before the scenario's end. Small worlds of two tokens, so these stay short.
import { afterAll, describe, expect, test } from "vitest"
import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { root, TSX } from "../../testkit/repo.js"
import { waitUntil } from "../helpers/wait.js"

const dir = mkdtempSync(join(tmpdir(), "sim-cli-worlds-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Two people 1 m apart for `duration`, written as a scenario file. */
function twoPeople(name: string, duration: string): string {
    const file = join(dir, `${name}.json`)
    writeFileSync(
        file,
        JSON.stringify({
            name,
            start: "2026-04-01T01:00:00Z",
            duration,
            seed: 7,
            tokens: [
                { id: "a", path: [{ at: 0, x: 0, y: 0 }] },
                { id: "b", path: [{ at: 0, x: 1, y: 0 }] },
            ],
        })
    )
    return file
}

describe("npm run sim -- run", () => {
    test("runs a scenario to its end and prints what each token sent, heard and logged", async () => {
        const out = join(dir, "run-out")
        const r = await new Promise<{ code: number; out: string; err: string }>(resolve =>
            execFile(
                process.execPath,
                [TSX, "sim/cli.ts", "run", twoPeople("tiny", "12m"), "--out", out, "--no-pcap", "--quiet"],
                { cwd: root, timeout: 480_000 },
                (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out: stdout, err: stderr })
            )
        )
        expect(r.code, r.err).toBe(0)
        expect(r.out).toMatch(/^tiny: 2 tokens, 12m from 2026-04-01T01:00:00\.000Z$/m)
        expect(r.out).toMatch(/^booting 2 tokens…$/m)
        expect(r.out).toMatch(/^tiny: 12m simulated in [\d.]+ s/m)
        for (const [me, other] of [
            ["a", "b"],
            ["b", "a"],
        ])
            expect(r.out).toMatch(
                new RegExp(`^  ${me}: sent [1-9]\\d* identifiers .*; heard ${other} \\([1-9]\\d* ids, best -\\d+ dBm\\); logged \\d+ records`, "m")
            )
        expect(r.out).toContain(`outputs in ${out}: summary.json, trace.jsonl, tokens/`)
        expect(existsSync(join(out, "summary.json")) && existsSync(join(out, "trace.jsonl"))).toBe(true)
    }, 540_000)
})

/** `npm run sim -- up <scenario>` at 2× real time, typed to as a person would. */
class LiveWorld {
    private child: ChildProcessWithoutNullStreams
    /** Everything it printed so far (stdout and stderr). */
    out = ""
    readonly exited: Promise<number | null>

    constructor(scenarioFile: string, outDir: string) {
        this.child = spawn(process.execPath, [TSX, "sim/cli.ts", "up", scenarioFile, "--out", outDir, "--speed", "2"], {
            cwd: root,
            stdio: ["pipe", "pipe", "pipe"],
        })
        this.child.stdout.on("data", c => {
            this.out += c
        })
        this.child.stderr.on("data", c => {
            this.out += c
        })
        this.exited = new Promise(r => this.child.once("exit", code => r(code)))
    }

    /** Waits until its tokens are up and it takes commands. */
    async running() {
        expect(await waitUntil(() => /running at 2× real time/.test(this.out), 180_000), this.out).toBe(true)
    }

    /** Types `line` and waits until the output (from here on) matches `expected`; returns that
     *  output. `boundMs` only bounds a hang. */
    async type(line: string, expected: RegExp, boundMs = 120_000): Promise<string> {
        const from = this.out.length
        this.child.stdin.write(`${line}\n`)
        const seen = await waitUntil(() => expected.test(this.out.slice(from)), boundMs)
        expect(seen, `after "${line}", expected ${expected}; got:\n${this.out.slice(from)}`).toBe(true)
        return this.out.slice(from)
    }

    /** Whether the process has ended within `realMs` (a bound on a hang, not a speed test). */
    async endsWithin(realMs: number): Promise<boolean> {
        let ended = false
        void this.exited.then(() => {
            ended = true
        })
        return waitUntil(() => ended, realMs)
    }

    kill() {
        if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL")
    }
}

describe("npm run sim -- up", () => {
    test("a live world follows typed commands and ends on quit with its summary", async () => {
        const world = new LiveWorld(twoPeople("live", "15m"), join(dir, "up-out"))
        try {
            await world.running()
            expect(world.out).toMatch(/^  a +tcp:\/\/127\.0\.0\.1:\d+  ble:[0-9A-Z-]+$/m)

            await world.type("help", /press <token> \[hold\]/)
            await world.type("move a 5 5", /a: moved 5 5/)
            await world.type("where", /^  a +x 5\.0 y 5\.0  on$/m)
            await world.type("move a there", /error: "there" is not a coordinate in metres/)
            await world.type("off a", /a: power-off/)
            await world.type("where", /^  a +x 5\.0 y 5\.0  OFF$/m)
            await world.type("status a", /no power/)
            await world.type("on a", /a: power-on/)
            await world.type("status a", /state: 'time-not-set'/)
            await world.type("time a", /a: set-time/)
            await world.type("status a", /state: 'active'/)
            await world.type("press a", /a: button/)
            await world.type("speed 0", /error: speed must be a number of at least 1, got 0/)
            // Taken without complaint, and the rest of the scenario goes by (how fast is for
            // `npm run bench`, not a test: on a busy machine the speed governor holds it lower);
            // the tokens stay up for kiosks until "quit".
            const fast = await world.type("speed 50", /scenario over; the tokens keep running for kiosks until "quit"/, 360_000)
            expect(fast).not.toMatch(/error/)
            expect(fast).toMatch(/^live: 15m simulated in [\d.]+ s/m)
            await world.type("fly a", /unknown command "fly" \(help\)/)
            await world.type("quit", /outputs in .*up-out: summary\.json, trace\.jsonl/)
            expect(await world.exited).toBe(0)
        } finally {
            world.kill()
        }
    }, 900_000)

    test("quit long before the scenario's end stops at once, with the summary of the time lived so far", async () => {
        // Two hours: at 2× an hour of real time, which "quit" must not wait out.
        const world = new LiveWorld(twoPeople("long", "2h"), join(dir, "up-long-out"))
        try {
            await world.running()
            await world.type("where", /^  b +x 1\.0 y 0\.0  on$/m)
            await world.type("move b away", /b: moved away/)
            await world.type("where", /^  b +away  on$/m)
            await world.type("press b 1s", /b: button/)
            await world.type("press zed", /error: no token "zed" in this world \(tokens: a, b\)/)
            const end = await world.type("quit", /outputs in .*up-long-out: summary\.json, trace\.jsonl/)
            // Ends by itself, promptly: only the tokens' shutdown is left (this wait only bounds a hang).
            expect(await world.endsWithin(120_000), `still running after "quit":\n${world.out}`).toBe(true)
            expect(await world.exited).toBe(0)
            const lived = /^long: (.+) simulated in [\d.]+ s/m.exec(end)
            expect(lived, end).not.toBeNull()
            expect(lived![1]).not.toMatch(/h/) // minutes, not the scenario's two hours
            expect(world.out).not.toMatch(/scenario over/)
        } finally {
            world.kill()
        }
    }, 420_000)
})
