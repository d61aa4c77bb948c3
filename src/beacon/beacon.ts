// The beacon: puts the current Rolling Proximity Identifier on air under a fresh random address and
// changes both together at a random time between 10 and 20 minutes, and at 00:00 UTC when the
// day's key rolls. Nothing goes on air while the time is unknown or the token is stopped.
import * as ds from "@devicescript/core"
import { randomBuffer } from "@devicescript/crypto"
import {
    EN_INTERVAL_SECONDS,
    ROTATION_MAX_SECONDS,
    ROTATION_MIN_SECONDS,
    TEK_ROLLING_PERIOD,
    enIntervalNumber,
    identifiersFor,
    rollingStartIntervalNumber,
} from "../gaen"
import { ExposureKeys } from "../keys/exposure-keys"
import { Radio } from "../hardware/radio"
import { WallClock } from "../time/wall-clock"

/** How often the beacon looks at the clock while waiting (seconds of token time). */
const POLL_SECONDS = 5
const ADDRESS_BYTES = 6

/** A Bluetooth LE non-resolvable private address: random, with the two top bits 0, neither all
 *  zeros nor all ones (Core spec Vol 6 Part B 1.3.2.2). Least significant byte first. */
export function randomNonResolvableAddress(): Buffer {
    for (;;) {
        const a = randomBuffer(ADDRESS_BYTES)
        a[5] = a[5] & 0x3f
        let zeros = true
        let ones = true
        for (let i = 0; i < ADDRESS_BYTES; i++) {
            if (a[i] !== 0) zeros = false
            if (a[i] !== (i === 5 ? 0x3f : 0xff)) ones = false
        }
        if (!zeros && !ones) return a
    }
}

export class Beacon {
    /** Token time (Unix seconds) when the identifier on air went up; undefined while off air. */
    private onAirSince: number = undefined
    private nextRotation = 0
    private stopped = false
    private rotateSoon = false
    private txPower: number = undefined

    constructor(
        private readonly radio: Radio,
        private readonly clock: WallClock,
        private readonly keys: ExposureKeys
    ) {}

    /** Rotate at the next opportunity: the key in use was just released, or the clock jumped. */
    requestRotation() {
        this.rotateSoon = true
    }

    /** Stops for good (decommission). */
    async stop() {
        this.stopped = true
        await this.radio.stopAdvertising()
        this.onAirSince = undefined
    }

    /** Runs forever. */
    async run() {
        while (!this.stopped) {
            try {
                await this.step()
            } catch (e) {
                console.log(`beacon: ${e}`)
            }
            await ds.sleep(POLL_SECONDS * 1000)
        }
    }

    /** One look at the clock: rotate when due. */
    private async step() {
        if (this.stopped) return
        if (!this.clock.isSet()) {
            if (this.onAirSince !== undefined) {
                await this.radio.stopAdvertising()
                this.onAirSince = undefined
            }
            return
        }
        const now = this.clock.now()
        if (this.onAirSince !== undefined && !this.rotateSoon && now < this.nextRotation && now >= this.onAirSince) return
        await this.rotate(now)
    }

    private async rotate(now: number) {
        if (this.txPower === undefined) this.txPower = await this.radio.txPower()
        const enin = enIntervalNumber(now)
        const daily = await this.keys.forInterval(enin)
        // Decommissioned while this rotation awaited: nothing goes back on air.
        if (this.stopped) return
        if (!daily) {
            // No stored key may be used in this interval (its key was just released): off air
            // until the next one; step() tries again at every poll.
            if (this.onAirSince !== undefined) await this.radio.stopAdvertising()
            this.onAirSince = undefined
            this.rotateSoon = false
            return
        }
        const ids = identifiersFor(daily, enin, this.txPower)
        const address = randomNonResolvableAddress()
        await this.radio.advertise(address, ids.payload)
        if (this.stopped) {
            // stop() ran while the advertise command was under way: take it off air again.
            await this.radio.stopAdvertising()
            return
        }
        this.rotateSoon = false
        this.onAirSince = now
        // Next change: 10–20 minutes from now, or at 00:00 UTC when the key rolls, whichever is first.
        // The beacon looks every POLL_SECONDS, so aim that much early: never 20 minutes on air.
        const latest = ROTATION_MAX_SECONDS - POLL_SECONDS
        const span = ROTATION_MIN_SECONDS + Math.random() * (latest - ROTATION_MIN_SECONDS)
        const dayEnd = (rollingStartIntervalNumber(enin) + TEK_ROLLING_PERIOD) * EN_INTERVAL_SECONDS
        this.nextRotation = Math.min(now + span, dayEnd)
    }
}
