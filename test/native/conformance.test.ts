// One set of conformance cases (native/esp32/conformance/*.json, format in native/esp32/README.md)
// run against both implementations of the hardware services, byte for byte: the simulator's
// TypeScript servers (sim/hardware/) over a jacdac-ts bus, and the native C cores through
// native/esp32/test/conformance_runner.c. A drift of either from the cases fails here.
import { beforeAll, describe, expect, test } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { tmpdir } from "node:os"
import jd, { type Packet } from "../../lib/jacdac/jacdac-ts.js"
import { FlashServer } from "../../sim/hardware/flash-server.js"
import { GaenRadioServer } from "../../sim/hardware/radio-server.js"
import { scanEntryRssi, type Advertisement, type HeardAdvertisement, type LinkMedium, type RadioMedium } from "../../sim/hardware/radio-medium.js"
import { buildConformanceRunner, NATIVE_DIR, sanitizedEnv } from "../../scripts/native-build.js"
import { waitUntil } from "../helpers/wait.js"

interface Heard { address: string; rssi: number; payload: string; packets?: number }
type Step =
    // `powerCutAfter` (flash): power is cut after this many bytes of the command's work; its answer
    // is not compared (a board's token dies with its flash) and power stays off until `powerOn`.
    // `reports`: a command answered by several reports (read_rows' parts), in order.
    | { command: number; data: string; report?: string; reports?: string[]; powerCutAfter?: number }
    | { powerOn: true }
    // A register read (Jacdac's get: command 0x1000 | code, no data); `report` is its value.
    | { register: number; report: string }
    | { hear: Heard[] }
    | { windowEnds: true }
    // The sync link, as the Bluetooth stack reports it; `report` is the link_event it must produce.
    | { connect: { mtu: number; host: string }; report?: string }
    | { write: string; report?: string }
    | { disconnect: true; report?: string }
type OnAir = { address: string; payload: string } | null
interface Case {
    name: string
    /** Flash: the seed of the power cuts' damage (common/flash-damage.ts); 1 when absent. */
    damageSeed?: number
    steps: Step[]
    flashAfter?: { offset: number; hex: string }[]
    air?: OnAir[]
    syncAir?: OnAir[]
    link?: string[]
}
interface CaseFile { geometry?: { sectorSize: number; sectorCount: number }; cases: Case[] }

/** What one implementation did in a case, in the form the cases state it: `air` the GAEN beacon,
 *  `syncAir` the sync advertisement, `link` connections accepted or refused, notifications, closes. */
interface Outcome { reports: { code: number; hex: string }[]; air: OnAir[]; syncAir: OnAir[]; link: string[]; image?: string }

const load = (name: string): CaseFile => JSON.parse(readFileSync(join(NATIVE_DIR, "conformance", name), "utf8"))
const flashCases = load("nor-flash.json")
const radioCases = load("gaen-radio.json")
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"))
const WAIT_MS = 20_000 // real time, generous for a loaded machine; a passing case never waits it out

const LINK_EVENT = 0x87
/** Jacdac's register get: the command and report code of register `code` (jacdac spec, CMD_GET_REG). */
const registerGet = (code: number) => 0x1000 | code

function expected(c: Case, geometry?: CaseFile["geometry"]): Outcome {
    const reports = c.steps.flatMap(s =>
        "command" in s && s.reports !== undefined
            ? s.reports.map(hex => ({ code: s.command, hex }))
            : "report" in s && s.report !== undefined
              ? [{ code: "command" in s ? s.command : "register" in s ? registerGet(s.register) : LINK_EVENT, hex: s.report }]
              : [])
    let image: string | undefined
    if (geometry) {
        const img = new Uint8Array(geometry.sectorSize * geometry.sectorCount).fill(0xff)
        for (const r of c.flashAfter ?? []) img.set(bytes(r.hex), r.offset)
        image = hex(img)
    }
    return { reports, air: c.air ?? [], syncAir: c.syncAir ?? [], link: c.link ?? [], image }
}

// ---- the simulator's servers -------------------------------------------------------------------

/** A radio medium whose scan windows end when the case says so, holding what the case heard, and
 *  recording what the sync link did. */
