// People around a simulated token, for tests: each has a TEK and is heard, when the token scans,
// with the identifiers a real token would send at that time (a new RPI every 10-minute interval).
import { randomBytes } from "node:crypto"
import { deriveDailyKeys, enIntervalNumber, identifiersFor } from "../../lib/gaen/index.js"
import type { HeardAdvertisement } from "../../sim/hardware/radio-medium.js"

export class Neighbour {
    readonly tek = randomBytes(16)
    private readonly daily = deriveDailyKeys(this.tek)
    constructor(
        readonly rssi: number,
        readonly txPower = -8
    ) {}

    heardAt(simMs: number): HeardAdvertisement {
        const enin = enIntervalNumber(Math.floor(simMs / 1000))
        const { payload } = identifiersFor(this.daily, enin, this.txPower)
        const address = new Uint8Array(6)
        address.set(payload.subarray(11, 17)) // changes with the RPI, as on air
        address[5] &= 0x3f
        return { address, payload, rssi: this.rssi, packets: 16 }
    }
}

/** An onScan responder: everyone in `people` is heard in every scan window. */
export function room(people: () => Neighbour[]) {
    return (fromMs: number) => people().map(p => p.heardAt(fromMs))
}
