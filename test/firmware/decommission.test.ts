// Decommission always finishes: power is cut at a random byte of the wipe (seeded; the seed is
// printed), power returns, and the token completes the wipe by itself at boot. A raw scan of the
// flash then finds nothing but 0xFF (no key, no record, no token id, no Bluetooth link key: all of
// them live in the encrypted flash, src/storage/secrets.ts), and nothing of them is in settings.
// Hardware boundary: the radio, status light and RTC are small fakes here (helpers/fake-hardware.ts;
// the flash is the RAM NOR flash with its power-cut model, docs/storage.md).
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { deleteSetting, readSetting } from "@devicescript/settings"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { Token, TokenHardware } from "../../src/token"
import { ROW_SIZE } from "../../src/storage/layout"
import { Rng, T0, testRecord } from "./helpers/fixtures"
import { Light, fakeHardware } from "./helpers/fake-hardware"
import { rawBytesNotErased } from "./helpers/raw-scan"

const SECTOR = 512
const SECTORS = 8
const TRIALS = 200
const SEED = 9001

function hardware(flash: RamNorFlash): TokenHardware {
    return fakeHardware(flash, new Light())
}

/** Names a token id or link key would have in DeviceScript settings: they must stay empty. */
const OLD_SECRET_SETTINGS = ["token_id", "link_key"]

/** True when no secret is in DeviceScript settings (their partition is not encrypted). */
async function noSecretInSettings() {
    for (const name of OLD_SECRET_SETTINGS) if ((await readSetting(name, "")) !== "") return false
    return true
}

async function freshToken(flash: RamNorFlash) {
    await deleteSetting("stopped")
    await deleteSetting("wipe_proof")
    for (const name of OLD_SECRET_SETTINGS) await deleteSetting(name)
    const token = await Token.boot(hardware(flash))
    const tek = Buffer.alloc(16)
    tek.fillAt(0, 16, 0x5a)
    await token.storage.keys.add(tek, 2848608)
    for (let i = 0; i < 40; ++i) await token.storage.log.append(testRecord(i, T0 + i))
    return token
}

/** Boots the token after power returns and lets it run until its wipe is proven. */
async function rebootAndFinish(flash: RamNorFlash) {
    flash.reboot()
    const token = await Token.boot(hardware(flash))
    expect(token.isStopped()).toBe(true)
    ;(async () => {
        await token.run()
    }).start()
    for (let guard = 0; !token.wipeProof(); ++guard) {
        if (guard > 1000) throw new Error("the token did not finish its wipe by itself")
        await ds.sleep(10)
    }
    return token
}

/**
 * One trial: decommission with power cut at a random byte of the wipe; in every fourth trial power
 * fails again during the first resumed wipe; then the token boots and finishes by itself. Returns
 * whether the second cut happened. Only one Token is alive at a time (the VM's heap is small).
 */
async function cutAndResume(trial: number, rng: Rng) {
    // The wipe's work: destroying the secrets' 3 rows, then one sector of work per erase.
    const wipeWork = 3 * ROW_SIZE + SECTORS * SECTOR
    const flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS, damageSeed: rng.int(0x7fffffff) })
    const cutAt = rng.int(wipeWork)
    if (!(await decommissionWithCut(flash, cutAt))) throw new Error(`trial ${trial} (cut at ${cutAt}): the cut did not happen`)
    let cutTwice = false
    if (trial % 4 === 3) {
        flash.reboot()
        cutTwice = await resumeWithCut(flash, rng.int(wipeWork))
    }
    const finished = await rebootAndFinish(flash)
    const left = await rawBytesNotErased(flash)
    if (left !== 0) throw new Error(`trial ${trial} (cut at ${cutAt}): ${left} bytes not erased after the resumed wipe`)
    if (finished.wipeProof().bytesNotErased !== 0) throw new Error(`trial ${trial}: proof says bytes left`)
    if (finished.id !== "") throw new Error(`trial ${trial}: token id still reported`)
    if (finished.storage.secrets.tokenId() || finished.linkKeys.linkKey()) throw new Error(`trial ${trial}: token id or link key still stored`)
    if (!(await noSecretInSettings())) throw new Error(`trial ${trial}: a secret is in settings`)
    return cutTwice
}

/** A token with keys and records decommissioned with power cut after `cutAt` bytes of work.
 *  True when the cut happened (the decommission failed and left no proof). */
async function decommissionWithCut(flash: RamNorFlash, cutAt: number) {
    const token = await freshToken(flash)
    flash.armPowerCut(cutAt)
    try {
        await token.decommission()
    } catch {
        return flash.isPowerOff() && !token.wipeProof()
    }
    return false
}

/** After a reboot, one attempt of the wipe with power cut again after `cutAt` bytes. */
async function resumeWithCut(flash: RamNorFlash, cutAt: number) {
    const token = await Token.boot(hardware(flash))
    flash.armPowerCut(cutAt)
    try {
        await token.finishWipe()
    } catch {}
    return flash.isPowerOff()
}

describe("decommission", () => {
    test("without a power cut: stopped, everything erased, proof kept across a restart", async () => {
        const flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS })
        const token = await freshToken(flash)
        expect(token.id.length).toBe(16)
        expect(token.linkKeys.linkKey().length).toBe(32)
        // Both live in the encrypted flash, none in settings; a restart keeps them.
        expect(await noSecretInSettings()).toBe(true)
        const same = await Token.boot(hardware(flash))
        expect(same.id).toBe(token.id)
        expect(same.linkKeys.linkKey().toString("hex")).toBe(token.linkKeys.linkKey().toString("hex"))
        expect((await rawBytesNotErased(flash)) > 0).toBe(true)
        await token.decommission()
        expect(token.wipeProof().bytesNotErased).toBe(0)
        expect(token.isErasing()).toBe(false)
        expect(await rawBytesNotErased(flash)).toBe(0)
        expect(token.id).toBe("")
        // The Bluetooth link key went with the wipe: the sticker opens nothing any more.
        expect(token.linkKeys.linkKey()).toBe(undefined)
        expect(await noSecretInSettings()).toBe(true)
        // After a restart the proof is still there to show, and no new identity is made.
        const again = await Token.boot(hardware(flash))
        expect(again.isStopped()).toBe(true)
        expect(again.wipeProof().bytesChecked).toBe(SECTORS * SECTOR)
        expect(again.wipeProof().bytesNotErased).toBe(0)
        expect(again.id).toBe("")
        expect(again.linkKeys.linkKey()).toBe(undefined)
        expect((await again.finishWipe()).bytesNotErased).toBe(0)
    })

    test(`${TRIALS} power cuts during the wipe (seed ${SEED}): every boot resumes it until nothing is left`, async () => {
        const rng = new Rng(SEED)
        let secondCuts = 0
        for (let trial = 0; trial < TRIALS; ++trial) {
            if (await cutAndResume(trial, rng)) secondCuts++
            if (trial % 8 === 7) await ds.sleep(0)
        }
        console.log(`decommission power cuts: ${TRIALS} trials, seed ${SEED}, ${secondCuts} cut twice`)
        expect(secondCuts > 0).toBe(true)
    })
})
