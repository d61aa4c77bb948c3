// `npm test`: builds the firmware, runs the DeviceScript test suites in the simulator, then the
// Node (vitest) suites, and ends with one line "N passed, N failed" summing both, so CI can read it.
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync, mkdtempSync } from "node:fs"
import { join } from "node:path"
import { tmpdir } from "node:os"
import { DEVS_CLI } from "../sim/harness/devs-cli.js"
import { runNativeTests } from "./native-build.js"

const root = new URL("..", import.meta.url).pathname
let passed = 0
let failed = 0

function run(cmd: string, args: string[]): { status: number; out: string } {
    const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, NO_UPDATE_NOTIFIER: "1" } })
    const out = (r.stdout ?? "") + (r.stderr ?? "")
    return { status: r.status ?? 1, out }
}

const build = run("npx", ["tsx", "scripts/build-firmware.ts"])
if (build.status !== 0) {
    process.stdout.write(build.out)
    console.log("firmware build failed")
    console.log(`0 passed, 1 failed`)
    process.exit(1)
}

// DeviceScript suites: each file runs in its own simulator VM (test mode: GC stress, no sockets).
const firmwareDir = join(root, "test/firmware")
const only = process.argv.slice(2)
for (const file of readdirSync(firmwareDir)
    .filter(f => f.endsWith(".test.ts"))
    .sort()) {
    if (only.length && !only.some(o => file.includes(o))) continue
    const r = run(process.execPath, [DEVS_CLI, "run", join("test/firmware", file), "--test", "--test-self-exit", "--test-timeout", "600000"])
    const m = /tests: (\d+), pass: (\d+), error: (\d+)/.exec(r.out)
    const ok = r.status === 0 && m !== null && m[3] === "0"
    const count = m ? Number(m[1]) : 1
    if (ok) passed += Number(m![2])
    else failed += m ? Math.max(1, Number(m[3])) : 1
    console.log(`firmware ${file}: ${ok ? "ok" : "FAILED"} (${m ? `${m[2]}/${count}` : "no summary"})`)
    if (!ok) process.stdout.write(r.out.split("\n").slice(-60).join("\n") + "\n")
}

// Native ESP32 servers (native/esp32/): C host tests built with gcc and sanitizers, and the cores'
// 32-bit RISC-V compile check. Run by `npm test` and by `npm test -- native`.
if (!only.length || only.some(o => "native/esp32".includes(o))) {
    const native = runNativeTests()
    passed += native.passed
    failed += native.failed
    console.log(`native C host tests: ${native.failed ? "FAILED" : "ok"} (${native.passed}/${native.passed + native.failed})`)
    if (native.failed) process.stdout.write(native.out)
}

// Node suites (vitest). The JSON report gives exact counts.
const report = join(mkdtempSync(join(tmpdir(), "gaen-test-")), "vitest.json")
const vitestArgs = ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]
if (only.length) vitestArgs.push("--passWithNoTests", ...only)
const v = spawnSync("npx", vitestArgs, { cwd: root, stdio: "inherit" })
try {
    const j = JSON.parse(readFileSync(report, "utf8"))
    passed += j.numPassedTests
    failed += j.numFailedTests
    if (v.status !== 0 && j.numFailedTests === 0) failed += 1 // suite-level failure (import error, ...)
} catch {
    failed += 1
    console.log("vitest wrote no report")
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
