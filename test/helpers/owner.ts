// The token's owner at a kiosk, for tests: asked to confirm (a key export, a registration, a
// decommission), presses the token's button.
import type { SimClock } from "../../sim/clock/sim-clock.js"
import type { TokenVm } from "../../sim/harness/token-vm.js"
import type { ExportedKey, TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import type { KioskProgress } from "../../kiosk/index.js"

/**
 * Simulated seconds per real second while the owner is being asked to press. The token's 30-second
 * window then lasts 15 real seconds: enough for a busy 2-core machine (CI runs test files in
 * parallel) to carry the kiosk's question and the press. Slowing alone is not enough: a token that
 * trailed the fast clock would jump through its lag once idle, so the clock also waits for it
 * (`changeScaleAndSettle`). Without both, a loaded CI run missed the window.
 */
export const OWNER_PRESS_SCALE = 2

/**
 * Runs `run` at the owner's pace and presses (with `press`) as soon as the kiosk tells the person to
 * (the "press-button" progress step); the previous speed returns once the press is done.
 */
export async function pressingWhenAsked<T>(clock: SimClock, press: () => Promise<void>, run: (onProgress: (p: KioskProgress) => void) => Promise<T>): Promise<T> {
    const previous = clock.scale
    let pressed: Promise<void> | undefined
    try {
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        return await run(p => {
            if (p.step === "press-button") pressed ??= press().finally(() => clock.setScale(previous))
        })
    } finally {
        await pressed
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
        clock.setScale(speed)
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
