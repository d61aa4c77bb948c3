// The beacon over two accelerated midnights: every advertisement the token sent is reproduced by the
// host library from the token's own keys (exported at the end with the owner's button), the key
// rolls at 00:00 UTC, the address and RPI change together every 10–20 minutes, and no RPI is on air
// longer than 20 minutes.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { DEFAULT_RADIO, TokenVm } from "../../sim/harness/token-vm.js"
import { TokenSyncClient, type ExportedKey } from "../../lib/token-sync/sync-client.js"
import { enIntervalNumber, identifiersFor, deriveDailyKeys, parseAdvertisement, rpisForKey } from "../../lib/gaen/index.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { exportKeysWithButton } from "../helpers/owner.js"
import { hex } from "../helpers/bytes.js"

const MIN = 60_000
const DAY_MS = 86_400_000

describe("beacon over several days", () => {
    const start = Date.UTC(2026, 5, 1, 22, 0) // 22:00 UTC: midnights at +2 h and +26 h
    const hours = 28
    const clock = SimClock.startingAt(start, 2000)
    let vm: TokenVm
    let keys: ExportedKey[]
    let aired: TokenVm["aired"]

    beforeAll(async () => {
        vm = await TokenVm.start({ clock })
        const sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync)
        await clock.sleep(hours * 60 * MIN)
        aired = vm.aired.slice()
        keys = await exportKeysWithButton(clock, vm, sync)
    }, 240_000)
    afterAll(async () => {
        await vm?.stop()
    })

    test("one key per UTC day, starting at 00:00", () => {
        const days = keys.map(k => k.rollingStartIntervalNumber)
        expect(days.every(d => d % 144 === 0)).toBe(true)
        expect(days).toEqual([0, 1, 2].map(i => Math.floor(start / DAY_MS) * 144 + i * 144))
        expect(keys.slice(0, 2).every(k => k.rollingPeriod === 144)).toBe(true)
    })

    test("every advertisement is reproduced from the token's own key of that day", () => {
        expect(aired.length).toBeGreaterThanOrEqual((hours * 60) / 20)
        const byRpi = new Map<string, { key: ExportedKey; interval: number }>()
        for (const key of keys)
            for (const r of rpisForKey(key.keyData, key.rollingStartIntervalNumber, 144)) byRpi.set(hex(r.rpi), { key, interval: r.intervalNumber })
        for (const ad of aired) {
            const { rpi } = parseAdvertisement(ad.payload)
            const found = byRpi.get(hex(rpi))
            expect(found, `RPI on air at ${new Date(ad.atMs).toISOString()}`).toBeDefined()
            // The interval it went on air in (the kiosk set the clock to the second).
            const near = [-2000, 0, 2000].map(d => enIntervalNumber(Math.floor((ad.atMs + d) / 1000)))
            expect(near).toContain(found!.interval)
            const again = identifiersFor(deriveDailyKeys(found!.key.keyData), found!.interval, DEFAULT_RADIO.txPower)
            expect(hex(ad.payload)).toBe(hex(again.payload))
        }
    })

    test("address and RPI change together, every 10–20 minutes, and at midnight", () => {
        expect(new Set(aired.map(a => hex(a.address))).size).toBe(aired.length)
        expect(new Set(aired.map(a => hex(parseAdvertisement(a.payload).rpi))).size).toBe(aired.length)
        for (let i = 1; i < aired.length; i++) {
            const gap = aired[i].atMs - aired[i - 1].atMs
            expect(gap, `rotation at ${new Date(aired[i].atMs).toISOString()}`).toBeLessThan(20 * MIN)
            const atMidnight = aired[i].atMs % DAY_MS < 10_000
            if (!atMidnight) expect(gap).toBeGreaterThanOrEqual(10 * MIN - 10_000)
        }
        for (const midnight of [start + 2 * 3_600_000, start + 26 * 3_600_000])
            expect(aired.some(a => a.atMs >= midnight && a.atMs < midnight + 10_000)).toBe(true)
    })
})
