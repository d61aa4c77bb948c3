// The owner's press and the session it opens (services/token-sync.md): one blinking light stands for
// one request (a second kind is refused, not swapped in); a confirmed export lives only as long as
// the session; a session closes when idle; the window closes after 30 seconds.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { NeedsOwnerPress, TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { Cleanup } from "../helpers/cleanup.js"
import { OWNER_PRESS_SCALE, exportKeysWithButton, withOwnerSession } from "../helpers/owner.js"

describe("the owner's press and the session", () => {
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 8, 10), 20)
    const cleanup = new Cleanup()
    let vm: TokenVm
    let sync: TokenSyncClient

    beforeAll(async () => {
        vm = cleanup.add(await TokenVm.start({ clock }), v => v.stop())
        sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync)
    })
    afterAll(() => cleanup.run())

    test("while a decommission waits for the press, an export or a session request is refused, and the window closes after 30 s", async () => {
        // At the owner's pace, so the window cannot close between these questions on a loaded machine.
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        expect(await sync.requestDecommission()).toBe(true)
        expect(await sync.requestKeyExport()).toBe(false)
        expect(await sync.requestSession()).toBe(false)
        expect((await sync.decommission()).state).toBe("waiting-for-button")
        expect(await sync.session()).toBe("waiting-for-button")
        clock.setScale(20)
        await clock.sleep(35_000)
        expect((await sync.decommission()).state).toBe("not-requested")
        expect(await sync.session()).toBe("closed")
        expect((await sync.status()).state).toBe("active")
    })

    test("a confirmed export is readable within its session only: gone once the kiosk ends it", async () => {
        const keys = await exportKeysWithButton(clock, vm, sync)
        expect(keys.length).toBeGreaterThanOrEqual(1)
        expect((await sync.exportKeys()).state).toBe("ready")
        await sync.endSession()
        expect((await sync.exportKeys()).state).toBe("not-requested")
        await expect(sync.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
    })

    test("a session left idle for more than 2 minutes closes by itself", async () => {
        await withOwnerSession(clock, vm, sync, async () => {
            expect((await sync.readLog()).length).toBeGreaterThanOrEqual(0)
            const speed = clock.scale
            clock.setScale(20)
            try {
                await clock.sleep(150_000)
            } finally {
                clock.setScale(speed)
            }
            await expect(sync.readLog()).rejects.toBeInstanceOf(NeedsOwnerPress)
            expect(await sync.session()).toBe("closed")
        })
    })
})
