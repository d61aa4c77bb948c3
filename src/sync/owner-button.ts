// The owner's one button. Its jobs: confirm, by physical presence, that a kiosk may read the keys or
// decommission the token; and, held long and confirmed, the owner's own withdrawal (withdrawal.ts).
import * as ds from "@devicescript/core"

export interface OwnerButton {
    onPress(handler: () => Promise<void>): void
    /** The button is let go (each press ends so; a hold's length is the time between the two). */
    onRelease(handler: () => Promise<void>): void
}

/** The button as a Jacdac Button role: a pin on the ESP32 board, a simulated button on the sim bus. */
export class JacdacOwnerButton implements OwnerButton {
    constructor(private readonly button: ds.Button) {}
    onPress(handler: () => Promise<void>) {
        this.button.down.subscribe(async () => {
            await handler()
        })
    }
    onRelease(handler: () => Promise<void>) {
        this.button.up.subscribe(async () => {
            await handler()
        })
    }
}
