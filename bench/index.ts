// `npm run bench`: every benchmark of the project, one after the other, printed for the README.
//   bench/firmware/*.bench-fw.ts  DeviceScript programs run in the simulator VM (GC stress off);
//                                 they print `BENCH key=value …` lines, in VM time.
//   bench/*.bench.ts              Node programs (server, simulator, kiosk) that print their own tables.
// `npm run bench -- <substring>` runs only the matching ones.
import { spawnSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { cpus, loadavg } from "node:os"
import { fileURLToPath } from "node:url"
import { DEVS_CLI } from "../sim/harness/devs-cli.js"
import { FIRMWARE_BYTECODE } from "../sim/harness/token-vm.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const only = process.argv.slice(2)
const wanted = (f: string) => !only.length || only.some(o => f.includes(o))
const env = { ...process.env, NO_UPDATE_NOTIFIER: "1" }

const load = () =>
    loadavg()
        .map(l => l.toFixed(2))
        .join(" ")
// docs/performance.md quotes one run: when, on what, and how busy the machine was at each end.
console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`)
console.log(`started: ${new Date().toISOString()}, load average ${load()} (1, 5, 15 min)`)
process.on("exit", () => console.log(`\nfinished: ${new Date().toISOString()}, load average ${load()} (1, 5, 15 min)`))

// Build first so sizes and programs are current.
const build = spawnSync("npx", ["tsx", "scripts/build-firmware.ts"], { cwd: root, stdio: "inherit", env })
if (build.status !== 0) process.exit(1)

if (wanted("size")) {
    const bytes = statSync(FIRMWARE_BYTECODE).size
    console.log(`\n== firmware size\nBENCH firmware_bytecode_bytes=${bytes}`)
}

let failed = 0
for (const f of readdirSync(join(root, "bench/firmware"))
    .filter(f => f.endsWith(".bench-fw.ts"))
    .sort()) {
    if (!wanted(f)) continue
    console.log(`\n== ${f} (simulator VM, GC stress off)`)
    const r = spawnSync(
        process.execPath,
        ["-r", "./bench/firmware/no-gc-stress.cjs", DEVS_CLI, "run", `bench/firmware/${f}`, "--test", "--test-self-exit", "--test-timeout", "1200000"],
        { cwd: root, encoding: "utf8", env, maxBuffer: 1 << 26 }
    )
    const lines = (r.stdout + r.stderr)
        .split("\n")
        .map(l => /BENCH (.*)/.exec(l.replace(/\x1b\[[0-9;]*m/g, ""))?.[1])
        .filter(Boolean)
    for (const l of lines) console.log(`BENCH ${l}`)
    if (r.status !== 0 || !lines.length) {
        failed++
        console.log(`${f} failed (exit ${r.status})\n${(r.stdout + r.stderr).split("\n").slice(-30).join("\n")}`)
    }
}

for (const f of readdirSync(join(root, "bench"))
    .filter(f => f.endsWith(".bench.ts"))
    .sort()) {
    if (!wanted(f)) continue
    console.log(`\n== ${f}`)
    const r = spawnSync("npx", ["tsx", `bench/${f}`], { cwd: root, stdio: "inherit", env })
    if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
