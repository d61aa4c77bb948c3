// The simulator's command line (`npm run sim -- …`) as a person runs it: list, check, bad input
// named line by line, and usage errors. (`run` and `up` with their typed commands: cli-worlds.test.ts.)
import { describe, expect, test } from "vitest"
import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { root, TSX } from "../../testkit/repo.js"

/** Runs `sim/cli.ts args` asynchronously (a loaded machine may take a while to start tsx). */
function sim(args: string[]): Promise<{ code: number; out: string; err: string }> {
    return new Promise(resolve => {
        execFile(process.execPath, [TSX, "sim/cli.ts", ...args], { cwd: root, timeout: 120_000 }, (e, out, err) =>
            resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out, err })
        )
    })
}

describe("npm run sim", () => {
    test("list names every scenario in sim/scenarios with its tokens and length", async () => {
        const r = await sim(["list"])
        expect(r.code).toBe(0)
        const names = readdirSync(join(root, "sim/scenarios"))
            .filter(f => f.endsWith(".json"))
            .map(f => f.replace(/\.json$/, ""))
        expect(names.length).toBeGreaterThan(0)
        for (const name of names) expect(r.out).toMatch(new RegExp(`^${name}\\s+\\d+ tokens\\s+\\S+\\s+\\S`, "m"))
        expect(r.out).toMatch(/^two-people-1m\s+2 tokens\s+20m\s/m)
    })

    test("check accepts a good scenario and names every fault of a bad one, with exit 1", async () => {
        const good = await sim(["check", "two-people-1m"])
        expect(good.code).toBe(0)
        expect(good.out).toMatch(/two-people-1m\.json: ok \(2 tokens, 20m, 0 events\)/)

        const dir = mkdtempSync(join(tmpdir(), "sim-cli-"))
        try {
            const bad = join(dir, "bad.json")
            writeFileSync(
                bad,
                JSON.stringify({
                    name: "bad",
                    start: "2026-04-01T01:00:00Z",
                    duration: "5m",
                    tokens: [{ id: "a", path: [{ at: 0, x: 0, y: 0 }] }],
                    events: [{ at: "9m", token: "b", type: "power-cut", off: "1m" }],
                })
            )
            const r = await sim(["check", bad])
            expect(r.code).toBe(1)
            const text = r.out + r.err
            expect(text).toContain(`${bad}: $.events[0].token: unknown token "b" (tokens: a)`)
            expect(text).toContain(`${bad}: $.events[0].at: event at 9m is after the end of the scenario (5m)`)
            const missing = await sim(["check", join(dir, "missing.json")])
            expect(missing.code).toBe(1)
            expect(missing.out + missing.err).toContain("missing.json")
        } finally {
            rmSync(dir, { recursive: true, force: true })
        }
    })

    test("an unknown command or option prints the usage, with exit 2", async () => {
        for (const args of [["frobnicate"], ["run", "two-people-1m", "--fast"], []]) {
            const r = await sim(args)
            expect(r.code, args.join(" ")).toBe(2)
            expect(r.out + r.err, args.join(" ")).toMatch(/usage: npm run sim -- <command>/)
        }
    })
})
