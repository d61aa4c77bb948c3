// The simulator's command line refuses an option without its value instead of running without it.
import { test, expect } from "vitest"
import { execFile } from "node:child_process"
import { join } from "node:path"
import { root, TSX } from "../../testkit/repo.js"

const sim = (args: string[]) =>
    new Promise<{ status: number | null; stderr: string }>(resolve =>
        execFile(process.execPath, [TSX, join(root, "sim/cli.ts"), ...args], { cwd: root, encoding: "utf8" }, (err, _stdout, stderr) =>
            resolve({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stderr })
        )
    )

test("an option without its value, or an unknown option, is a usage error (exit 2)", async () => {
    const noValue = await sim(["run", "two-people-1m", "--out"])
    expect(noValue.status).toBe(2)
    expect(noValue.stderr).toMatch(/--out needs a value/)
    const swallowed = await sim(["run", "two-people-1m", "--out", "--quiet"])
    expect(swallowed.status).toBe(2)
    expect(swallowed.stderr).toMatch(/--out needs a value/)
    const unknown = await sim(["run", "two-people-1m", "--bogus"])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toMatch(/unknown option --bogus/)
})
