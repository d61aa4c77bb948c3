// Power cuts through the real simulated flash: the battery dies at a random byte of a flash program
// or erase, the token boots again from what the flash holds, and every record committed before the
// cut is still there and readable. (Hundreds of cuts at every kind of point run inside the VM in
// test/firmware/log-power-cut.test.ts; these few go through the whole token.)
import { afterAll, describe, expect, test } from "vitest"
import { randomBytes } from "node:crypto"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { advertisementPayload } from "../../lib/gaen/index.js"
import type { HeardAdvertisement } from "../../sim/hardware/radio-medium.js"
import { Cleanup } from "../helpers/cleanup.js"
import { hex } from "../helpers/bytes.js"
import { readLogWithPress } from "../helpers/owner.js"

/** A busy street: every scan hears 12 people it never heard before (12 records per scan). */
function passersBy(): HeardAdvertisement[] {
    return Array.from({ length: 12 }, () => ({
        address: randomBytes(6),
        payload: advertisementPayload(randomBytes(16), randomBytes(4)),
        rssi: -70,
        packets: 8,
    }))
}

describe("power cuts during flash writes", () => {
    const cleanup = new Cleanup()
    const dir = cleanup.tempDir("gaen-token-cut-")
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 1, 9), 300)
    afterAll(() => cleanup.run())

    test("a cut at a random byte loses at most the record being written; the rest survives every reboot", async () => {
        let known = new Set<string>()
        let cuts = 0
        for (let trial = 0; trial < 6; trial++) {
            let cutHit = false
            const vm = await TokenVm.start({ clock, dir, onScan: passersBy, onPowerCut: () => (cutHit = true) })
            try {
                const sync = await TokenSyncClient.find(vm.bus)
                const log = (await readLogWithPress(clock, vm, sync)).map(r => hex(r.rpi))
                // Everything read before any earlier cut is still here, intact (the client checks each
                // record's CRC and would throw on a torn one).
                const now = new Set(log)
                for (const rpi of known) expect(now.has(rpi)).toBe(true)
                known = now
                await setTokenClock(clock, sync)
                await clock.sleep(10 * 60_000) // two or three scans: records go to flash
                // Cut the power somewhere in the next 0–3 records' worth of flash work (30 bytes each,
                // written as body then check value), or inside a sector erase.
                vm.armPowerCut(Math.floor(Math.random() * 90))
                const deadline = clock.now() + 15 * 60_000
                while (!cutHit && clock.now() < deadline) await clock.sleep(10_000)
                if (cutHit) cuts++
            } finally {
                await vm.stop()
            }
        }
        expect(cuts).toBeGreaterThanOrEqual(4)
        expect(known.size).toBeGreaterThan(50)
    }, 300_000)
})
