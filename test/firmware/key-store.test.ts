// Own Temporary Exposure Keys: kept 14 days, power-safe, really erased when expired, on a RAM flash
// that enforces the encrypted-flash rules (whole rows, each programmed once per erase).
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { RamNorFlash, POWER_CUT_MESSAGE } from "../../src/storage/ram-flash"
import { KeyStore, StoredKey, keyExpiresAt } from "../../src/storage/key-store"
import { DEFAULT_ROLLING_PERIOD, keyRowsPerSector } from "../../src/storage/layout"
import { Rng } from "./helpers/fixtures"
import { expectRejectionMentioning } from "./expect-error"

const SECTOR = 512
const REGION = { firstSector: 1, sectorCount: 2 }
/** 2024-03-01 as an ENIntervalNumber (Unix time / 600 s). */
const DAY0 = 2848608

function keyFlash(damageSeed?: number) {
    return new RamNorFlash({ sectorSize: SECTOR, sectorCount: 3, damageSeed })
}

/** The TEK of the key starting at `rollingStart` in these tests: derived from it, so damage shows. */
function tekFor(rollingStart: number) {
    const b = Buffer.alloc(16)
    for (let i = 0; i < 16; ++i) b[i] = (rollingStart * 13 + i * 41 + 7) & 0xff
    return b
}

function dayStart(day: number) {
    return DAY0 + day * DEFAULT_ROLLING_PERIOD
}

function startsOf(keys: StoredKey[]) {
    return keys.map(k => (k.rollingStart - DAY0) / DEFAULT_ROLLING_PERIOD).join(",")
}

/** True if the 16 bytes of `tek` appear anywhere in the flash's raw content (privacy check after
 *  expiry; the RAM flash holds plaintext, so this is a dump decrypted with the chip's key). */
async function tekInFlash(flash: RamNorFlash, tek: Buffer) {
    const all = await flash.readRaw(0, 3 * SECTOR)
    for (let i = 0; i + 16 <= all.length; ++i) {
        let k = 0
        while (k < 16 && all[i + k] === tek[k]) k++
        if (k === 16) return true
    }
    return false
}

