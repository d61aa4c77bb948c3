// The token's owner at a kiosk, for tests: asked to confirm (a key export, a registration, a
// decommission), presses the token's button.
import type { SimClock } from "../../sim/clock/sim-clock.js"
import type { TokenVm } from "../../sim/harness/token-vm.js"
import { expect } from "vitest"
import type { DecommissionResult, ExportedKey, TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import type { KioskProgress } from "../../kiosk/index.js"
import { OWNER_PRESS_SCALE, withOwnerSession } from "../../sim/harness/owner.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"

export { OWNER_PRESS_SCALE, withOwnerSession }

/** The owner presses once so that a host may read the token's whole log (one session). */
export const readLogWithPress = (clock: SimClock, vm: TokenVm, sync: TokenSyncClient): Promise<EncounterRecord[]> =>
    withOwnerSession(clock, vm, sync, () => sync.readLog())

/**
 * Runs `run` at the owner's pace and presses (with `press`) each time the kiosk tells the person to
 * (a "press-button" progress step with a new purpose). After a press for an export or a
 * decommission the previous speed returns; after a press for a session (a log read) the owner's
 * pace stays, as the token closes a session after 2 idle minutes of its own time.
 */
export async function pressingWhenAsked<T>(
    clock: SimClock,
    press: () => Promise<void>,
    run: (onProgress: (p: KioskProgress) => void) => Promise<T>
): Promise<T> {
    const previous = clock.scale
    const presses = new Map<string, Promise<void>>()
    try {
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        return await run(p => {
            if (p.step !== "press-button" || presses.has(p.purpose)) return
            presses.set(
                p.purpose,
                press().finally(() => {
                    if (p.purpose !== "session") clock.setScale(previous)
                })
            )
        })
    } finally {
        await Promise.all(presses.values())
        clock.setScale(previous)
    }
}

/** The owner of `vm` presses its button. */
export const buttonOf = (vm: TokenVm, clock: SimClock) => () => vm.pressButton(clock)

/**
 * Asks the token for its keys straight over the sync service, presses its button, and returns the
 * export. `beforePress` runs between the request and the press.
 */
export async function exportKeysWithButton(clock: SimClock, vm: TokenVm, sync: TokenSyncClient, beforePress?: () => void): Promise<ExportedKey[]> {
    const speed = clock.scale
    try {
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        if (!(await sync.requestKeyExport())) throw new Error("the token refused the export request")
        beforePress?.()
        await vm.pressButton(clock)
        for (let i = 0; i < 60; i++) {
            const r = await sync.exportKeys()
            if (r.state === "ready") return r.keys
            await clock.sleep(500)
        }
        throw new Error("the export never became ready")
    } finally {
        clock.setScale(speed)
    }
}

/**
 * A stopped token finishes its wipe by itself (also after a power cut): its decommission answer,
 * asked every 5 simulated seconds while it says "erasing", until it is done. Anything else fails.
 */
export async function finishedWipe(clock: SimClock, sync: TokenSyncClient): Promise<DecommissionResult> {
    let proof = await sync.decommission()
    for (let i = 0; proof.state !== "done" && i < 600; i++) {
        expect(proof.state).toBe("erasing")
        await clock.sleep(5_000)
        proof = await sync.decommission()
    }
    return proof
}
