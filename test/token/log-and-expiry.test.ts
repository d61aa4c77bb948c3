// The token logs who it hears, one record per identifier, keeps records and keys 14 days exactly,
// and keeps its log over a power cycle (the index is rebuilt from flash at boot).
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { NeedsOwnerPress, TokenSyncClient, type EncounterRecord } from "../../lib/token-sync/sync-client.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { exportKeysWithButton, readLogWithPress, withOwnerSession } from "../helpers/owner.js"
import { Cleanup } from "../helpers/cleanup.js"
import { hex } from "../helpers/bytes.js"

const DAY_S = 86400

describe("contact log on the token", () => {
    const start = Date.UTC(2026, 4, 11, 8, 0)
    const clock = SimClock.startingAt(start, 400)
    const cleanup = new Cleanup()
    const dir = cleanup.tempDir("gaen-token-log-")
    const near = new Neighbour(-55)
    let present: Neighbour[] = []
    let vm: TokenVm
    let sync: TokenSyncClient
    let firstRead: EncounterRecord[]
    /** Every scan window the firmware asked its radio for (simulated ms). */
    const scans: { fromMs: number; toMs: number }[] = []
    const inRoom = room(() => present)

    const boot = async () => {
        vm = await TokenVm.start({
            clock,
            dir,
            onScan: (fromMs, toMs) => {
                scans.push({ fromMs, toMs })
                return inRoom(fromMs)
            },
        })
        sync = await TokenSyncClient.find(vm.bus)
    }

    beforeAll(async () => {
        await boot()
        await setTokenClock(clock, sync)
        present = [near]
        await clock.sleep(45 * 60_000) // three quarters of an hour together
        present = []
        await clock.sleep(10 * 60_000) // then apart: the last identifier is committed
        firstRead = await readLogWithPress(clock, vm, sync)
    })
    afterAll(async () => {
        await vm?.stop() // `vm` changes on reboot, so it is stopped here rather than registered
        await cleanup.run()
    })

    test("one record per identifier heard, with the scans that heard it", () => {
        // 45 minutes = 4 or 5 RPIs of the neighbour (one per 10-minute interval).
        expect(firstRead.length).toBeGreaterThanOrEqual(4)
        expect(firstRead.length).toBeLessThanOrEqual(6)
        expect(new Set(firstRead.map(r => hex(r.rpi))).size).toBe(firstRead.length)
        const scans = firstRead.reduce((n, r) => n + r.scans, 0)
        expect(scans).toBeGreaterThanOrEqual(9) // a scan every ~4 minutes for 45 minutes
        for (const r of firstRead) {
            expect(r.rssiMean).toBe(-55)
            expect(r.lastSeen).toBeGreaterThanOrEqual(r.firstSeen)
            expect(r.lastSeen - r.firstSeen).toBeLessThanOrEqual(10)
        }
    })

    test("it listens 4 seconds every 225 to 255 seconds", () => {
        // 55 minutes with the clock set: about 14 windows.
        expect(scans.length).toBeGreaterThanOrEqual(12)
        for (const w of scans) expect(w.toMs - w.fromMs).toBe(4000)
        for (let i = 1; i < scans.length; i++) {
            const gap = scans[i].fromMs - scans[i - 1].fromMs
            expect(gap, `scan ${i} at ${new Date(scans[i].fromMs).toISOString()}`).toBeGreaterThanOrEqual(225_000)
            expect(gap, `scan ${i} at ${new Date(scans[i].fromMs).toISOString()}`).toBeLessThanOrEqual(255_000)
        }
    })

    test("a power cycle keeps every record (index rebuilt from flash)", async () => {
        const before = (await sync.status()).recordsHeld
        await vm.stop() // battery out
        await boot()
        expect((await sync.status()).recordsHeld).toBe(before)
        const again = await readLogWithPress(clock, vm, sync)
        expect(again.map(r => hex(r.rpi))).toEqual(firstRead.map(r => hex(r.rpi)))
        // Without a real-time clock the token waits for a kiosk: nothing on air, nothing logged.
        expect((await sync.status()).state).toBe("time-not-set")
        const scansBefore = scans.length
        present = [near]
        try {
            await clock.sleep(15 * 60_000)
        } finally {
            present = []
        }
        expect(scans.length, "scans before the time was set").toBe(scansBefore)
        expect(vm.aired, "advertisements before the time was set").toEqual([])
        expect((await sync.status()).recordsHeld).toBe(before)
    })

    /** A kiosk moves the token's clock by a lot: the owner presses first. */
    const setClockWithPress = (unixSeconds: number) =>
        withOwnerSession(clock, vm, sync, async () => {
            expect((await sync.setTime(unixSeconds)).outcome).toBe("set")
        })

    test("without the owner's press a host reads no record and no key, and cannot move the clock far", async () => {
        await setTokenClock(clock, sync, vm) // restarted without an RTC, holding records: its first time with the press
        const before = await sync.status()
        await expect(sync.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
        expect((await sync.exportKeys()).state).toBe("not-requested")
        // 15 days ahead would expire everything at the next housekeeping: refused, nothing changes.
        expect(await sync.setTime(before.clock + 15 * DAY_S)).toEqual({ drift: 0, outcome: "needs-press" })
        await clock.sleep(90_000) // housekeeping runs every minute of token time
        // The simulated clock runs at 400x: bracket the answer in simulated time rather than assume
        // how long it took (a tenth of a real second on a loaded machine is 40 s of token time).
        const askedAt = clock.settledNow() / 1000 // the token has lived at least this far
        const after = await sync.status()
        const answeredAt = clock.now() / 1000
        expect(after.recordsHeld).toBe(before.recordsHeld)
        expect(after.keysHeld).toBe(before.keysHeld)
        expect(after.clock, "the token's clock went on as before: not moved 15 days").toBeGreaterThanOrEqual(Math.floor(askedAt) - 5)
        expect(after.clock).toBeLessThanOrEqual(Math.ceil(answeredAt) + 5)
        // Back by a day, likewise (nothing would ever expire).
        expect((await sync.setTime(before.clock - DAY_S)).outcome).toBe("needs-press")
        // A time the records cannot hold (u24 minutes since 2020 end in November 2051) is refused even with the press.
        await withOwnerSession(clock, vm, sync, async () => {
            expect((await sync.setTime(Date.UTC(2051, 11, 1) / 1000)).outcome).toBe("refused")
        })
        expect(Math.abs((await sync.status()).clock - clock.now() / 1000)).toBeLessThan(120)
    })

    test("records are kept until exactly 14 days after they were last seen, then erased", async () => {
        const newest = Math.max(...firstRead.map(r => r.lastSeen)) * 60
        const oldest = Math.min(...firstRead.map(r => r.lastSeen)) * 60
        // A kiosk sees the token again 14 days less five minutes after the oldest record: every record
        // is still held (records_held counts what a read hands out, so an expired one would not
        // count). (The token's clock may run up to FOLLOW_SLACK_MS ahead of the sleep below: five
        // minutes leaves room.)
        await setClockWithPress(oldest + 14 * DAY_S - 300)
        await clock.sleep(90_000) // housekeeping runs every minute of token time
        // records_held counts the records still held: each goes 14 days after its own last sighting
        // (by the token's clock at its latest housekeeping, at most a minute before it answered).
        const held = await sync.status()
        const aliveAt = (unixSeconds: number) => firstRead.filter(r => Math.floor(unixSeconds / 60) - r.lastSeen < 14 * 1440).length
        expect(held.recordsHeld).toBeGreaterThan(0) // the newest is minutes from its 14 days
        expect(held.recordsHeld).toBeGreaterThanOrEqual(aliveAt(held.clock))
        expect(held.recordsHeld).toBeLessThanOrEqual(aliveAt(held.clock - 120))
        // Two minutes past 14 days the records are gone.
        await setClockWithPress(newest + 14 * DAY_S + 120)
        await clock.sleep(90_000)
        expect((await sync.status()).recordsHeld).toBe(0)
        expect((await readLogWithPress(clock, vm, sync)).length).toBe(0)
    })

    test("a key is kept until exactly 14 days after its last interval, then erased", async () => {
        const firstDay = Math.floor(start / 1000 / DAY_S) * DAY_S // the first key's day (UTC)
        const firstKeyEnd = firstDay + DAY_S
        await setClockWithPress(firstKeyEnd + 14 * DAY_S - 300)
        await clock.sleep(90_000)
        const heldBefore = await exportedKeyDays()
        expect(heldBefore).toContain(firstDay)
        await setClockWithPress(firstKeyEnd + 14 * DAY_S + 120)
        await clock.sleep(90_000)
        const heldAfter = await exportedKeyDays()
        expect(heldAfter).not.toContain(firstDay)
        expect(heldAfter).toContain(firstKeyEnd + 14 * DAY_S) // today's key, made at the jump
    })

    /** Days (Unix seconds at 00:00 UTC) of the keys the token holds, read by a confirmed export. */
    async function exportedKeyDays(): Promise<number[]> {
        const keys = await exportKeysWithButton(clock, vm, sync)
        return keys.map(k => Math.floor((k.rollingStartIntervalNumber * 600) / DAY_S) * DAY_S)
    }
})
