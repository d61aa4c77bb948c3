// What the token tells its status light, and when (src/token.ts): the changes the owner must see at
// once are shown at once, not at the next 30-second update: "time not set" ends when a kiosk sets
// the time; a request for the button shows (and ends) at once; a stopped token is dark before the
// first sector of its wipe is erased (on a board erasing 1 MiB takes seconds). How the light then
// blinks, in the token's own time: test/token/status-light.test.ts.
// Hardware boundary: the radio, light and RTC are fakes (helpers/fake-hardware.ts); the flash is
// the RAM NOR flash.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { deleteSetting } from "@devicescript/settings"
import { TokenState } from "../../src/status/status-light"
import { Flash } from "../../src/storage/flash"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { Token } from "../../src/token"
import { T0 } from "./helpers/fixtures"
import { Light, fakeHardware } from "./helpers/fake-hardware"

/** The RAM flash, noting what the light showed when the first sector erase began. */
class WatchedFlash implements Flash {
    flash: RamNorFlash
    light: Light
    stateAtFirstErase = 0
    constructor(flash: RamNorFlash, light: Light) {
        this.flash = flash
        this.light = light
    }
    async geometry() {
        return await this.flash.geometry()
    }
    async read(offset: number, length: number) {
        return await this.flash.read(offset, length)
    }
    async program(offset: number, data: Buffer) {
        await this.flash.program(offset, data)
    }
    async destroy(offset: number, rows: number) {
        await this.flash.destroy(offset, rows)
    }
    async rowStates(offset: number, rows: number) {
        return await this.flash.rowStates(offset, rows)
    }
    async readRows(offset: number, rows: number) {
        return await this.flash.readRows(offset, rows)
    }
    async eraseSector(sector: number) {
        if (!this.stateAtFirstErase) this.stateAtFirstErase = this.light.state
        await this.flash.eraseSector(sector)
    }
}

describe("the token's status light", () => {
    test("follows the time being set, a request for the button and the stop at once", async () => {
        await deleteSetting("stopped")
        await deleteSetting("wipe_proof")
        await deleteSetting("token_id")
        const light = new Light()
        const flash = new WatchedFlash(new RamNorFlash({ sectorSize: 512, sectorCount: 8 }), light)
        const token = await Token.boot(fakeHardware(flash, light))
        ;(async () => {
            await token.run()
        }).start()
        await ds.sleep(10)
        expect(light.state).toBe(TokenState.TimeNotSet)

        await token.setTime(T0 * 60)
        expect(light.state).toBe(TokenState.Running)

        token.showWaitingForButton(true)
        expect(light.state).toBe(TokenState.WaitingForButton)
        token.showWaitingForButton(false)
        expect(light.state).toBe(TokenState.Running)

        flash.stateAtFirstErase = 0 // only the wipe's erases count (not the log's opening)
        await token.decommission()
        expect(flash.stateAtFirstErase).toBe(TokenState.Stopped)
        expect(light.state).toBe(TokenState.Stopped)
    })
})
