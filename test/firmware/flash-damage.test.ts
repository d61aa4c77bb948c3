// One flash damage rule: the same seeded power cuts, run through the simulator's flash server by
// scripts/gen-flash-damage-cases.ts, are replayed here on the VM's RAM flash (which refuses any
// program that is not whole rows into erased rows), which must leave every raw byte as the server did (common/flash-damage.ts, docs/storage.md "Power cuts"). Fails when
// either side's rule changes (test/sim/flash-damage.test.ts pins the server's side to the same file).
import { describe, test, expect } from "@devicescript/test"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { CASES, DamageStep, SECTOR_COUNT, SECTOR_SIZE } from "./flash-damage.generated"

async function replay(flash: RamNorFlash, step: DamageStep) {
    if (step.cutAfter >= 0) flash.armPowerCut(step.cutAfter)
    try {
        if (step.erase) await flash.eraseSector(step.at)
        else await flash.program(step.at, step.data)
    } catch (e) {
        if (!flash.isPowerOff()) throw e
    }
    if (step.cutAfter >= 0 && !flash.isPowerOff()) throw new Error("the armed cut did not hit its step")
    flash.reboot()
}

describe("flash damage rule", () => {
    test(`${CASES.length} seeded cuts leave the RAM flash byte for byte as the flash server`, async () => {
        let cutBytes = 0
        let flashRefusals = 0
        for (let i = 0; i < CASES.length; ++i) {
            const c = CASES[i]
            const flash = new RamNorFlash({ sectorSize: SECTOR_SIZE, sectorCount: SECTOR_COUNT, damageSeed: c.damageSeed })
            for (const step of c.steps) await replay(flash, step)
            flashRefusals += flash.stats.refused
            const got = await flash.readRaw(0, SECTOR_SIZE * SECTOR_COUNT)
            // What the programs would have left without the cuts and erases.
            const intended = Buffer.alloc(SECTOR_SIZE * SECTOR_COUNT)
            intended.fillAt(0, intended.length, 0xff)
            for (const step of c.steps) if (!step.erase) intended.blitAt(step.at, step.data, 0, step.data.length)
            for (let at = 0; at < got.length; ++at) {
                if (got[at] !== c.after[at])
                    throw new Error(`case ${i} (damage seed ${c.damageSeed}): byte ${at} is ${got[at]} in RAM flash, ${c.after[at]} in the flash server`)
                if (got[at] !== intended[at]) cutBytes++
            }
        }
        // The cuts did damage something (an erase cut at step 0 may leave a sector untouched).
        expect(cutBytes > 0).toBe(true)
        expect(flashRefusals).toBe(0)
    })
})
