// What the owner sees on the token's one LED (src/status/status-light.ts), judged from the colours
// the firmware sets and when, in the token's own time (sim/token/token-hardware.ts reports them):
// a double yellow blink while the time is not set, a green wink every 10 s while active, a fast
// blue blink while a request waits for the button (and no longer once the 30-second window has
// passed), dark once stopped.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm, type StatusLightChange } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { Cleanup } from "../helpers/cleanup.js"
import { OWNER_PRESS_SCALE } from "../helpers/owner.js"
import { waitUntil } from "../helpers/wait.js"

const YELLOW = 0xa08000
const GREEN = 0x00a000
const BLUE = 0x0040ff
const OFF = 0

/** One step the owner sees: a colour held for `ms` (consecutive settings of one colour merged). */
interface Step {
    color: number
    ms: number
}

/** The steps shown from `fromMs` on (token time); the last setting, still showing, has no length yet. */
function stepsSince(changes: StatusLightChange[], fromMs: number): Step[] {
    const shown = changes.filter(c => c.atMs >= fromMs)
    const steps: Step[] = []
    for (let i = 0; i + 1 < shown.length; i++) {
        const ms = shown[i + 1].atMs - shown[i].atMs
        const last = steps[steps.length - 1]
        if (last && last.color === shown[i].color) last.ms += ms
        else steps.push({ color: shown[i].color, ms })
    }
    return steps
}

/** The firmware's sleeps resolve to the simulator's 100 ms tick, and setting the LED takes a
 *  bus round trip: a step may last up to this much longer than the pattern says (token time). */
const SLACK_MS = 250

/** Whether `steps` contains `pattern` (colours exact, lengths within the slack) one after the other. */
function showsPattern(steps: Step[], pattern: Step[]): boolean {
    const fits = (s: Step, p: Step) => s.color === p.color && s.ms >= p.ms - 50 && s.ms <= p.ms + SLACK_MS
    for (let at = 0; at + pattern.length <= steps.length; at++) if (pattern.every((p, i) => fits(steps[at + i], p))) return true
    return false
}

/** The light shows a new state within half a second (src/status/status-light.ts), plus one tick. */
const REACTS_WITHIN_MS = 600

/** The owner's 30-second window for the press (src/sync/presence.ts), and how long after it the
 *  sync server looks whether it is over (src/sync/sync-server.ts). */
const WINDOW_MS = 30_000
const WINDOW_END_CHECK_MS = 100

const describeSteps = (steps: Step[]) => steps.map(s => `${s.color.toString(16)}:${s.ms}`).join(" ")

