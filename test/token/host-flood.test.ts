// A host that sends faster than the token answers: 300 register reads of token-sync back to back,
// none waiting for its answer. The token's runtime answers at most 50 packets a second and handles
// each packet a host sends in a fiber of its own until its answer is out, so a door that let them
// all in would fill the 64 KB heap with waiting fibers (OutOfMemory, a restart, the clock lost). The
// door takes a host's packets only at the pace the token answers (services/token-sync.md, "Sessions
// and hosts"): the token keeps running, keeps its clock and answers a polite kiosk afterwards.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { TokenSyncReg } from "../../lib/jacdac/service-specs.js"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { Cleanup } from "../helpers/cleanup.js"

const FLOOD_GETS = 300

describe("a host that floods the token with register reads", () => {
    const clock = SimClock.startingAt(Date.UTC(2026, 11, 7, 9, 0), 20)
    const cleanup = new Cleanup()
    const trouble: string[] = []
    const paced: string[] = []
    let vm: TokenVm
    let sync: TokenSyncClient

    beforeAll(async () => {
        vm = cleanup.add(
            await TokenVm.start({
                clock,
                onLog: l => {
                    if (process.env.DEBUG_HOST_FLOOD) console.log(l)
                    if (/start: gaen-token|OutOfMemory|PANIC/.test(l)) trouble.push(l)
                    if (l.includes("over the pace")) paced.push(l)
                },
            }),
            v => v.stop()
        )
        sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync)
        // A polite kiosk (finding the token, setting its clock) never meets the pace.
        await sync.status()
        expect(paced).toEqual([])
    }, 120_000)
    afterAll(() => cleanup.run())

    test(`${FLOOD_GETS} reads back to back leave the token running, its clock kept, answering`, async () => {
        const before = await sync.status()
        expect(before.state).toBe("active")
        const reg = sync.service.register(TokenSyncReg.RecordsHeld)
        await Promise.all(Array.from({ length: FLOOD_GETS }, () => reg.sendGetAsync().catch(() => {})))
        // Long enough for the token to answer every read it took (at 50 a second) or to run out of
        // memory trying.
        await clock.sleep(20_000)
        expect(trouble.filter(l => !l.includes("start: gaen-token"))).toEqual([])
        const after = await sync.status()
        expect(after.state).toBe("active") // a restart would have lost the clock
        expect(after.clock).toBeGreaterThanOrEqual(before.clock + 20)
        expect(trouble).toHaveLength(1)
        // The door dropped the excess (most of the flood), and said so once polite reads passed again;
        // the next status read meets no pace.
        expect(paced[0]).toMatch(/faster than the token answers/)
        const dropped = paced.map(l => Number(/door: (\d+) packets/.exec(l)?.[1] ?? 0)).reduce((a, b) => a + b, 0)
        expect(dropped).toBeGreaterThan(FLOOD_GETS / 2)
        const said = paced.length
        expect((await sync.status()).state).toBe("active")
        expect(paced).toHaveLength(said)
    }, 180_000)
})
