// The token's clock belongs to its owner too (src/time/clock-guard.ts, services/token-sync.md
// set_time): a host without the press walks set_time in steps under the bound, ahead and back, and
// the clock never leaves the bound around its anchor; nothing is erased and no identifier of a
// future day goes on air. A restarted token holding records answers every unpressed first set the
// same way, whatever the time (no oracle on its newest record). A token whose clock is fast (set so
// with a press, then records logged) is repaired with the press, and what it hears afterwards is
// read back with plausible times.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { enIntervalNumber, parseAdvertisement, rpisForKey } from "../../lib/gaen/index.js"
import { Cleanup } from "../helpers/cleanup.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { exportKeysWithButton, readLogWithPress, withOwnerSession } from "../helpers/owner.js"
import { hex } from "../helpers/bytes.js"

const DAY_S = 86_400
/** Under the old per-set bound (10 minutes): the step of the walk that once moved a token 15 days. */
const STEP_S = 590
/** The bound around the anchor, as src/time/clock-guard.ts states it (firmware code, which
 *  Node cannot import): 10 minutes plus 5 % of the time since the anchor. */
const FREE_ADJUST_BASE_S = 600
const FREE_ADJUST_PER_SECOND = 0.05
/** Seconds the token's clock may trail or lead the simulation's (it runs in its own process). */
const SLACK_S = 90

