// The radio channel on its own (no token processes): who hears what, when, how strongly.
import { describe, expect, test } from "vitest"
import { DEFAULT_CHANNEL, type ChannelModel } from "../../sim/world/constants.js"
import { meanRssiDbm } from "../../sim/world/path-loss.js"
import { RadioChannel } from "../../sim/world/radio-channel.js"
import { Track, type Position } from "../../sim/world/track.js"

const T0 = Date.UTC(2026, 3, 1, 9)
const INTERVAL = 250
const TX = -8
const noFadeNoLoss: ChannelModel = { ...DEFAULT_CHANNEL, fadingSigmaDb: 0, baseLossProbability: 0 }

function channel(tracks: Record<string, Track>, model: ChannelModel = noFadeNoLoss, seed = 1) {
    return new RadioChannel({
        positionOf: (id, atMs) => tracks[id].positionAt(atMs - T0),
        txPowerDbm: TX,
        advertisingIntervalMs: INTERVAL,
        model,
        seed,
    })
}
const still = (p: Position | null) => new Track([{ atMs: 0, position: p }])
const ad = (n: number) => ({ address: new Uint8Array([n, 1, 2, 3, 4, 5]), payload: new Uint8Array(31).fill(n) })

describe("radio channel", () => {
    test("a scanner hears, once per advertising event, only what is on air during its window", () => {
        const c = channel({ a: still({ x: 0, y: 0 }), b: still({ x: 1, y: 0 }) })
        c.advertisingChanged("a", ad(1), T0)
        expect(c.scan("b", T0 - 10_000, T0)).toEqual([]) // before it went on air
        const heard = c.scan("b", T0 + 10_000, T0 + 14_000)
        expect(heard).toHaveLength(1)
        expect(heard[0].address).toEqual(ad(1).address)
        expect(heard[0].packets).toBe(4000 / INTERVAL)
        expect(heard[0].rssi).toBe(Math.round(meanRssiDbm(TX, 1)))
        expect(c.scan("a", T0 + 10_000, T0 + 14_000)).toEqual([]) // not itself
        // Stopped half-way through a window: half the packets.
        c.advertisingChanged("a", null, T0 + 22_000)
        expect(c.scan("b", T0 + 20_000, T0 + 24_000)[0].packets).toBe(2000 / INTERVAL)
        expect(c.scan("b", T0 + 30_000, T0 + 34_000)).toEqual([])
    })

    test("a rotation mid-window is heard as two addresses; receptions are recorded on the transmission", () => {
        const c = channel({ a: still({ x: 0, y: 0 }), b: still({ x: 2, y: 0 }) })
        c.advertisingChanged("a", ad(1), T0)
        c.advertisingChanged("a", ad(2), T0 + 2000)
        const heard = c.scan("b", T0, T0 + 4000)
        expect(heard.map(h => h.address[0]).sort()).toEqual([1, 2])
        expect(heard.map(h => h.packets)).toEqual([8, 8])
        expect(c.transmissions.map(t => t.receptions.length)).toEqual([1, 1])
        expect(c.transmissions[0].receptions[0]).toMatchObject({ token: "b", windowFromMs: T0, packets: 8 })
    })

    test("the scanner reports the mean RSSI of the packets it heard in the window", () => {
        // b walks from 10 m to 1 m during the window: the mean lies between the far and the near packets.
        const walker = new Track([
            { atMs: 0, position: { x: 10, y: 0 } },
            { atMs: 4000, position: { x: 1, y: 0 } },
        ])
        const c = channel({ a: still({ x: 0, y: 0 }), b: walker })
        c.advertisingChanged("a", ad(1), T0)
        const [h] = c.scan("b", T0, T0 + 4000)
        const times = Array.from({ length: 16 }, (_, i) => i * 250)
        const expected = times.reduce((sum, t) => sum + meanRssiDbm(TX, 10 - 9 * (t / 4000)), 0) / times.length
        expect(h.rssi).toBe(Math.round(expected))
        // With fading, the mean of 16 packets stays close to the model's mean (σ/4 for 16 packets).
        const faded = channel({ a: still({ x: 0, y: 0 }), b: still({ x: 1, y: 0 }) }, { ...DEFAULT_CHANNEL, baseLossProbability: 0 })
        faded.advertisingChanged("a", ad(1), T0)
        const mean = faded.scan("b", T0, T0 + 4000)[0].rssi
        expect(Math.abs(mean - meanRssiDbm(TX, 1))).toBeLessThanOrEqual(DEFAULT_CHANNEL.fadingSigmaDb + 1)
    })

    test("packet loss is applied at its probability, and is the same whatever the order of scans", () => {
        const tracks = { a: still({ x: 0, y: 0 }), b: still({ x: 1, y: 0 }), c: still({ x: 0, y: 1 }) }
        const lossy = { ...noFadeNoLoss, baseLossProbability: 0.5 }
        const c1 = channel(tracks, lossy)
        c1.advertisingChanged("a", ad(1), T0)
        let heard = 0
        const windows = 200
        for (let i = 0; i < windows; i++) heard += c1.scan("b", T0 + i * 4000, T0 + (i + 1) * 4000)[0]?.packets ?? 0
        const total = windows * 16
        expect(heard / total).toBeGreaterThan(0.45)
        expect(heard / total).toBeLessThan(0.55)
        // Order independence: scanning c first changes nothing for b.
        const c2 = channel(tracks, lossy)
        c2.advertisingChanged("a", ad(1), T0)
        c2.scan("c", T0, T0 + 4000)
        expect(c2.scan("b", T0, T0 + 4000)).toEqual(
            c1.transmissions[0].receptions[0] && [
                expect.objectContaining({ packets: c1.transmissions[0].receptions[0].packets, rssi: c1.transmissions[0].receptions[0].rssi }),
            ]
        )
        // Certain loss: nothing at all.
        const deaf = channel(tracks, { ...noFadeNoLoss, baseLossProbability: 1 })
        deaf.advertisingChanged("a", ad(1), T0)
        expect(deaf.scan("b", T0, T0 + 4000)).toEqual([])
    })

    test("more advertisers in range collide more", () => {
        const tracks: Record<string, Track> = { rx: still({ x: 0, y: 0 }) }
        for (let i = 0; i < 40; i++) tracks[`t${i}`] = still({ x: 1, y: i * 0.1 })
        const c = channel(tracks)
        for (let i = 0; i < 40; i++) c.advertisingChanged(`t${i}`, ad(i), T0 + i)
        const crowded = c.scan("rx", T0 + 1000, T0 + 101_000).reduce((n, h) => n + h.packets, 0)
        const perSender = crowded / 40
        // 39 interferers: 1 − exp(−2 · 0.376 ms · 39 / 250 ms) ≈ 11 % lost
        expect(perSender / 400).toBeGreaterThan(0.84)
        expect(perSender / 400).toBeLessThan(0.93)
    })

    test("too far or away: nothing is heard (receiver sensitivity)", () => {
        const c = channel({ a: still({ x: 0, y: 0 }), far: still({ x: 5000, y: 0 }), gone: still(null) })
        c.advertisingChanged("a", ad(1), T0)
        expect(c.scan("far", T0, T0 + 4000)).toEqual([])
        expect(c.scan("gone", T0, T0 + 4000)).toEqual([])
    })
})

