// Simulator-world benchmark: `npx tsx bench/world.bench.ts` (or `npm run bench -- world`).
// For 2, 10 and 40 tokens (real firmware, one process each) standing 1 m apart in a row, runs a
// world for a fixed stretch of simulated time and reports simulated seconds per real second (after
// boot, the speed governor choosing the speed) and peak memory of all processes together.
// About 3 minutes on a 2-core machine.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir, cpus } from "node:os"
import { join } from "node:path"
import { parseScenario } from "../sim/scenarios/scenario.js"
import { World } from "../sim/world/world.js"

const CASES = [
    { tokens: 2, simulated: "2h" },
    { tokens: 10, simulated: "30m" },
    { tokens: 40, simulated: "10m" },
]

console.debug = () => {}
console.log(`world benchmark on ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}`)
const rows: string[] = []
for (const c of CASES) {
    const scenario = parseScenario(
        JSON.stringify({
            name: `bench ${c.tokens}`,
            start: "2026-04-01T01:00:00Z",
            duration: c.simulated,
            tokens: Array.from({ length: c.tokens }, (_, i) => ({ id: `t${i}`, path: [{ at: 0, x: i, y: 0 }] })),
        }),
        `bench: ${c.tokens} tokens`
    )
    const outDir = mkdtempSync(join(tmpdir(), "gaen-world-bench-"))
    const world = await World.start({ scenario, outDir, pcap: false })
    try {
        const s = await world.run()
        // Fidelity: the firmware rotates every 10–20 minutes; longer means it fell behind.
        const longest = Math.max(...s.tokens.map(t => t.longestOnAirSeconds))
        const row = `| ${c.tokens} | ${c.simulated} | ${s.speed.bootSeconds} s | ${s.speed.runSeconds} s | ${s.speed.simulatedSecondsPerRealSecond} | ${Math.round(s.speed.peakMemoryBytes / 2 ** 20)} MiB | ${Math.round(longest / 60)} min |`
        rows.push(row)
        console.log(
            `BENCH world_tokens=${c.tokens} sim_seconds_per_real_second=${s.speed.simulatedSecondsPerRealSecond} peak_memory_mib=${Math.round(s.speed.peakMemoryBytes / 2 ** 20)} boot_s=${s.speed.bootSeconds}`
        )
    } finally {
        await world.stop()
        rmSync(outDir, { recursive: true, force: true })
    }
}
console.log("\n| tokens | simulated | boot | run | simulated s per real s | peak memory (all processes) | longest on air |\n|---|---|---|---|---|---|---|")
for (const r of rows) console.log(r)
