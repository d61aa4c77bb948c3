// The clock guard on a token with a log of two ages (built in the on-flash format, one sector each):
// a set_time 15 days ahead without the owner's press changes nothing, not even at the next
// housekeeping; with the press the clock moves, and at the next housekeeping the records 14 days
// old by the new time go while the younger ones stay. No clock change erases anything by itself:
// expiry is housekeeping's, by the new time.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient, type EncounterRecord } from "../../lib/token-sync/sync-client.js"
import { RECORDS_PER_SECTOR, writeTokenLog } from "../../testkit/log-flash-image.js"
import { Cleanup } from "../helpers/cleanup.js"
import { readLogWithPress, withOwnerSession } from "../helpers/owner.js"
import { hex } from "../helpers/bytes.js"

const DAY_S = 86_400

describe("a large clock change needs the owner's press", () => {
    const now = Date.UTC(2026, 7, 20, 9, 0)
    const clock = SimClock.startingAt(now, 50)
    const cleanup = new Cleanup()
    const dir = cleanup.tempDir("gaen-clock-jump-")
    const minutes = (unixMs: number) => Math.floor(unixMs / 60_000)
    const record = (lastSeenMin: number): EncounterRecord => ({
        rpi: randomBytes(16),
        aem: randomBytes(4),
        firstSeen: lastSeenMin - 4,
        lastSeen: lastSeenMin,
        scans: 2,
        rssiMax: -50,
        rssiMean: -55,
        rssiMin: -60,
    })
    // A full sector of records last seen 3 days ago, then a sector of 10 seen yesterday.
    const old = Array.from({ length: RECORDS_PER_SECTOR }, (_, i) => record(minutes(now - 3 * DAY_S * 1000) + Math.floor(i / 3)))
    const young = Array.from({ length: 10 }, (_, i) => record(minutes(now - DAY_S * 1000) + i))
    let vm: TokenVm
    let sync: TokenSyncClient

    beforeAll(async () => {
        writeTokenLog(dir, [...old, ...young])
        vm = cleanup.add(await TokenVm.start({ clock, dir }), v => v.stop())
        sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync, vm) // a restarted token holding records: its first time with the press
        expect((await sync.status()).recordsHeld).toBe(old.length + young.length)
    })
    afterAll(() => cleanup.run())

    test("15 days ahead without the press: refused, and nothing changes at the next housekeeping", async () => {
        const before = await sync.status()
        expect(await sync.setTime(before.clock + 15 * DAY_S)).toEqual({ drift: 0, outcome: "needs-press" })
        await clock.sleep(90_000) // housekeeping runs every minute of token time
        const after = await sync.status()
        expect(after.recordsHeld).toBe(old.length + young.length)
        expect(Math.abs(after.clock - clock.now() / 1000)).toBeLessThan(120)
    })

    test("with the press: the clock moves 12.5 days; records 14 days old by the new time go, younger ones stay", async () => {
        const target = Math.floor(clock.now() / 1000) + 12.5 * DAY_S
        await withOwnerSession(clock, vm, sync, async () => {
            expect((await sync.setTime(target)).outcome).toBe("set")
        })
        await clock.sleep(90_000)
        const log = await readLogWithPress(clock, vm, sync)
        expect(log.map(r => hex(r.rpi)).sort()).toEqual(young.map(r => hex(r.rpi)).sort())
        expect(Math.abs((await sync.status()).clock - (target + 90))).toBeLessThan(120)
    })
})
