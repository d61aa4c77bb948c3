// The token's hardware boundary for firmware suites that boot a whole Token (decommission,
// status-light): a radio, status light and RTC as small fakes. The flash is the real RAM NOR flash
// model (src/storage/ram-flash.ts), given by each suite.
import * as ds from "@devicescript/core"
import { Radio, ScanBatch } from "../../../src/hardware/radio"
import { RealTimeClock } from "../../../src/hardware/rtc"
import { StatusLight, TokenState } from "../../../src/status/status-light"
import { Flash } from "../../../src/storage/flash"
import { TokenHardware } from "../../../src/token"

/** Fake radio (hardware boundary): remembers whether it is advertising. */
export class FakeRadio implements Radio {
    advertising = false
    async txPower() {
        return -8
    }
    async advertise(address: Buffer, payload: Buffer) {
        this.advertising = true
    }
    async stopAdvertising() {
        this.advertising = false
    }
    async scan(durationMs: number): Promise<ScanBatch> {
        await ds.sleep(durationMs)
        return []
    }
}

/** A board without a real-time clock. */
export class NoRtc implements RealTimeClock {
    async read(): Promise<number> {
        return undefined
    }
    async write(unixSeconds: number) {}
}

/** The status light: the state the token last told it to show. */
export class Light implements StatusLight {
    state = TokenState.TimeNotSet
    show(state: TokenState) {
        this.state = state
    }
}

export function fakeHardware(flash: Flash, light: Light): TokenHardware {
    return { radio: new FakeRadio(), flash, light, rtc: new NoRtc() }
}
