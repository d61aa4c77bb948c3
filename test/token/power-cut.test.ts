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
import { seededRandom, seedFrom } from "../../testkit/seeded-random.js"

/** A busy street: every scan hears 12 people it never heard before (12 records per scan). */
function passersBy(): HeardAdvertisement[] {
    return Array.from({ length: 12 }, () => ({
        address: randomBytes(6),
        payload: advertisementPayload(randomBytes(16), randomBytes(4)),
        rssi: -70,
        packets: 8,
    }))
}

// The cut points come from a seeded generator; every failure names the seed (POWER_CUT_SEED replays
// it), the trial and the cut point.
const SEED = seedFrom("POWER_CUT_SEED")

describe(`power cuts during flash writes (POWER_CUT_SEED=${SEED})`, () => {
    const cleanup = new Cleanup()
    const dir = cleanup.tempDir("gaen-token-cut-")
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 1, 9), 300)
    afterAll(() => cleanup.run())

    test("a cut at a random byte loses at most the record being written; every committed record survives every trial", async () => {
        const rnd = seededRandom(SEED)
        /** Records the token had committed to flash when the power went: read back over the sync service. */
        let committed = new Set<string>()
        let lastCut = "none yet"
        let cuts = 0
        for (let trial = 0; trial <= 6; trial++) {
            let cutHit: string | undefined
            const vm = await TokenVm.start({
                clock,
                dir,
                flashDamageSeed: rnd.int(0, 2 ** 31 - 1),
                onScan: passersBy,
                onPowerCut: c => (cutHit = `${c.operation} at offset ${c.offset}, ${c.bytesDone} bytes done`),
            })
            try {
                const sync = await TokenSyncClient.find(vm.bus)
                // After the reboot: every committed record is here, intact (the client checks each
                // record's CRC and would throw on a torn one).
                const after = new Set((await readLogWithPress(clock, vm, sync)).map(r => hex(r.rpi)))
                const lost = [...committed].filter(rpi => !after.has(rpi))
                expect(lost, `trial ${trial} (POWER_CUT_SEED=${SEED}), after the cut ${lastCut}: committed records lost`).toEqual([])
                if (trial === 6) break
                await setTokenClock(clock, sync, vm)
                await clock.sleep(10 * 60_000) // two or three scans: records go to flash
                // A log read writes every pending record first: what it returns is committed, including
                // this trial's records, which the cut below must not lose.
                committed = new Set((await readLogWithPress(clock, vm, sync)).map(r => hex(r.rpi)))
                expect(committed.size, `trial ${trial}: records this trial`).toBeGreaterThan(after.size)
                // Cut the power somewhere in the next 0–3 records' worth of flash work (30 bytes each,
                // written as body then check value), or inside a sector erase.
                const cutAfter = rnd.int(0, 89)
                lastCut = `armed after ${cutAfter} bytes of flash work`
                vm.armPowerCut(cutAfter)
                const deadline = clock.now() + 15 * 60_000 // simulated time
                while (!cutHit && clock.now() < deadline) await clock.sleep(10_000)
                if (cutHit) {
                    cuts++
                    lastCut += ` (${cutHit}, at ${new Date(clock.now()).toISOString()})`
                }
            } finally {
                await vm.stop()
            }
        }
        expect(cuts, `POWER_CUT_SEED=${SEED}`).toBeGreaterThanOrEqual(4)
        expect(committed.size).toBeGreaterThan(50)
    }, 600_000)
})
