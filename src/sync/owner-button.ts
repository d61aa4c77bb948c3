// The owner's one button. Its only job: confirm, by physical presence, that a kiosk may read the
// keys or decommission the token.
import * as ds from "@devicescript/core"

export interface OwnerButton {
    onPress(handler: () => Promise<void>): void
}

/** The button as a Jacdac Button role: a pin on the ESP32 board, a simulated button on the sim bus. */
export class JacdacOwnerButton implements OwnerButton {
    constructor(private readonly button: ds.Button) {}
    onPress(handler: () => Promise<void>) {
        this.button.down.subscribe(async () => {
            await handler()
        })
    }
}