describe("key store", () => {
    test("keys survive a reboot byte for byte, oldest first", async () => {
        const flash = keyFlash()
        let store = await KeyStore.open(flash, REGION)
        for (const day of [2, 0, 1]) expect(await store.add(tekFor(dayStart(day)), dayStart(day))).toBe(true)
        expect(await store.add(tekFor(99), dayStart(1))).toBe(false) // same day again: kept as it was
        store = await KeyStore.open(flash, REGION)
        const keys = store.keys()
        expect(startsOf(keys)).toBe("0,1,2")
        for (const k of keys) {
            expect(k.tek.toString("hex")).toBe(tekFor(k.rollingStart).toString("hex"))
            expect(k.rollingPeriod).toBe(DEFAULT_ROLLING_PERIOD)
            expect(k.released).toBe(false)
        }
    })

    test("the released mark is kept across reboots", async () => {
        const flash = keyFlash()
        let store = await KeyStore.open(flash, REGION)
        await store.add(tekFor(dayStart(0)), dayStart(0))
        await store.add(tekFor(dayStart(1)), dayStart(1))
        expect(await store.markReleased(dayStart(1))).toBe(true)
        expect(await store.markReleased(dayStart(7))).toBe(false)
        store = await KeyStore.open(flash, REGION)
        expect(
            store
                .keys()
                .map(k => k.released)
                .join(",")
        ).toBe("false,true")
        // A release is a row of its own; a compaction folds it into the key's row.
        await store.markReleased(dayStart(0), 30)
        await store.expire(dayStart(0) * 10 + 30 * 10 + 14 * 24 * 60)
        store = await KeyStore.open(flash, REGION)
        expect(
            store
                .keys()
                .map(k => k.released)
                .join(",")
        ).toBe("true")
        expect(startsOf(store.keys())).toBe("1")
        expect(flash.stats.refused).toBe(0)
    })

    test("a release with no journal row left is kept by a compaction", async () => {
        const flash = keyFlash()
        let store = await KeyStore.open(flash, REGION)
        for (let i = 0; i < keyRowsPerSector(SECTOR); ++i) await store.add(tekFor(DAY0 + i), DAY0 + i)
        expect(await store.markReleased(DAY0 + 3, 5)).toBe(true)
        store = await KeyStore.open(flash, REGION)
        const k = store.keys()[3]
        expect(k.released).toBe(true)
        expect(k.rollingPeriod).toBe(5)
        expect(store.keys().filter(x => x.released).length).toBe(1)
        expect(flash.stats.refused).toBe(0)
    })

    test("a key expires exactly 14 days after its last interval, and its bytes leave flash", async () => {
        const flash = keyFlash()
        let store = await KeyStore.open(flash, REGION)
        for (let day = 0; day < 3; ++day) await store.add(tekFor(dayStart(day)), dayStart(day))
        const first = store.keys()[0]
        const at = keyExpiresAt(first) // minutes
        expect(at).toBe(dayStart(1) * 10 + 14 * 24 * 60)
        expect(await store.expire(at - 1)).toBe(0)
        expect(await tekInFlash(flash, first.tek)).toBe(true)
        expect(await store.expire(at)).toBe(1)
        expect(startsOf(store.keys())).toBe("1,2")
        expect(await tekInFlash(flash, first.tek)).toBe(false)
        store = await KeyStore.open(flash, REGION)
        expect(startsOf(store.keys())).toBe("1,2")
    })

    test("daily keys for 60 days never fill it (sector of 15 entries) and keep 15 days of keys", async () => {
        const flash = keyFlash()
        let store = await KeyStore.open(flash, REGION)
        const perSector = keyRowsPerSector(SECTOR)
        expect(perSector).toBe(15)
        for (let day = 0; day < 60; ++day) {
            await store.expire(dayStart(day) * 10)
            await store.add(tekFor(dayStart(day)), dayStart(day))
            if (day % 7 === 6) store = await KeyStore.open(flash, REGION)
        }
        // Keys of days 45..59: the key of day 45 ended at day 46, 14 days before day 60 began.
        expect(startsOf(store.keys())).toBe("45,46,47,48,49,50,51,52,53,54,55,56,57,58,59")
    })

    test("it refuses a key rather than drop a live one when full", async () => {
        const store = await KeyStore.open(keyFlash(), REGION)
        for (let i = 0; i < keyRowsPerSector(SECTOR); ++i) await store.add(tekFor(i), DAY0 + i)
        await expectRejectionMentioning(async () => {
            await store.add(tekFor(999), DAY0 + 999)
        }, "full")
        expect(store.keys().length).toBe(keyRowsPerSector(SECTOR))
    })

    test("200 random power cuts: committed keys and marks survive, nothing corrupted", async () => {
        const rng = new Rng(7)
        const flash = keyFlash(rng.int(0x7fffffff))
        let store = await KeyStore.open(flash, REGION)
        let day = 0
        let added = -1 // last day whose add() returned
        const committed = Buffer.alloc(64) // by day % 64: 1 when that day's add() returned
        let expiredAt = -1 // largest `now` an expire() started with
        let released = -1 // last day whose markReleased() returned
        let inFlightMark = -1
        // By day % 64: 1 when a mark of that day's key was cut part-way (its mark byte then reads
        // released, as designed, in every later trial too).
        const markCut = Buffer.alloc(64)
        let cuts = 0
        for (let trial = 0; trial < 200; ++trial) {
            flash.armPowerCut(rng.int(SECTOR + 100))
            inFlightMark = -1
            for (let step = 0; step < 50 && !flash.isPowerOff(); ++step) {
                try {
                    const now = dayStart(day) * 10
                    const what = rng.int(3)
                    if (what === 0) {
                        expiredAt = now
                        await store.expire(now)
                    } else if (what === 1 && added >= 0) {
                        inFlightMark = added
                        await store.markReleased(dayStart(added))
                        released = added
                        inFlightMark = -1
                    } else {
                        // A new day: the firmware drops expired keys, then stores the new one.
                        const today = day++
                        committed[today % 64] = 0
                        markCut[today % 64] = 0
                        expiredAt = now
                        await store.expire(now)
                        await store.add(tekFor(dayStart(today)), dayStart(today))
                        added = today
                        committed[today % 64] = 1
                    }
                } catch (e) {
                    if ((e as Error).message !== POWER_CUT_MESSAGE) throw e
                    cuts++
                    if (inFlightMark >= 0) markCut[inFlightMark % 64] = 1
                }
            }
            flash.reboot()
            store = await KeyStore.open(flash, REGION)
            const keys = store.keys()
            for (const k of keys) {
                const d = (k.rollingStart - DAY0) / DEFAULT_ROLLING_PERIOD
                if (k.tek.toString("hex") !== tekFor(k.rollingStart).toString("hex") || d > day)
                    throw new Error(`trial ${trial}: a key that was never added came back (day ${d})`)
                if (k.released && d !== released && !markCut[d % 64] && d > released)
                    throw new Error(`trial ${trial}: key of day ${d} released without being marked`)
            }
            // Every committed key not yet expirable is there; the last committed release too.
            for (let d = Math.max(0, day - 30); d < day; ++d) {
                if (!committed[d % 64]) continue
                const start = dayStart(d)
                const live = (start + DEFAULT_ROLLING_PERIOD) * 10 + 14 * 24 * 60 > expiredAt
                let k: StoredKey = undefined
                for (const candidate of keys) if (candidate.rollingStart === start) k = candidate
                if (live && !k) throw new Error(`trial ${trial}: committed key of day ${d} lost`)
                if (k && d === released && !k.released) throw new Error(`trial ${trial}: release mark of day ${d} lost`)
            }
            await ds.sleep(0)
        }
        console.log(`key store: ${cuts} power cuts, ${day} keys added`)
        expect(cuts > 150).toBe(true)
        expect(flash.stats.refused).toBe(0)
    })

    test("wipe erases both sectors and proves it", async () => {
        const flash = keyFlash()
        const store = await KeyStore.open(flash, REGION)
        for (let day = 0; day < 5; ++day) await store.add(tekFor(dayStart(day)), dayStart(day))
        const report = await store.wipe()
        expect(report.sectorsErased).toBe(2)
        expect(report.bytesChecked).toBe(2 * SECTOR)
        expect(report.bytesNotErased).toBe(0)
        expect(store.keys().length).toBe(0)
        expect((await KeyStore.open(flash, REGION)).keys().length).toBe(0)
    })
})
