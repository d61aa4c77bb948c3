// What a finished world leaves in its output folder: summary.json (per token: what it sent, what it
// heard, what it logged), trace.jsonl (every advertisement and who heard it) and, on request,
// air.pcap (every advertising event, for Wireshark). Formats: sim/README.md.
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { EncounterRecord, TokenStatus } from "../../lib/token-sync/sync-client.js"
import { writeAirCapture } from "../capture/air-capture.js"
import { gaenIdsHex, traceLine, writeTrace } from "../capture/trace.js"
import { DEFAULT_RADIO } from "../harness/token-vm.js"
import type { World } from "./world.js"

export interface ContactSummary {
    /** Distinct identifiers (RPIs) of that sender this token heard. */
    identifiers: number
    /** Strongest RSSI of any scan window, dBm, and the attenuation it means (TX power − RSSI). */
    strongestRssi: number
    smallestAttenuation: number
    /** Scan windows that heard the sender. */
    scans: number
    firstHeard: string
    lastHeard: string
}

export interface TokenSummary {
    id: string
    /** Identifiers (address + payload) the token put on air, and the advertising events sent. */
    advertisementsSent: number
    advertisingEvents: number
    /** Longest time one advertisement stayed on air, seconds. */
    longestOnAirSeconds: number
    /** Distinct RPIs heard from other tokens (the channel's view). */
    identifiersHeard: number
    heardFrom: Record<string, ContactSummary>
    powerCuts: number
    /** From the token's sync service at the end (absent when it had no power or did not answer). */
    state?: TokenStatus["state"]
    recordsLogged?: number
    storageUsed?: number
    storageCapacity?: number
    keysHeld?: number
    /** Set when the token could not be read at the end. */
    error?: string
    /** tokens/<id>/log.json: the token's contact log at the end (simulated people only). */
    logFile?: string
}

export interface WorldSummary {
    scenario: string
    file: string
    start: string
    end: string
    simulatedSeconds: number
    tokens: TokenSummary[]
    speed: {
        /** Real seconds to boot the tokens and hand them out. */
        bootSeconds: number
        /** Real seconds from the start of the scenario to its end. */
        runSeconds: number
        simulatedSecondsPerRealSecond: number
        peakMemoryBytes: number
    }
    outputs: { trace: string; pcap?: string; pcapPackets?: number }
}

const iso = (ms: number) => new Date(ms).toISOString()

export async function writeWorldOutputs(
    world: World,
    endMs: number,
    statuses: Map<string, { status?: TokenStatus; log?: EncounterRecord[]; error?: string }>,
    options: { pcap: boolean; outDir: string }
): Promise<WorldSummary> {
    const realEnd = performance.now()
    const transmissions = world.channel.transmissions
    // The beacons: a token's Bluetooth sync advertisement (after a press) is in the capture, not in these counts.
    const beacons = transmissions.filter(x => !x.connectable)
    const tokens: TokenSummary[] = []
    for (const t of world.tokens.values()) {
        const sent = beacons.filter(x => x.token === t.id)
        const heardFrom: Record<string, ContactSummary> = {}
        // Distinct RPIs: a payload without one is not an identifier.
        const identifiersHeard = new Set<string>()
        for (const x of beacons) {
            if (x.token === t.id) continue
            const mine = x.receptions.filter(r => r.token === t.id)
            if (!mine.length) continue
            const rpi = gaenIdsHex(x.payload)?.rpi
            if (rpi) identifiersHeard.add(rpi)
            const c = (heardFrom[x.token] ??= {
                identifiers: 0,
                strongestRssi: -Infinity,
                smallestAttenuation: Infinity,
                scans: 0,
                firstHeard: "",
                lastHeard: "",
            })
            c.identifiers++
            c.scans += mine.length
            c.strongestRssi = Math.max(c.strongestRssi, ...mine.map(r => r.rssi))
            c.smallestAttenuation = DEFAULT_RADIO.txPower - c.strongestRssi
            const first = iso(Math.min(...mine.map(r => r.windowFromMs)))
            const last = iso(Math.max(...mine.map(r => r.windowToMs)))
            if (!c.firstHeard || first < c.firstHeard) c.firstHeard = first
            if (last > c.lastHeard) c.lastHeard = last
        }
        const s = statuses.get(t.id) ?? {}
        let logFile: string | undefined
        if (s.log) {
            logFile = join("tokens", t.id, "log.json")
            writeFileSync(
                join(options.outDir, logFile),
                JSON.stringify(s.log, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v), 2)
            )
        }
        tokens.push({
            id: t.id,
            advertisementsSent: sent.length,
            advertisingEvents: sent.reduce((n, x) => n + world.channel.eventsSent(x, endMs), 0),
            longestOnAirSeconds: Math.round(Math.max(0, ...sent.map(x => Math.min(endMs, x.toMs ?? endMs) - x.fromMs)) / 1000),
            identifiersHeard: identifiersHeard.size,
            heardFrom,
            powerCuts: t.powerCuts,
            state: s.status?.state,
            recordsLogged: s.status?.recordsHeld,
            storageUsed: s.status?.storageUsed,
            storageCapacity: s.status?.storageCapacity,
            keysHeld: s.status?.keysHeld,
            error: s.error,
            logFile,
        })
    }

    await writeTrace(
        join(options.outDir, "trace.jsonl"),
        transmissions.map(x => traceLine(x, endMs, world.channel.eventsSent(x, endMs)))
    )
    let pcapPackets: number | undefined
    if (options.pcap) pcapPackets = await writeAirCapture(join(options.outDir, "air.pcap"), transmissions, DEFAULT_RADIO.advertisingIntervalMs, endMs)

    const runSeconds = (realEnd - (world.realStartedMs || world.realCreatedMs)) / 1000
    const simulatedSeconds = (endMs - world.startMs) / 1000
    const summary: WorldSummary = {
        scenario: world.scenario.name,
        file: world.scenario.file,
        start: iso(world.startMs),
        end: iso(endMs),
        simulatedSeconds,
        tokens,
        speed: {
            bootSeconds: Math.round(((world.realStartedMs || realEnd) - world.realCreatedMs) / 100) / 10,
            runSeconds: Math.round(runSeconds * 10) / 10,
            simulatedSecondsPerRealSecond: Math.round(simulatedSeconds / Math.max(runSeconds, 0.001)),
            peakMemoryBytes: world.governor.peakMemoryBytes,
        },
        outputs: { trace: "trace.jsonl", ...(options.pcap ? { pcap: "air.pcap", pcapPackets } : {}) },
    }
    writeFileSync(join(options.outDir, "summary.json"), JSON.stringify(summary, null, 2) + "\n")
    return summary
}
