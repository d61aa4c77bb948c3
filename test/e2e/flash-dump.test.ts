// What someone who holds the token for a minute finds with `esptool read_flash` (issue 20): the
// simulated token's flash file is what an ESP32-C3's flash chip holds with flash encryption on
// (services/flash.md, "The simulator"). After a day of contacts, a key export and the sticker's
// hand-out, a byte scan of that file finds none of the token's TEKs (every key it held at the export), none of the
// identifiers it heard, not its link key and not its token id. The same scan of the file decrypted
// with the chip's own key (its eFuse, kept outside the flash file) finds every one of them, so the
// scan can fail: what hides them is the encryption, not the scan.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { handOutSticker } from "../../sim/harness/hand-out-sticker.js"
import { OWNER_PRESS_SCALE } from "../../sim/harness/owner.js"
import { decryptFlash } from "../../sim/hardware/flash-server.js"
import { tokenFlashFiles } from "../../sim/token/token-config.js"
import { TokenSyncClient, type EncounterRecord, type ExportedKey } from "../../lib/token-sync/sync-client.js"
import { linkKeyOfStickerCode } from "../../lib/ble-link/sticker-code.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { exportKeysWithButton, withOwnerSession } from "../helpers/owner.js"
import { Cleanup } from "../helpers/cleanup.js"

const HOUR = 3_600_000

/** Each secret the token holds, with what to call it when a scan finds it. */
type Secret = { what: string; bytes: Buffer }

function found(image: Buffer, secrets: Secret[]): string[] {
    return secrets.filter(s => image.indexOf(s.bytes) >= 0).map(s => s.what)
}

describe("a dump of the token's flash finds none of its secrets", () => {
    const cleanup = new Cleanup()
    // 20:00 UTC: the day crosses a midnight, so the token holds two keys, one released, one not.
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 7, 20, 0), 2000)
    let secrets: Secret[] = []
    let log: EncounterRecord[] = []
    let keys: ExportedKey[] = []
    let dump: Buffer
    let efuseKey: Buffer
    let tokenIdText: Buffer

    beforeAll(async () => {
        const dir = cleanup.tempDir("gaen-flash-dump-")
        let present: Neighbour[] = []
        const vm = await TokenVm.start({ clock, dir, onScan: room(() => present) })
        cleanup.add(null, () => vm.stop())
        const sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync)
        const speed = clock.scale
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        const sticker = await handOutSticker(clock, vm)
        clock.setScale(speed)
        // A day of contacts: three people for a while every few hours.
        for (let hour = 0; hour < 24; hour += 4) {
            present = [new Neighbour(-55), new Neighbour(-65), new Neighbour(-75)]
            await clock.sleep(HOUR)
            present = []
            await clock.sleep(3 * HOUR)
        }
        log = await withOwnerSession(clock, vm, sync, () => sync.readLog())
        keys = await exportKeysWithButton(clock, vm, sync)
        const { tokenId } = await sync.status()
        await vm.stop()

        secrets = [
            ...keys.map((k, i) => ({ what: `TEK ${i} (released)`, bytes: Buffer.from(k.keyData) })),
            ...log.map((r, i) => ({ what: `RPI ${i} heard`, bytes: Buffer.from(r.rpi) })),
            { what: "the link key", bytes: linkKeyOfStickerCode(sticker) },
            { what: "the token id", bytes: Buffer.from(tokenId, "hex") },
        ]
        tokenIdText = Buffer.from(tokenId, "ascii")
        const files = tokenFlashFiles(dir)
        dump = readFileSync(files.flash)
        efuseKey = readFileSync(files.efuseKey)
    }, 300_000)
    afterAll(() => cleanup.run())

    test("the token held a day of secrets (so the scan below can fail)", () => {
        expect(log.length).toBeGreaterThanOrEqual(10)
        expect(keys.length).toBeGreaterThanOrEqual(2)
        expect(found(Buffer.from(decryptFlash(efuseKey, 0, dump)), secrets)).toEqual(secrets.map(s => s.what))
    })

    test("read as esptool reads it, the flash holds none of them", () => {
        expect(found(dump, secrets)).toEqual([])
        expect(dump.indexOf(tokenIdText), "the token id as the kiosk shows it").toBe(-1)
        expect(dump.indexOf(efuseKey.subarray(0, 16)), "the chip's key is not in the flash").toBe(-1)
    })
})
