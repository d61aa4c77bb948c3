// The token's own keys and the beacon: every key that goes on air is in the key store (so a later
// export hands it out), and nothing goes back on air once the token is stopped.
// Hardware boundary: the radio is a small fake here (it records what it was told); keys live in the
// key store on the RAM NOR flash.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { Beacon } from "../../src/beacon/beacon"
import { DailyKeys, TEK_ROLLING_PERIOD, TemporaryExposureKey, deriveRpik } from "../../src/gaen"
import { Radio, ScanBatch } from "../../src/hardware/radio"
import { ExposureKeys } from "../../src/keys/exposure-keys"
import { KeyStore } from "../../src/storage/key-store"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { WallClock } from "../../src/time/wall-clock"

/** 2024-03-01T00:00Z as an ENIntervalNumber: the first interval of a UTC day. */
const DAY = 2848608

async function keyStore() {
    return await KeyStore.open(new RamNorFlash({ sectorSize: 4096, sectorCount: 2 }), { firstSector: 0, sectorCount: 2 })
}

/** The RPI key of a TEK: what identifies a key on air. */
function rpikOf(tek: Buffer) {
    return deriveRpik(tek).toString("hex")
}

/** RPI keys of a list of TEKs (yielding between HKDFs: each is a lot of VM work). */
async function rpiksOf(teks: Buffer[]) {
    const out: string[] = []
    for (const tek of teks) {
        out.push(rpikOf(tek))
        await ds.sleep(0)
    }
    return out
}

/** Asks for the key of `enin`, as the beacon does; records what would go on air. Checks that the
 *  store holds it at that moment. */
async function onAir(keys: ExposureKeys, store: KeyStore, enin: number, aired: string[]) {
    const daily: DailyKeys = await keys.forInterval(enin)
    if (!daily) return false
    const rpik = daily.rpik.toString("hex")
    if ((await rpiksOf(store.keys().map(k => k.tek))).indexOf(rpik) < 0) throw new Error(`interval ${enin}: a key on air is not in the key store`)
    if (aired.indexOf(rpik) < 0) aired.push(rpik)
    return true
}

/** Every key that was on air is in this export. */
async function exportCovers(exported: TemporaryExposureKey[], aired: string[]) {
    const out = await rpiksOf(exported.map(k => k.keyData))
    return aired.every(r => out.indexOf(r) >= 0)
}

/** Rolling starts are unique in an export (servers key TEKs by day and start). */
function startsUnique(exported: TemporaryExposureKey[]) {
    const starts = exported.map(k => k.rollingStartIntervalNumber)
    return starts.every((s, i) => starts.indexOf(s) === i)
}

/** Fake radio (hardware boundary). `gate` holds the named call until `open()`. */
class GatedRadio implements Radio {
    advertising = false
    advertisedAfterStop = 0
    calls: string[] = []
    gate = ""
    private waiting: ds.Fiber = undefined
    stopped = false

    private async pass(name: string) {
        this.calls.push(name)
        if (this.gate !== name) return
        this.waiting = ds.Fiber.self()
        await ds.suspend()
    }
    isHeld() {
        return this.waiting !== undefined
    }
    open() {
        this.gate = ""
        const f = this.waiting
        this.waiting = undefined
        if (f) f.resume(undefined)
    }
    async txPower() {
        await this.pass("txPower")
        return -8
    }
    async advertise(address: Buffer, payload: Buffer) {
        await this.pass("advertise")
        this.advertising = true
        if (this.stopped) this.advertisedAfterStop++
    }
    async stopAdvertising() {
        await this.pass("stopAdvertising")
        this.advertising = false
    }
    async scan(durationMs: number): Promise<ScanBatch> {
        await ds.sleep(durationMs)
        return []
    }
}

async function until(what: string, condition: () => boolean) {
    for (let guard = 0; !condition(); ++guard) {
        if (guard > 3000) throw new Error(`timed out waiting for ${what}`)
        await ds.sleep(10)
    }
}

/** Stops the beacon while its rotation is held in `gate`, then lets the rotation go on. */
async function stopDuringRotation(gate: string) {
    const radio = new GatedRadio()
    radio.gate = gate
    const clock = new WallClock()
    clock.set(DAY * 600 + 3600)
    const store = await keyStore()
    const beacon = new Beacon(radio, clock, new ExposureKeys(store))
    let finished = false
    ;(async () => {
        await beacon.run()
        finished = true
    }).start()
    await until(`the rotation to reach ${gate}`, () => radio.isHeld())
    // stop() takes the radio off air at once (its own stopAdvertising is not held), then the held
    // call of the rotation returns.
    await beacon.stop()
    radio.stopped = true
    radio.open()
    await until("the beacon to end", () => finished)
    return radio
}

describe("exposure keys", () => {
    test("two exports in one 10-minute interval: every key that was on air stays in the store", async () => {
        const store = await keyStore()
        const keys = new ExposureKeys(store)
        const aired: string[] = []
        const enin = DAY + 50
        expect(await onAir(keys, store, enin, aired)).toBe(true)
        const first = await keys.releaseForExport(enin)
        expect(await onAir(keys, store, enin, aired)).toBe(true) // the successor, from this interval
        const second = await keys.releaseForExport(enin)
        expect(await exportCovers(second, aired)).toBe(true)
        // The rest of this interval: off air rather than an unstored key.
        expect(await onAir(keys, store, enin, aired)).toBe(false)
        expect(await onAir(keys, store, enin + 1, aired)).toBe(true)
        expect(await onAir(keys, store, enin + 60, aired)).toBe(true)
        const third = await keys.releaseForExport(enin + 70)
        expect(await exportCovers(third, aired)).toBe(true)
        expect(startsUnique(third)).toBe(true)
        expect(first.length).toBe(1)
        expect(aired.length).toBe(3)
    })

    test("the first export of a UTC day, at 00:0x: the key on air stays in the store", async () => {
        const store = await keyStore()
        const keys = new ExposureKeys(store)
        const aired: string[] = []
        expect(await onAir(keys, store, DAY, aired)).toBe(true)
        const atMidnight = await keys.releaseForExport(DAY)
        expect(atMidnight.length).toBe(1)
        expect(atMidnight[0].rollingPeriod).toBe(1)
        expect(await onAir(keys, store, DAY, aired)).toBe(false)
        for (let enin = DAY + 1; enin < DAY + TEK_ROLLING_PERIOD; enin += 13) expect(await onAir(keys, store, enin, aired)).toBe(true)
        const later = await keys.releaseForExport(DAY + 100)
        expect(await exportCovers(later, aired)).toBe(true)
        expect(startsUnique(later)).toBe(true)
        expect(aired.length).toBe(2)
    })

    test("a rotation in flight when the token stops (radio's TX power pending) goes nowhere", async () => {
        const radio = await stopDuringRotation("txPower")
        expect(radio.calls.indexOf("advertise")).toBe(-1)
        expect(radio.advertising).toBe(false)
    })

    test("a rotation in flight when the token stops (advertise pending) is taken off air again", async () => {
        const radio = await stopDuringRotation("advertise")
        expect(radio.advertisedAfterStop).toBe(1)
        expect(radio.advertising).toBe(false)
    })
})
