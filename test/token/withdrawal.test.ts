// The owner's withdrawal on a whole simulated token, with the gesture's real times (src/sync/
// withdrawal.ts): hold the button 10 s until the light is steady red, let go, press once within 10 s.
// The token stops and wipes as for a kiosk's decommission, a power cut during that wipe is finished at
// the next start, and a kiosk connecting afterwards reports "stopped by its owner, erased" with the
// proof. A 9-second hold, a hold without the confirming press, repeated short presses and a press
// answering a kiosk's request leave the token running. The scaled-down unit cases:
// test/firmware/withdrawal.test.ts.
import { afterAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { openTokenSession } from "../../kiosk/index.js"
import { runKiosk } from "../../kiosk/cli.js"
import { Cleanup } from "../helpers/cleanup.js"
import { OWNER_PRESS_SCALE, finishedWipe } from "../helpers/owner.js"

/** The armed withdrawal's steady light (src/status/status-light.ts). */
const RED = 0xc00000
const HOLD_MS = 10_000
const CONFIRM_MS = 10_000
/** A deliberate hold: clearly past the 10 s, as the owner holds until the light turns red. */
const LONG_HOLD_MS = HOLD_MS + 1_500

const cleanup = new Cleanup()
afterAll(() => cleanup.run())

async function startToken(clock: SimClock, dir?: string, onPowerCut?: (cut: { operation: string }) => void) {
    const vm = cleanup.add(await TokenVm.start({ clock, dir, onPowerCut, startTimeoutMs: 90_000 }), v => v.stop())
    const sync = await TokenSyncClient.find(vm.bus)
    return { vm, sync }
}

const redSince = (vm: TokenVm, fromMs: number) => vm.light.some(c => c.atMs >= fromMs && c.color === RED)

describe("the owner's withdrawal on a simulated token", () => {
    test("a 9-second hold, a hold without the confirming press, short presses and a press for a kiosk leave it running", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 6, 9, 10), 50)
        const { vm, sync } = await startToken(clock)
        await setTokenClock(clock, sync)
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        const running = async (why: string) => expect((await sync.status()).state, why).toBe("active")

        let from = clock.now()
        await vm.pressButton(clock, 9_000)
        await clock.sleep(1_000)
        await vm.pressButton(clock) // where the confirmation would go
        await clock.sleep(2_000)
        expect(redSince(vm, from), "a 9-second hold arms nothing").toBe(false)
        await running("after a 9-second hold and a press")

        for (let i = 0; i < 8; i++) {
            await vm.pressButton(clock)
            await clock.sleep(700)
        }
        await running("after repeated short presses")

        from = clock.now()
        await vm.pressButton(clock, LONG_HOLD_MS)
        expect(redSince(vm, from), "the hold armed the withdrawal: steady red").toBe(true)
        await clock.sleep(CONFIRM_MS + 2_000)
        expect(vm.light[vm.light.length - 1].color, "the light left red when the window ended").not.toBe(RED)
        await running("after a hold without the confirming press")

        // A kiosk asks for a session: the long hold's press is the kiosk's (it opens the session), and
        // the press after it is no confirmation.
        expect(await sync.requestSession()).toBe(true)
        from = clock.now()
        await vm.pressButton(clock, LONG_HOLD_MS)
        expect(await sync.session()).toBe("open")
        expect(redSince(vm, from), "a press for a kiosk never arms the withdrawal").toBe(false)
        await vm.pressButton(clock)
        await clock.sleep(2_000)
        await running("after a hold that answered a kiosk's request")
        await sync.endSession()

        // Armed, then a kiosk asks before the confirmation: the next press is the kiosk's.
        await vm.pressButton(clock, LONG_HOLD_MS)
        expect(await sync.requestSession()).toBe(true)
        await vm.pressButton(clock)
        await clock.sleep(1_000)
        expect(await sync.session()).toBe("open")
        await running("after a press answering a kiosk's request during the confirmation window")
        await sync.endSession()
    }, 300_000)

    test("the gesture stops and wipes; a power cut during the owner's wipe is finished at the next start; a kiosk then shows the owner's stop and its proof", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 6, 10, 10), 50)
        const dir = cleanup.tempDir("gaen-withdrawal-")
        let cut: { operation: string } | undefined
        let { vm, sync } = await startToken(clock, dir, c => (cut = c))
        await setTokenClock(clock, sync)
        await clock.sleep(20 * 60_000) // keys made, a while on air
        expect((await sync.status()).keysHeld).toBeGreaterThan(0)
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)

        const from = clock.now()
        await vm.pressButton(clock, LONG_HOLD_MS)
        expect(redSince(vm, from)).toBe(true)
        await clock.sleep(2_000)
        vm.armPowerCut(4096 + 1000) // within the second sector's erase
        await vm.pressButton(clock).catch(() => undefined) // the cut may end the token before the release
        clock.setScale(200)
        await vm.whenExited()
        expect(cut?.operation, "the power cut hit the owner's wipe").toBe("erase")
        await vm.stop()

        ;({ vm, sync } = await startToken(clock, dir))
        expect((await sync.status()).state).toBe("stopped")
        const proof = await finishedWipe(clock, sync)
        expect(proof).toMatchObject({ state: "done", byOwner: true, bytesNotErased: 0 })
        expect(await sync.status()).toMatchObject({ state: "stopped", keysHeld: 0, recordsHeld: 0 })

        // The kiosk: its session and its status command say who stopped the token, and the proof.
        const address = `tcp://127.0.0.1:${vm.hubPort}`
        const session = await openTokenSession(address, { now: () => clock.now() })
        try {
            expect(session.stop).toMatchObject({ state: "done", byOwner: true, bytesNotErased: 0 })
        } finally {
            await session.close()
        }
        for (const lang of ["en", "ja"] as const) {
            const out: string[] = []
            const io = { stdout: { write: (s: string) => void out.push(s) }, stderr: { write: () => undefined }, env: {}, now: () => clock.now() }
            expect(await runKiosk(["status", "--lang", lang, "--token", address], io)).toBe(0)
            expect(out.join("")).toContain(
                lang === "en"
                    ? "Stopped by its owner on the token itself. All records and keys were erased and checked"
                    : "持ち主の方が、トークンのボタンで使用を終えました。記録と鍵はすべて消去され"
            )
        }
        const json: string[] = []
        expect(
            await runKiosk(["status", "--json", "--token", address], {
                stdout: { write: s => void json.push(s) },
                stderr: { write: () => undefined },
                env: {},
                now: () => clock.now(),
            })
        ).toBe(0)
        expect(JSON.parse(json.join("")).stop).toMatchObject({ state: "done", by: "owner", bytesNotErased: 0 })
    }, 600_000)
})
