// `npm test`: builds the firmware, runs the DeviceScript test suites in the simulator, then the
// Node (vitest) suites, and ends with one line "N passed, N failed" summing both, so CI can read it.
import { spawn, spawnSync } from "node:child_process"
import { readdirSync, readFileSync, mkdtempSync } from "node:fs"
import { join } from "node:path"
import { availableParallelism, tmpdir } from "node:os"
import { DEVS_CLI } from "../sim/harness/devs-cli.js"
import { runNativeTests } from "./native-build.js"

const root = new URL("..", import.meta.url).pathname
let passed = 0
let failed = 0

const childEnv = { ...process.env, NO_UPDATE_NOTIFIER: "1" }

function run(cmd: string, args: string[]): { status: number; out: string } {
    const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28, env: childEnv })
    const out = (r.stdout ?? "") + (r.stderr ?? "")
    return { status: r.status ?? 1, out }
}

/** Starts the jobs in order, at most `atOnce` running at a time (the next starts as soon as one
 *  ends); their results in the jobs' order. */
function inTurn<T>(jobs: (() => Promise<T>)[], atOnce: number): Promise<T>[] {
    const hand: ((result: Promise<T>) => void)[] = []
    const results = jobs.map(() => new Promise<T>(resolve => hand.push(resolve)))
    let next = 0
    const startNext = () => {
        const i = next++
        if (i >= jobs.length) return
        const result = jobs[i]()
        hand[i](result)
        result.then(startNext, startNext)
    }
    for (let k = 0; k < atOnce; k++) startNext()
    return results
}

/** run(), without blocking: stdout and stderr interleaved as they came. */
function runAsync(cmd: string, args: string[]): Promise<{ status: number; out: string }> {
    return new Promise(resolve => {
        const child = spawn(cmd, args, { cwd: root, env: childEnv })
        let out = ""
        child.stdout.setEncoding("utf8").on("data", d => (out += d))
        child.stderr.setEncoding("utf8").on("data", d => (out += d))
        child.on("error", e => resolve({ status: 1, out: out + String(e) }))
        child.on("close", status => resolve({ status: status ?? 1, out }))
    })
}

const build = run("npx", ["tsx", "scripts/build-firmware.ts"])
if (build.status !== 0) {
    process.stdout.write(build.out)
    console.log("firmware build failed")
    console.log(`0 passed, 1 failed`)
    process.exit(1)
}

// DeviceScript suites: each file runs in its own simulator VM (test mode: GC stress, no sockets).
// A VM keeps one core busy and shares nothing with another, so as many run at once as there are
// cores; results are printed in file order.
const firmwareDir = join(root, "test/firmware")
const only = process.argv.slice(2)
const firmwareFiles = readdirSync(firmwareDir)
    .filter(f => f.endsWith(".test.ts"))
    .sort()
    .filter(file => !only.length || only.some(o => file.includes(o)))
const firmwareRuns = inTurn(
    firmwareFiles.map(
        file => () => runAsync(process.execPath, [DEVS_CLI, "run", join("test/firmware", file), "--test", "--test-self-exit", "--test-timeout", "600000"])
    ),
    availableParallelism()
)
for (const [i, file] of firmwareFiles.entries()) {
    const r = await firmwareRuns[i]
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