class CaseMedium implements RadioMedium, LinkMedium {
    air: Outcome["air"] = []
    syncAir: Outcome["syncAir"] = []
    link: string[] = []
    syncAdvertisingChanged(ad: Advertisement | null) {
        this.syncAir.push(ad ? { address: hex(ad.address), payload: hex(ad.payload) } : null)
    }
    notify(value: Uint8Array) {
        this.link.push(`notify ${hex(value)}`)
    }
    closed() {
        this.link.push("closed")
    }
    heard: Heard[] = []
    closedWindows = 0
    private endWindow: ((heard: HeardAdvertisement[]) => void) | undefined
    advertisingChanged(ad: Advertisement | null) {
        this.air.push(ad ? { address: hex(ad.address), payload: hex(ad.payload) } : null)
    }
    scanWindow(): Promise<HeardAdvertisement[]> {
        return new Promise(resolve => (this.endWindow = resolve))
    }
    async windowEnds() {
        if (!(await waitUntil(() => this.endWindow !== undefined, WAIT_MS, 5))) throw new Error("the scan window never started")
        const byAddress = new Map<string, { sum: number; packets: number; payload: string }>()
        for (const h of this.heard)
            for (let i = 0; i < (h.packets ?? 1); i++) {
                const e = byAddress.get(h.address) ?? { sum: 0, packets: 0, payload: h.payload }
                byAddress.set(h.address, { sum: e.sum + h.rssi, packets: e.packets + 1, payload: h.payload })
            }
        this.heard = []
        const end = this.endWindow!
        this.endWindow = undefined
        const closed = this.closedWindows + 1
        end([...byAddress].map(([a, e]) => ({ address: bytes(a), payload: bytes(e.payload), rssi: scanEntryRssi(e.sum, e.packets), packets: e.packets })))
        // The server takes the window's entries after the promise settles; setImmediate comes later.
        setImmediate(() => (this.closedWindows = closed))
        if (!(await waitUntil(() => this.closedWindows === closed, WAIT_MS, 5))) throw new Error("the scan window never closed")
    }
}

async function runOnSimulator(c: Case, server: FlashServer | GaenRadioServer, medium?: CaseMedium): Promise<Outcome> {
    const bus = new jd.JDBus([], { client: false, disableRoleManager: true })
    const provider = new jd.JDServerServiceProvider("conformance", [server])
    bus.addServiceProvider(provider)
    const reports: Outcome["reports"] = []
    bus.subscribe(jd.PACKET_PROCESS, (p: Packet) => {
        // Command reports (0x80..0xff) and register values (0x1000..0x1fff): not events or announcements.
        if (p.isCommand || p.deviceIdentifier !== provider.deviceId || p.serviceIndex !== server.serviceIndex) return
        const code = p.serviceCommand
        if ((code >= 0x80 && code <= 0xff) || (code & 0xf000) === 0x1000) reports.push({ code, hex: hex(p.data) })
    })
    try {
        let expectedReports = 0
        for (const step of c.steps) {
            if ("powerOn" in step) (server as FlashServer).restorePower()
            else if ("command" in step && step.powerCutAfter !== undefined) {
                const flash = server as FlashServer
                flash.armPowerCut(step.powerCutAfter)
                const pkt = jd.Packet.from(step.command, bytes(step.data))
                pkt.serviceIndex = server.serviceIndex
                pkt.deviceIdentifier = provider.deviceId
                pkt.isCommand = true
                await bus.sendPacketAsync(pkt)
                // The simulator answers power_lost (so that its VM fails fast); the case compares no answer.
                if (!(await waitUntil(() => reports.length > expectedReports, WAIT_MS, 5))) throw new Error(`${c.name}: the cut command was not answered`)
                if (!flash.isPowerOff()) throw new Error(`${c.name}: the power cut after ${step.powerCutAfter} bytes did not happen`)
                reports.splice(expectedReports, 1)
            } else if ("command" in step || "register" in step) {
                const pkt = "command" in step ? jd.Packet.from(step.command, bytes(step.data)) : jd.Packet.from(registerGet(step.register), new Uint8Array(0))
                pkt.serviceIndex = server.serviceIndex
                pkt.deviceIdentifier = provider.deviceId
                pkt.isCommand = true
                await bus.sendPacketAsync(pkt)
            } else if ("hear" in step) medium!.heard.push(...step.hear)
            else if ("windowEnds" in step) await medium!.windowEnds()
            else {
                const radio = server as GaenRadioServer
                if ("connect" in step) medium!.link.push(radio.hostConnect(step.connect.mtu, bytes(step.connect.host)) ? "accepted" : "refused")
                else if ("write" in step) radio.hostWrite(bytes(step.write))
                else radio.hostDisconnect()
            }
            const answers = "command" in step && step.reports !== undefined ? step.reports.length : "report" in step && step.report !== undefined ? 1 : 0
            if (answers > 0) {
                expectedReports += answers
                await waitUntil(() => reports.length >= expectedReports, WAIT_MS, 5)
            }
        }
    } finally {
        bus.stop()
    }
    return { reports, air: medium?.air ?? [], syncAir: medium?.syncAir ?? [], link: medium?.link ?? [] }
}

