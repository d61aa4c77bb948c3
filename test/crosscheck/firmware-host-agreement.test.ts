// The firmware makes its own TEK and puts identifiers on air; the host library, given only that TEK
// (exported over the Jacdac bus after the owner's button press), reproduces every one of them.
// Two implementations, one answer: not two copies of one function.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SimClock, FOLLOW_SLACK_MS } from "../../sim/clock/sim-clock.js"
import { DEFAULT_RADIO, TokenVm } from "../../sim/harness/token-vm.js"
import { TokenSyncClient, type ExportedKey } from "../../lib/token-sync/sync-client.js"
import { decryptMetadata, deriveAemk, enIntervalNumber, parseAdvertisement, rpisForKey, identifiersFor, deriveDailyKeys } from "../../lib/gaen/index.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { exportKeysWithButton } from "../helpers/owner.js"
import { hex } from "../helpers/bytes.js"

describe("firmware and host library agree", () => {
    const clock = SimClock.startingAt(Date.UTC(2026, 5, 10, 8, 3), 500)
    let vm: TokenVm
    let keys: ExportedKey[]
    /** What went on air before the owner pressed the button: all of it with the key in use. */
    let airedBeforePress: TokenVm["aired"]

    const dir = mkdtempSync(join(tmpdir(), "gaen-crosscheck-"))

    beforeAll(async () => {
        vm = await TokenVm.start({ clock, dir })
        const sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync)
        // An hour on air: several rotations.
        await clock.sleep(60 * 60_000)
        keys = await exportKeysWithButton(clock, vm, sync, () => (airedBeforePress = vm.aired.slice()))
        // The token rotates away from the released key within seconds; allow ten simulated minutes.
        const deadline = clock.now() + 10 * 60_000
        while (vm.aired.length === airedBeforePress.length && clock.now() < deadline) await clock.sleep(5_000)
        await clock.sleep(30 * 60_000) // and goes on with its new key
    }, 600_000) // a backstop for a loaded machine, not a deadline (the default is 60 s)
    afterAll(async () => {
        await vm?.stop()
        rmSync(dir, { recursive: true, force: true })
    })

    test("the token went on air several times in an hour, each time with a new address", () => {
        expect(airedBeforePress.length).toBeGreaterThanOrEqual(3)
        expect(new Set(airedBeforePress.map(a => hex(a.address))).size).toBe(airedBeforePress.length)
    })

    test("every advertisement is reproduced by the host library from the exported TEK", () => {
        expect(keys.length).toBe(1)
        const [key] = keys
        const byRpi = new Map(rpisForKey(key.keyData, key.rollingStartIntervalNumber, key.rollingPeriod).map(r => [hex(r.rpi), r.intervalNumber]))
        const daily = deriveDailyKeys(key.keyData)
        for (const ad of airedBeforePress) {
            const { rpi, aem } = parseAdvertisement(ad.payload)
            const enin = byRpi.get(hex(rpi))
            expect(enin, `RPI ${hex(rpi)} on air at ${new Date(ad.atMs).toISOString()}`).toBeDefined()
            // The RPI belongs to the interval in which it went on air. (setTokenClock sets the token's
            // clock at real speed, but to the whole second, and the radio notes the advertisement a
            // moment after the firmware made it: an RPI made just before a 10-minute boundary may go
            // on air just after it, within the clock's follow slack, never later and never ahead.)
            const airedIn = enIntervalNumber(Math.floor(ad.atMs / 1000))
            const sinceBoundaryMs = ad.atMs - airedIn * 600_000
            const what = `RPI of interval ${enin} on air at ${new Date(ad.atMs).toISOString()} (interval ${airedIn})`
            if (sinceBoundaryMs < FOLLOW_SLACK_MS) expect([airedIn - 1, airedIn], what).toContain(enin)
            else expect(enin, what).toBe(airedIn)
            // The whole payload, byte for byte, AEM included.
            expect(hex(ad.payload)).toBe(hex(identifiersFor(daily, enin!, DEFAULT_RADIO.txPower).payload))
            const meta = decryptMetadata(deriveAemk(key.keyData), rpi, aem)
            expect(meta.txPower).toBe(DEFAULT_RADIO.txPower)
        }
    })

    test("the exported key is today's, and was cut at the moment of export", () => {
        const [key] = keys
        const exportEnin = enIntervalNumber(Math.floor(airedBeforePress.at(-1)!.atMs / 1000))
        expect(key.rollingStartIntervalNumber % 144).toBe(0)
        expect(key.rollingStartIntervalNumber + key.rollingPeriod - 1).toBeGreaterThanOrEqual(exportEnin)
        expect(key.rollingPeriod).toBeLessThan(144)
    })

    test("a released key is never used on air again", () => {
        const [key] = keys
        const released = new Set(rpisForKey(key.keyData, key.rollingStartIntervalNumber, 144).map(r => hex(r.rpi)))
        const fromReleased = vm.aired.map(ad => released.has(hex(parseAdvertisement(ad.payload).rpi)))
        const firstOther = fromReleased.indexOf(false)
        expect(firstOther, `nothing new on air after the export\n${vm.recentLog()}`).toBeGreaterThanOrEqual(airedBeforePress.length)
        // Once the token has moved on, the released key never comes back.
        expect(fromReleased.slice(firstOther).every(x => !x)).toBe(true)
        expect(vm.aired.length - firstOther).toBeGreaterThanOrEqual(2)
    })

    test("a released key stays off the air after a power cycle", async () => {
        const [key] = keys
        const released = new Set(rpisForKey(key.keyData, key.rollingStartIntervalNumber, 144).map(r => hex(r.rpi)))
        await vm.stop() // battery out, the same day
        vm = await TokenVm.start({ clock, dir })
        await setTokenClock(clock, await TokenSyncClient.find(vm.bus), vm)
        await clock.sleep(45 * 60_000)
        expect(vm.aired.length, `nothing on air after the restart\n${vm.recentLog()}`).toBeGreaterThanOrEqual(2)
        const again = vm.aired.filter(ad => released.has(hex(parseAdvertisement(ad.payload).rpi)))
        expect(
            again.map(ad => new Date(ad.atMs).toISOString()),
            "identifiers of the released key on air"
        ).toEqual([])
    })
})
