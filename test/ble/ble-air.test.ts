// What a sniffer records of the Bluetooth sync (air.pcap, read with tshark): the connectable sync
// advertisement (ADV_IND) never appears until the owner presses, then only for the window, under an
// address that is not the beacon's; the GAEN beacon (ADV_NONCONN_IND) goes on throughout.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { join } from "node:path"
import { parseScenario } from "../../sim/scenarios/scenario.js"
import { World } from "../../sim/world/world.js"
import { Cleanup } from "../helpers/cleanup.js"
import { tsharkFields } from "../world/tshark.js"

const START_MS = Date.UTC(2026, 3, 1, 9, 0)
const PRESS_AT_MS = 4 * 60_000
const WINDOW_MS = 60_000 // src/link/sync-link.ts SYNC_WINDOW_MS
const ADV_IND = "0x00"
const ADV_NONCONN_IND = "0x02"

const scenario = parseScenario(
    JSON.stringify({
        name: "a press at the kiosk",
        description: "two tokens 1 m apart; a's owner presses its button once",
        start: new Date(START_MS).toISOString(),
        duration: "8m",
        seed: 3,
        tokens: [
            { id: "a", path: [{ at: 0, x: 0, y: 0 }] },
            { id: "b", path: [{ at: 0, x: 1, y: 0 }] },
        ],
        events: [{ at: "4m", token: "a", type: "press-button" }],
    }),
    "test/ble/ble-air"
)

describe("the sync advertisement in air.pcap", () => {
    const cleanup = new Cleanup()
    let rows: { t: number; type: string; address: string; rpi: string }[]
    let beaconAddressesOfA: Set<string>

    beforeAll(async () => {
        const outDir = cleanup.tempDir("gaen-ble-air-")
        const world = cleanup.add(await World.start({ scenario, outDir, pcap: true }), w => w.stop())
        await world.run()
        beaconAddressesOfA = new Set(world.channel.transmissions.filter(x => x.token === "a" && !x.connectable).map(x => addressText(x.address)))
        rows = tsharkFields(join(outDir, "air.pcap"), [
            "frame.time_epoch",
            "btle.advertising_header.pdu_type",
            "btle.advertising_address",
            "bluetooth.gaen.rpi",
        ]).map(([t, type, address, rpi]) => ({ t: Number(t) * 1000 - START_MS, type, address, rpi: rpi ?? "" }))
    }, 180_000)
    afterAll(() => cleanup.run())

    test("before the press: not one connectable advertisement", () => {
        const before = rows.filter(r => r.t < PRESS_AT_MS)
        expect(before.length).toBeGreaterThan(1000) // both beacons, 4 minutes
        expect(before.filter(r => r.type !== ADV_NONCONN_IND)).toEqual([])
    })

    test("after the press: ADV_IND for the window only, under its own address, no GAEN identifiers", () => {
        const sync = rows.filter(r => r.type === ADV_IND)
        expect(sync.length).toBeGreaterThan(100) // ~240 at 250 ms
        const from = Math.min(...sync.map(r => r.t))
        const to = Math.max(...sync.map(r => r.t))
        expect(from).toBeGreaterThanOrEqual(PRESS_AT_MS)
        // The window's length, wherever the press landed (the world takes it at its next step).
        expect(to - from).toBeGreaterThan(WINDOW_MS - 2_000)
        expect(to - from).toBeLessThan(WINDOW_MS + 2_000)
        expect(new Set(sync.map(r => r.address)).size).toBe(1)
        expect(beaconAddressesOfA.has(sync[0].address)).toBe(false)
        for (const r of sync) expect(r.rpi).toBe("")
    })

    test("the GAEN beacon of the pressed token goes on during the window, without a gap", () => {
        const sync = rows.filter(r => r.type === ADV_IND)
        const from = Math.min(...sync.map(r => r.t))
        const to = Math.max(...sync.map(r => r.t))
        const beacon = rows.filter(r => r.type === ADV_NONCONN_IND && beaconAddressesOfA.has(r.address) && r.t >= from - 1000 && r.t <= to + 1000)
        expect(beacon.length).toBeGreaterThanOrEqual(Math.floor((to - from) / 250))
        for (let i = 1; i < beacon.length; i++) expect(beacon[i].t - beacon[i - 1].t).toBeLessThanOrEqual(300)
        for (const r of beacon) expect(r.rpi).toMatch(/^[0-9a-f]{32}$/)
    })
})

/** As tshark writes an address: most significant byte first, colons. */
function addressText(onAir: Uint8Array): string {
    return [...onAir]
        .reverse()
        .map(b => b.toString(16).padStart(2, "0"))
        .join(":")
}
