// A token whose log is full (32,131 records over 14 days) restarts and is synced at a kiosk: the
// kiosk reads its status (records_held among it) and the owner's press sets its clock while the
// token counts its records, which after a restart means reading every sector (minutes at the
// runtime's 50 packets a second). The token neither runs out of its 64 KB heap nor restarts, its
// set_time is not held up behind the count, and it answers the exact count once it has it.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient, type EncounterRecord } from "../../lib/token-sync/sync-client.js"
import { LOG_MAX_RECORDS, writeTokenLog } from "../../testkit/log-flash-image.js"
import { seededRandom } from "../../testkit/seeded-random.js"
import { Cleanup } from "../helpers/cleanup.js"

/** Asks until the token answers (a restarting token does not answer while it reads its log's index). */
async function waitForAnswer<T>(ask: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
        try {
            return await ask()
        } catch (e) {
            if (i >= 60) throw e
        }
    }
}

describe("a token with a full log, synced right after a restart", () => {
    const now = Date.UTC(2026, 9, 5, 9, 0)
    const clock = SimClock.startingAt(now, 20)
    const cleanup = new Cleanup()
    const dir = cleanup.tempDir("gaen-full-log-")
    const rnd = seededRandom(2026)
    const records: EncounterRecord[] = Array.from({ length: LOG_MAX_RECORDS }, () => {
        const lastSeen = Math.floor((now - 60_000 - rnd.next() * 13.9 * 86_400_000) / 60_000)
        return { rpi: rnd.bytes(16), aem: rnd.bytes(4), firstSeen: lastSeen - 3, lastSeen, scans: 2, rssiMax: -50, rssiMean: -55, rssiMin: -60 }
    }).sort((a, b) => a.lastSeen - b.lastSeen)
    const trouble: string[] = []
    let vm: TokenVm
    let sync: TokenSyncClient

    beforeAll(async () => {
        writeTokenLog(dir, records)
        vm = cleanup.add(
            await TokenVm.start({
                clock,
                dir,
                startTimeoutMs: 120_000,
                onLog: l => {
                    if (process.env.DEBUG_FULL_LOG) console.log(l)
                    if (/start: gaen-token|OutOfMemory|PANIC/.test(l)) trouble.push(l)
                },
            }),
            v => v.stop()
        )
        sync = await TokenSyncClient.find(vm.bus)
    }, 180_000)
    afterAll(() => cleanup.run())

    test("the kiosk reads the status and the owner's press sets the clock while the token counts its records", async () => {
        // The token answers once it has rebuilt its index from every sector's row states and header.
        await waitForAnswer(() => sync.status())
        await setTokenClock(clock, sync, vm)
        // A kiosk's status reads go on while the token reads every sector once (in the background).
        for (;;) {
            const status = await sync.status()
            expect(status.state).toBe("active") // a restart would have lost the clock
            if (status.recordsHeld === records.length) break
            await clock.sleep(5_000)
        }
        for (let i = 0; i < 5; i++) expect((await sync.status()).recordsHeld).toBe(records.length)
        expect(trouble.filter(l => !l.includes("start: gaen-token"))).toEqual([])
        expect(trouble).toHaveLength(1)
    }, 600_000)
})