describe("the status light", () => {
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 8, 10), 20)
    const cleanup = new Cleanup()
    let vm: TokenVm
    let sync: TokenSyncClient

    beforeAll(async () => {
        vm = cleanup.add(await TokenVm.start({ clock }), v => v.stop())
        sync = await TokenSyncClient.find(vm.bus)
    })
    afterAll(() => cleanup.run())

    /** Lets the token run for `ms` of its time and returns what its light showed meanwhile. */
    async function watch(ms: number): Promise<Step[]> {
        const from = clock.now()
        await clock.sleep(ms)
        return stepsSince(vm.light, from)
    }

    test("time not set: yellow, twice quickly, then a pause", async () => {
        const steps = await watch(10_000)
        expect(
            steps.every(s => s.color === YELLOW || s.color === OFF),
            describeSteps(steps)
        ).toBe(true)
        const doubleBlink = [
            { color: YELLOW, ms: 150 },
            { color: OFF, ms: 200 },
            { color: YELLOW, ms: 150 },
            { color: OFF, ms: 2500 },
        ]
        expect(showsPattern(steps, doubleBlink), describeSteps(steps)).toBe(true)
    })

    test("active: a short green wink every 10 seconds", async () => {
        await setTokenClock(clock, sync)
        // The token never runs ahead of the simulation: it took the time before this moment.
        const setBy = clock.now()
        const steps = await watch(35_000)
        const lateYellow = vm.light.filter(c => c.color === YELLOW && c.atMs > setBy + REACTS_WITHIN_MS)
        expect(lateYellow, "the yellow blinking goes on after the time was set").toEqual([])
        expect(
            steps.every(s => s.color === GREEN || s.color === OFF),
            describeSteps(steps)
        ).toBe(true)
        const wink = [
            { color: GREEN, ms: 100 },
            { color: OFF, ms: 9900 },
        ]
        expect(showsPattern(steps, [...wink, ...wink]), describeSteps(steps)).toBe(true)
    })

    test("waiting for the button: blue blinks fast, and stop when the 30-second window ends", async () => {
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        // Ask just after a green wink, at the start of its 10-second dark pause (the light must not wait it out).
        const seen = vm.light.length
        const pauseBegun = () => {
            const last = vm.light.length - 1
            return last > seen && vm.light[last].color === OFF && vm.light[last - 1].color === GREEN
        }
        expect(await waitUntil(pauseBegun, 60_000)).toBe(true)
        // The token's time at the request lies between these two (it never runs ahead of the
        // simulation's clock, and its time only moves forward).
        const askedFrom = clock.settledNow()
        expect(await sync.requestKeyExport()).toBe(true)
        const askedBy = clock.now()
        const blinking = await watch(3_000)
        // Blue at once, even from the long dark pause of the running wink.
        const firstBlue = vm.light.find(c => c.color === BLUE && c.atMs >= askedFrom)
        expect(firstBlue, `no blue light within 3 s of the request: ${describeSteps(blinking)}`).toBeDefined()
        expect(firstBlue!.atMs, `blue only ${firstBlue!.atMs - askedBy} ms after the request`).toBeLessThanOrEqual(askedBy + REACTS_WITHIN_MS)
        const fastBlue = [
            { color: BLUE, ms: 250 },
            { color: OFF, ms: 250 },
            { color: BLUE, ms: 250 },
            { color: OFF, ms: 250 },
        ]
        expect(showsPattern(blinking, fastBlue), describeSteps(blinking)).toBe(true)

        clock.setScale(20)
        await clock.sleep(45_000)
        // The window is 30 s from the request (src/sync/presence.ts): blue blinking all of it
        // (a blink every 0.5 s), and none after it.
        const blueAt = vm.light.filter(c => c.atMs >= askedFrom && c.color === BLUE).map(c => c.atMs)
        const lastBlue = blueAt[blueAt.length - 1]
        expect(lastBlue, "the blue blinking stopped before the 30-second window ended").toBeGreaterThanOrEqual(askedFrom + WINDOW_MS - 500 - SLACK_MS)
        const firstGreen = vm.light.find(c => c.atMs > lastBlue && c.color === GREEN)
        expect(firstGreen, "no green wink after the window").toBeDefined()
        expect(firstGreen!.atMs, "the blue blinking went on after the 30-second window").toBeLessThanOrEqual(
            askedBy + WINDOW_MS + WINDOW_END_CHECK_MS + REACTS_WITHIN_MS
        )
        const after = stepsSince(vm.light, lastBlue + 1)
        expect(
            after.every(s => s.color === GREEN || s.color === OFF),
            describeSteps(after)
        ).toBe(true)
    })

    test("stopped (decommissioned): dark within half a second of the press", async () => {
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        // A request only opens once no other window is open (one left by a failed test above).
        expect(await waitUntil(() => sync.requestDecommission(), 60_000)).toBe(true)
        await vm.pressButton(clock)
        // The press (its button going down) was at the token's time before this.
        const pressed = clock.now()
        clock.setScale(20)
        expect(await waitUntil(async () => (await sync.status()).state === "stopped", 60_000)).toBe(true)
        await clock.sleep(30_000)
        // Dark from the press on. (The simulated flash erases in no token time, so a light left
        // running until the wipe ends shows only on a board: test/firmware/status-light.test.ts
        // checks the light is already dark when the wipe's first erase begins.)
        const lit = vm.light.filter(c => c.atMs > pressed + REACTS_WITHIN_MS && c.color !== OFF)
        expect(lit, "the light still shows something after the token was stopped").toEqual([])
        // Dark steps keep coming (one per 5 s): the light's loop still runs, it is not stuck.
        expect(vm.light.filter(c => c.atMs >= pressed + REACTS_WITHIN_MS).length).toBeGreaterThanOrEqual(4)
    })
})
