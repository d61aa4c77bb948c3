// The kiosk's Bluetooth radio stands at a place in the world: a token's sync advertisement reaches it
// through the same radio channel as the GAEN beacons (path loss, fading, packet loss), so a token far
// from the kiosk cannot be synced (a clear error, nothing changed on it), one next to it can, and a
// token carried out of range during a sync loses the connection. Real firmware, the kiosk's own code.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { parseScenario } from "../../sim/scenarios/scenario.js"
import { World } from "../../sim/world/world.js"
import { useBleCentral } from "../../kiosk/transport/ble.js"
import { KioskError, openTokenSession, type TokenSession } from "../../kiosk/index.js"
import { Cleanup } from "../helpers/cleanup.js"
import { readLogWithPress } from "../helpers/owner.js"
import { waitUntil } from "../helpers/wait.js"
import { pressAndOpenOverBluetooth } from "../ble/helpers.js"
import { OWNER_PRESS_SCALE } from "../../sim/harness/owner.js"

const cleanup = new Cleanup()
let world: World
const codes: Record<string, string> = {}

beforeAll(async () => {
    const scenario = parseScenario(
        JSON.stringify({
            name: "a kiosk and two tokens",
            start: "2026-04-01T01:00:00Z",
            duration: "2h",
            kiosk: { x: 0, y: 0 },
            // About 40 m is the channel's range on average; 150 m is far beyond it.
            tokens: [
                { id: "near", path: [{ at: 0, x: 2, y: 0 }] },
                { id: "far", path: [{ at: 0, x: 150, y: 0 }] },
            ],
        }),
        "test: kiosk radio"
    )
    world = cleanup.add(await World.start({ scenario, outDir: cleanup.tempDir("gaen-kiosk-radio-") }), w => w.stop())
    await world.handOutStickers(["near", "far"])
    for (const id of ["near", "far"]) codes[id] = world.token(id).stickerCode!
    expect(Object.values(codes).every(c => /^[0-9A-Z-]+$/.test(c))).toBe(true)
    useBleCentral(world.kioskRadio.central())
    cleanup.add(null, () => useBleCentral(undefined))
}, 180_000)
afterAll(() => cleanup.run())

describe("a kiosk radio at a place in the world", { timeout: 120_000 }, () => {
    test("a token 150 m away is open for sync but cannot be reached: a clear error, and nothing changes on it", async () => {
        const far = world.token("far")
        const before = await far.sync!.status()
        await world.clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        await world.pressButton("far")
        expect(await waitUntil(() => far.vm!.syncAdvertisement !== null, 20_000)).toBe(true)
        const error = await openTokenSession(`ble:${codes.far}`, { now: () => world.clock.now() }).catch(e => e)
        expect(error).toBeInstanceOf(KioskError)
        expect(error.code).toBe("token-not-found")
        expect(error.message).toContain("within the kiosk's range")
        const after = await far.sync!.status()
        expect(after.recordsHeld).toBe(before.recordsHeld)
        expect(after.state).toBe(before.state)
    })

    test("a token 2 m away syncs: the kiosk sets its clock and reads its log over the air", async () => {
        const near = world.token("near")
        const session = await pressAndOpenOverBluetooth(world.clock, near.vm!, codes.near)
        try {
            expect(session.connection.address.kind).toBe("ble")
            expect(session.status.state).toBe("active")
            const log = await readLogWithPress(world.clock, near.vm!, session.connection.client)
            expect(log.length).toBe((await near.sync!.status()).recordsHeld)
        } finally {
            await session.close()
        }
    })

    test("carried out of range during a sync, the token's connection drops", async () => {
        const near = world.token("near")
        let session: TokenSession | undefined = await pressAndOpenOverBluetooth(world.clock, near.vm!, codes.near)
        try {
            const transport = session.connection.bus.transports[0]
            world.move("near", { x: 200, y: 0 })
            expect(await waitUntil(() => !transport.connected, 20_000)).toBe(true)
            await session.close().catch(() => {})
            session = undefined
            // Back next to the kiosk, it syncs again (a connection takes the press's window: a new press).
            world.move("near", { x: 1, y: 0 })
            session = await pressAndOpenOverBluetooth(world.clock, near.vm!, codes.near)
            expect(session.status.state).toBe("active")
        } finally {
            await session?.close()
        }
    })
})
