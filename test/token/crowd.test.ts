// A crowd: 200 people in range at once for a quarter of an hour. The token keeps every one of
// them (a fixed 12.8 KB table and scan batches kept as radio pages), does not run out of memory or
// restart, and keeps its clock.
import { describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { readLogWithPress } from "../helpers/owner.js"

describe("a token in a crowd of 200", () => {
    test("hears and logs everyone without restarting", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 4, 11, 8, 2), 200)
        const people = Array.from({ length: 200 }, (_, i) => new Neighbour(-50 - (i % 40)))
        const starts: string[] = []
        const vm = await TokenVm.start({
            clock,
            onScan: room(() => people),
            onLog: l => {
                if (/start: gaen-token|OutOfMemory/.test(l)) starts.push(l)
            },
        })
        try {
            const sync = await TokenSyncClient.find(vm.bus)
            await setTokenClock(clock, sync)
            await clock.sleep(15 * 60_000)
            expect((await sync.status()).state).toBe("active") // a restart would have lost the clock
            const log = await readLogWithPress(clock, vm, sync)
            const distinct = new Set(log.map(r => Buffer.from(r.rpi).toString("hex")))
            // Every neighbour's identifiers of the quarter hour: one or two 10-minute intervals each.
            expect(distinct.size).toBe(log.length)
            expect(log.length).toBeGreaterThanOrEqual(200)
            expect(log.length).toBeLessThanOrEqual(400)
            expect(starts.filter(l => l.includes("OutOfMemory"))).toEqual([])
            expect(starts.filter(l => l.includes("start: gaen-token"))).toHaveLength(1)
        } finally {
            await vm.stop()
        }
    }, 180_000)
})
