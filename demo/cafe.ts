// The demo a new user runs first (`npm start`): a café table of four
// simulated tokens (sim/scenarios/demo-cafe.json), each the real firmware in its own process, one
// radio channel between them. Shows in plain words what went on air, who heard whom how strongly,
// and what each token logged; writes the capture for Wireshark.
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { loadScenario, formatMs } from "../sim/scenarios/scenario.js"
import { World, type WorldEvent } from "../sim/world/world.js"
import { CLOSE_CONTACT_MAX_ATTENUATION_DB } from "../sim/world/constants.js"
import { runCounterDemo } from "./counter.js"

const SCENARIO = fileURLToPath(new URL("../sim/scenarios/demo-cafe.json", import.meta.url))
const OUT = join("tmp", "sim", "demo")

console.debug = () => {} // jacdac-ts reports every socket connection there
const scenario = loadScenario(SCENARIO)
const at = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)} UTC (+${formatMs(Math.round((ms - scenario.startMs) / 60_000) * 60_000)})`

console.log("GAEN token world demo / GAENトークンのシミュレーション")
console.log(scenario.description)
console.log(`\nStarting ${scenario.tokens.length} simulated tokens (real firmware, one process each)…\n`)

function show(e: WorldEvent) {
    switch (e.type) {
        case "handed-out":
            return console.log(`${at(e.atMs)}  ${e.token} gets a token; a kiosk sets its clock`)
        case "on-air":
            return console.log(`${at(e.atMs)}  ${e.token} broadcasts a new anonymous identifier${e.rpi ? ` (RPI ${e.rpi.slice(0, 8)}…)` : ""}`)
        case "power-off":
            return console.log(`${at(e.atMs)}  ${e.token}'s battery is out: silence`)
        case "power-on":
            return console.log(`${at(e.atMs)}  ${e.token}'s battery is back: it waits for a kiosk to set its clock`)
        case "set-time":
            return console.log(`${at(e.atMs)}  a kiosk sets ${e.token}'s clock`)
        case "scan": {
            if (!e.heard.length) return
            const heard = e.heard.map(h => `${h.from} (${h.rssi} dBm)`).join(", ")
            return console.log(`${at(e.atMs)}  ${e.token} listens 4 s and hears ${heard}`)
        }
        case "note":
            return console.log(`${at(e.atMs)}  ${e.detail}`)
    }
}

const world = await World.start({ scenario, outDir: OUT, pcap: true, onEvent: show })
try {
    const summary = await world.run()
    console.log(`\n${formatMs(summary.simulatedSeconds * 1000)} simulated in ${summary.speed.runSeconds} s.\n`)
    console.log("What each token heard (the world's view) and logged (read from the token like a kiosk):")
    for (const t of summary.tokens) {
        const heard = Object.entries(t.heardFrom).map(([from, c]) => {
            const close = c.smallestAttenuation <= CLOSE_CONTACT_MAX_ATTENUATION_DB ? "close" : "far"
            return `${from}: ${c.identifiers} identifier(s), ${c.scans} scan(s), strongest ${c.strongestRssi} dBm (${close})`
        })
        console.log(
            `  ${t.id}: sent ${t.advertisementsSent} identifiers; ${heard.length ? heard.join("; ") : "heard nobody"}` +
                (t.recordsLogged === undefined ? "" : `; its log holds ${t.recordsLogged} record(s)`)
        )
    }
    console.log(`\nOpen ${join(OUT, "air.pcap")} in Wireshark: every packet is a "Google/Apple Exposure Notification".`)
    console.log(`Trace of every advertisement and who heard it: ${join(OUT, "trace.jsonl")}`)
    // At a terminal the demo stays up for people to click through the web app; piped, it ends.
    await runCounterDemo(world, OUT, { waitForPeople: !!process.stdout.isTTY && process.argv[2] !== "--no-wait" })
} finally {
    await world.stop()
}
