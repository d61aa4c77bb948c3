// The token's owner at a kiosk, for tests: asked to confirm a key export, presses the button.
import type { SimClock } from "../../sim/clock/sim-clock.js"
import type { TokenVm } from "../../sim/harness/token-vm.js"
import type { ExportedKey, TokenSyncClient } from "../../lib/token-sync/sync-client.js"

/**
 * Asks the token for its keys, presses its button, and returns the export. The simulation slows to
 * 20× meanwhile (the owner has 30 simulated seconds) and returns to its speed after. `beforePress`
 * runs between the request and the press.
 */
export async function exportKeysWithButton(clock: SimClock, vm: TokenVm, sync: TokenSyncClient, beforePress?: () => void): Promise<ExportedKey[]> {
    const speed = clock.scale
    clock.setScale(20)
    try {
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