describe("the clock's anchor: no walk, no oracle, and repair with the press", () => {
    const cleanup = new Cleanup()
    afterAll(() => cleanup.run())

    test("a host walks set_time in steps under the old bound, 15 days ahead and back: the clock stays within the bound of its anchor, nothing is lost, no future identifier on air", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 7, 3, 22, 0), 20)
        let present = [new Neighbour(-55), new Neighbour(-62)]
        const vm = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present) }), v => v.stop())
        const sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync) // a token holding nothing: its first time is its anchor
        const anchoredAt = clock.now() / 1000
        await clock.sleep(20 * 60_000)
        present = []
        const before = await sync.status()
        expect(before.recordsHeld).toBeGreaterThan(0)

        const bound = () => FREE_ADJUST_BASE_S + (clock.now() / 1000 - anchoredAt) * FREE_ADJUST_PER_SECOND + SLACK_S
        const target = before.clock + 15 * DAY_S
        let moved = 0
        let refused = 0
        for (const direction of [1, -1]) {
            // The attacker keeps stepping from wherever the token's clock is; it gives up after a run
            // of refusals (the old guard let all 2,197 steps through).
            for (let calls = 0, refusedInARow = 0; calls < 2200 && refusedInARow < 60; calls++) {
                const tokenClock = await sync.clock()
                if (direction > 0 && tokenClock >= target) break
                if (direction < 0 && tokenClock <= before.clock - 15 * DAY_S) break
                const r = await sync.setTime(tokenClock + direction * STEP_S)
                if (r.outcome === "set") {
                    moved++
                    refusedInARow = 0
                } else {
                    refused++
                    refusedInARow++
                }
                expect(Math.abs((await sync.clock()) - clock.now() / 1000), `after ${calls} calls`).toBeLessThanOrEqual(bound())
            }
        }
        expect(refused).toBeGreaterThan(100)
        expect(moved).toBeLessThan(10)

        // Everything is still there: housekeeping ran by a clock within the bound.
        await clock.sleep(90_000)
        const after = await sync.status()
        expect(after.keysHeld).toBe(before.keysHeld)
        const log = await readLogWithPress(clock, vm, sync)
        expect(log.length).toBeGreaterThanOrEqual(before.recordsHeld)
        // No identifier of a future day: every key is of a day begun, and every identifier aired is
        // one of those keys' at an interval within the bound of when it was aired.
        const exportAsked = clock.now() // the export's successor key (not exported) goes on air after it
        const keys = await exportKeysWithButton(clock, vm, sync)
        const nowInterval = enIntervalNumber(clock.now() / 1000)
        expect(keys.every(k => k.rollingStartIntervalNumber <= nowInterval)).toBe(true)
        // Each key's whole day: the export cuts the key in use at the token's clock, which the walk
        // back left behind intervals it had aired while ahead (within the bound).
        const intervalOf = new Map(
            keys.flatMap(k => rpisForKey(k.keyData, k.rollingStartIntervalNumber, 144).map(r => [hex(r.rpi), r.intervalNumber] as const))
        )
        const aired = vm.aired
            .filter(ad => ad.atMs < exportAsked)
            .map(ad => ({ atS: ad.atMs / 1000, interval: intervalOf.get(hex(parseAdvertisement(ad.payload).rpi)) }))
        expect(aired.length).toBeGreaterThan(0)
        const future = aired.filter(a => a.interval === undefined || a.interval > enIntervalNumber(a.atS + 3600))
        expect(future).toEqual([])
    }, 400_000)

    // The tests below wait out minutes of the token's time, each with its own token and clock; they
    // run side by side (each token keeps a core busy for a fraction of the wait).
    test.concurrent(
        "a restarted token holding records: every unpressed first set gets the same answer, whatever the time; the press sets it",
        async () => {
            const clock = SimClock.startingAt(Date.UTC(2026, 7, 10, 9, 0), 20)
            const dir = cleanup.tempDir("gaen-clock-restart-")
            let present = [new Neighbour(-55)]
            let vm = await TokenVm.start({ clock, dir, onScan: room(() => present) })
            let sync = await TokenSyncClient.find(vm.bus)
            await setTokenClock(clock, sync)
            await clock.sleep(20 * 60_000)
            present = []
            expect((await readLogWithPress(clock, vm, sync)).length).toBeGreaterThan(0)
            await vm.stop() // the battery runs out: no RTC, the time is lost
            vm = cleanup.add(await TokenVm.start({ clock, dir }), v => v.stop())
            sync = await TokenSyncClient.find(vm.bus)
            expect((await sync.status()).state).toBe("time-not-set")

            const now = Math.floor(clock.now() / 1000)
            // A probe around the newest record's time (minute by minute), and far ahead and back.
            const probes = [now - 3 * DAY_S, now - 3600, ...Array.from({ length: 40 }, (_, i) => now - 30 * 60 + i * 60), now + 3600, now + 365 * DAY_S]
            const answers = new Set<string>()
            for (const t of probes) answers.add(JSON.stringify(await sync.setTime(t)))
            expect([...answers]).toEqual([JSON.stringify({ drift: 0, outcome: "needs-press" })])
            expect((await sync.status()).state).toBe("time-not-set")
            // With the owner's press the kiosk's time is taken.
            await setTokenClock(clock, sync, vm)
            expect((await sync.status()).state).toBe("active")
        },
        300_000
    )

    for (const fastBy of [3600, DAY_S, 15 * DAY_S]) {
        test.concurrent(
            `a token ${fastBy / 3600} h fast (set so with a press, records logged) is repaired with the press; the records heard afterwards read back with plausible times`,
            async () => {
                const clock = SimClock.startingAt(Date.UTC(2026, 7, 12, 9, 0), 20)
                let present = [new Neighbour(-55)]
                const vm = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present) }), v => v.stop())
                const sync = await TokenSyncClient.find(vm.bus)
                await setTokenClock(clock, sync)
                await withOwnerSession(clock, vm, sync, async () => {
                    expect((await sync.setTime(Math.floor(clock.now() / 1000) + fastBy)).outcome).toBe("set")
                })
                await clock.sleep(20 * 60_000) // records stamped in the false future
                present = []
                await clock.sleep(2 * 60_000)
                expect((await sync.status()).recordsHeld).toBeGreaterThan(0)
                // An unpressed kiosk cannot pull it back: the anchor is the pressed (fast) time.
                expect((await sync.setTime(Math.floor(clock.now() / 1000))).outcome).toBe("needs-press")
                // The repair: with the press, the true time.
                await withOwnerSession(clock, vm, sync, async () => {
                    expect((await sync.setTime(Math.floor(clock.now() / 1000))).outcome).toBe("set")
                })
                const repairedAt = clock.now() / 1000
                present = [new Neighbour(-58), new Neighbour(-64)]
                await clock.sleep(20 * 60_000)
                present = []
                const log = await readLogWithPress(clock, vm, sync)
                const checkedAt = clock.now() / 1000
                const heardAfter = log.filter(r => r.lastSeen * 60 >= repairedAt - 60)
                expect(heardAfter.length).toBeGreaterThanOrEqual(2)
                // Plausible: nothing in the future, nothing older than 14 days.
                for (const r of log) {
                    expect(r.lastSeen * 60).toBeLessThanOrEqual(checkedAt + SLACK_S)
                    expect(r.lastSeen * 60).toBeGreaterThan(checkedAt - 14 * DAY_S)
                }
                expect((await sync.status()).recordsHeld).toBe(log.length)
                // Keys of the false future are gone: none starts after today.
                const keys = await exportKeysWithButton(clock, vm, sync)
                expect(keys.every(k => k.rollingStartIntervalNumber <= enIntervalNumber(clock.now() / 1000))).toBe(true)
            },
            300_000
        )
    }
})