// ---- the C cores ---------------------------------------------------------------------------------

let runner: string
beforeAll(() => {
    runner = buildConformanceRunner()
})

function runOnCCore(c: Case, setup: string): Outcome {
    const lines = [setup]
    for (const step of c.steps) {
        if ("powerOn" in step) lines.push("power_on")
        else if ("command" in step && step.powerCutAfter !== undefined) lines.push(`cut ${step.powerCutAfter}`, `cmd ${step.command} ${step.data.replace(/\s+/g, "") || "-"}`)
        else if ("command" in step) lines.push(`cmd ${step.command} ${step.data.replace(/\s+/g, "") || "-"}`)
        else if ("register" in step) lines.push(`register ${step.register}`)
        else if ("hear" in step) {
            for (const h of step.hear) for (let i = 0; i < (h.packets ?? 1); i++) lines.push(`hear ${h.address} ${h.rssi} ${h.payload || "-"}`)
        } else if ("windowEnds" in step) lines.push("window_end")
        else if ("connect" in step) lines.push(`connect ${step.connect.mtu} ${step.connect.host}`)
        else if ("write" in step) lines.push(`write ${step.write || "-"}`)
        else lines.push("disconnect")
    }
    lines.push("air", "image")
    const r = spawnSync(runner, [], { input: lines.join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 24, env: sanitizedEnv() })
    if (r.status !== 0) throw new Error(`conformance runner failed (${r.status}): ${r.stderr}`)
    const out: Outcome = { reports: [], air: [], syncAir: [], link: [] }
    for (const line of r.stdout.split("\n")) {
        const [word, a, b] = line.split(" ")
        if (word === "report") out.reports.push({ code: Number(a), hex: b ?? "" })
        else if (word === "start") out.air.push({ address: a, payload: b ?? "" })
        else if (word === "stop") out.air.push(null)
        else if (word === "sync_start") out.syncAir.push({ address: a, payload: b ?? "" })
        else if (word === "sync_stop") out.syncAir.push(null)
        else if (word === "accepted" || word === "refused" || word === "closed") out.link.push(word)
        else if (word === "notify") out.link.push(`notify ${a ?? ""}`)
        else if (word === "image" && setup.startsWith("flash")) out.image = a
    }
    return out
}

// ---- the cases -----------------------------------------------------------------------------------

describe("NOR Flash conformance: simulator and C core give the same bytes", () => {
    const geometry = flashCases.geometry!
    for (const c of flashCases.cases) {
        test(`${c.name} (simulator)`, async () => {
            const dir = mkdtempSync(join(tmpdir(), "conformance-"))
            const server = new FlashServer({ file: join(dir, "flash"), ...geometry, encryption: "off", damageSeed: c.damageSeed ?? 1 })
            try {
                const outcome = await runOnSimulator(c, server)
                outcome.image = hex(readFileSync(server.file))
                expect(outcome).toEqual(expected(c, geometry))
            } finally {
                server.close()
                rmSync(dir, { recursive: true, force: true })
            }
        })
        test(`${c.name} (C core)`, () => {
            expect(runOnCCore(c, `flash ${geometry.sectorSize} ${geometry.sectorCount} ${c.damageSeed ?? 1}`)).toEqual(expected(c, geometry))
        })
    }
})

describe("GAEN Radio conformance: simulator and C core give the same bytes", () => {
    for (const c of radioCases.cases) {
        test(`${c.name} (simulator)`, async () => {
            const medium = new CaseMedium()
            const server = new GaenRadioServer({ medium, link: medium, txPower: 0, advertisingIntervalMs: 250, now: () => Date.now() })
            expect(await runOnSimulator(c, server, medium)).toEqual(expected(c))
        })
        test(`${c.name} (C core)`, () => {
            expect(runOnCCore(c, "radio")).toEqual(expected(c))
        })
    }
})
