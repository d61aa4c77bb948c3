// Decommission through the whole simulated token, with the battery dying at a random byte of the
// wipe: after power returns the token finishes the wipe by itself, a kiosk asking for the proof gets
// it (0 bytes not erased), and the flash FILE reads 0xFF everywhere: none of its keys, records,
// token id or link key is left. (200 cut points run inside the VM in
// test/firmware/decommission.test.ts; these few go through the real flash server and a restart.)
import { afterAll, describe, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { DEFAULT_FLASH, TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { tokenFlashFiles } from "../../sim/token/token-config.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { Cleanup } from "../helpers/cleanup.js"
import { OWNER_PRESS_SCALE, finishedWipe, readLogWithPress } from "../helpers/owner.js"

const SECTOR = DEFAULT_FLASH.sectorSize
/** Bytes the wipe's read-back checks: every sector. */
const WIPE_WORK = DEFAULT_FLASH.sectorCount * SECTOR
/** Work before the first erase: the secrets' 3 rows of 32 bytes are destroyed first (docs/storage.md). */
const DESTROY_WORK = 3 * 32
const SEED = Number(process.env.DECOMMISSION_CUT_SEED ?? 20261202)

/** mulberry32: the cut points are reproducible from the printed seed. */
function rng(seed: number) {
    let a = seed >>> 0
    return () => {
        a = (a + 0x6d2b79f5) >>> 0
        let t = a
        t = Math.imul(t ^ (t >>> 15), t | 1)
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
}

function bytesNotErased(flash: Buffer) {
    let n = 0
    for (const b of flash) if (b !== 0xff) n++
    return n
}

/** Sectors holding anything (keys, log sectors in use). */
function sectorsInUse(flash: Buffer) {
    const out: number[] = []
    for (let s = 0; s < DEFAULT_FLASH.sectorCount; s++) if (bytesNotErased(flash.subarray(s * SECTOR, (s + 1) * SECTOR)) > 0) out.push(s)
    return out
}

describe(`decommission with a power cut during the wipe (DECOMMISSION_CUT_SEED=${SEED})`, () => {
    const cleanup = new Cleanup()
    const random = rng(SEED)
    afterAll(() => cleanup.run())

    for (let trial = 0; trial < 2; trial++) {
        // Where the cut falls: in the first half of the erase of one of the sectors that hold data
        // (chosen once they are known), so that the cut leaves some of it in flash.
        const pick = random()
        const within = random()
        const flashDamageSeed = Math.floor(random() * 2 ** 31) // what the cut does to the erase
        test(`power cut ${trial + 1}: the token finishes the wipe by itself after power returns`, async () => {
            const clock = SimClock.startingAt(Date.UTC(2026, 6, 7 + trial, 10, 0), 200)
            const dir = cleanup.tempDir("gaen-decommission-cut-")
            const flash = () => readFileSync(tokenFlashFiles(dir).flash)
            let present = [new Neighbour(-55), new Neighbour(-70)]
            let cut: { operation: string; offset: number } | undefined
            let vm = await TokenVm.start({ clock, dir, flashDamageSeed, onScan: room(() => present), onPowerCut: c => (cut = c), startTimeoutMs: 90_000 })
            try {
                let sync = await TokenSyncClient.find(vm.bus)
                await setTokenClock(clock, sync, vm)
                await clock.sleep(20 * 60_000)
                present = []
                expect((await readLogWithPress(clock, vm, sync)).length).toBeGreaterThan(0)
                expect((await sync.status()).keysHeld).toBeGreaterThan(0)
                const inUse = sectorsInUse(flash())
                expect(inUse).toContain(0) // the key store
                const cutAt = DESTROY_WORK + inUse[Math.floor(pick * inUse.length)] * SECTOR + Math.floor((within * SECTOR) / 2)
                console.log(`decommission power cut ${trial + 1}: after ${cutAt} bytes of the wipe (sectors in use: ${inUse.join(", ")})`)

                await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
                expect(await sync.requestDecommission()).toBe(true)
                vm.armPowerCut(cutAt)
                // A cut early in the wipe can kill the token before the button is released.
                await vm.pressButton(clock).catch(e => {
                    if (!cut) throw e
                })
                clock.setScale(200)
                await vm.whenExited()
                expect(cut?.operation, `the cut hit ${JSON.stringify(cut)}, not the wipe`).toBe("erase")
                expect(bytesNotErased(flash())).toBeGreaterThan(0) // the cut left the wipe unfinished

                vm = await TokenVm.start({ clock, dir, startTimeoutMs: 90_000 })
                sync = await TokenSyncClient.find(vm.bus)
                expect((await sync.status()).state).toBe("stopped")
                const proof = await finishedWipe(clock, sync)
                expect(proof).toMatchObject({ state: "done", bytesChecked: WIPE_WORK, bytesNotErased: 0 })
                expect(bytesNotErased(flash())).toBe(0)
                // (token_id is a const register: a host keeps the id it read; the flash file above has
                // no trace of it, and test/firmware/decommission.test.ts checks the token forgot it.)
                expect(await sync.status()).toMatchObject({ state: "stopped", keysHeld: 0, recordsHeld: 0 })
            } finally {
                await vm.stop()
            }
        }, 600_000)
    }
})