describe("tracks", () => {
    test("walk in straight lines between waypoints, step for away, repeat daily", () => {
        const t = new Track([
            { atMs: 0, position: { x: 0, y: 0 } },
            { atMs: 1000, position: { x: 10, y: 0 } },
            { atMs: 2000, position: null },
        ])
        expect(t.positionAt(500)).toEqual({ x: 5, y: 0 })
        expect(t.positionAt(1500)).toEqual({ x: 10, y: 0 }) // towards "away": stays, then leaves
        expect(t.positionAt(2500)).toBeNull()
        const day = 86_400_000
        const r = new Track(
            [
                { atMs: 0, position: { x: 0, y: 0 } },
                { atMs: day / 2, position: { x: 100, y: 0 } },
            ],
            day
        )
        expect(r.positionAt(3 * day + day / 4)).toEqual({ x: 50, y: 0 })
        expect(r.positionAt(3 * day + (3 * day) / 4)).toEqual({ x: 50, y: 0 }) // walking back to the start
    })

    test("a live move is a jump from then on", () => {
        const t = new Track([
            { atMs: 0, position: { x: 0, y: 0 } },
            { atMs: 10_000, position: { x: 10, y: 0 } },
        ])
        t.moveTo(5000, { x: 0, y: 50 })
        expect(t.positionAt(2500)).toEqual({ x: 2.5, y: 0 })
        expect(t.positionAt(5000)).toEqual({ x: 0, y: 50 })
        expect(t.positionAt(20_000)).toEqual({ x: 0, y: 50 })
        t.moveTo(30_000, null)
        expect(t.positionAt(30_001)).toBeNull()
    })

    test("a kiosk's radio at a place hears what is in range, by the same model, and records nothing", () => {
        const c = channel({ near: still({ x: 2, y: 0 }), far: still({ x: 150, y: 0 }) })
        const near = c.advertisingChanged("near", ad(1), T0, true)!
        const far = c.advertisingChanged("far", ad(2), T0, true)!
        const heard = c.listen("kiosk", { x: 0, y: 0 }, T0 + 10_000, T0 + 11_000, [near, far])
        expect(heard.map(h => h.from)).toEqual(["near"])
        expect(heard[0].packets).toBe(1000 / INTERVAL)
        expect(heard[0].rssi).toBe(Math.round(meanRssiDbm(TX, 2)))
        expect(near.receptions).toEqual([])
        expect(c.inRange("near", { x: 0, y: 0 }, T0)).toBe(true)
        expect(c.inRange("far", { x: 0, y: 0 }, T0)).toBe(false)
    })
})
