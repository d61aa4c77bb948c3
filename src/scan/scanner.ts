// When the token listens: a 4-second scan window about every 4 minutes (random 225–255 s, so tokens
// do not fall into step), only while the time is known and the token is running. GAEN asks that
// nearby advertisers be found within 5 minutes; the kiosk estimates exposure time as
// scans × SCAN_PERIOD_SECONDS.
import * as ds from "@devicescript/core"
import { SCAN_DURATION_SECONDS } from "../gaen"
import { Radio } from "../hardware/radio"
import { WallClock } from "../time/wall-clock"
import { EncounterTracker } from "./encounters"

/** Mean seconds between scan starts (reported to kiosks in status). */
export const SCAN_PERIOD_SECONDS = 240
/** Scan starts are spread ± this many seconds around the mean. */
export const SCAN_JITTER_SECONDS = 15
const IDLE_POLL_MS = 5000

export class Scanner {
    private stopped = false

    constructor(
        private readonly radio: Radio,
        private readonly clock: WallClock,
        private readonly tracker: EncounterTracker
    ) {}

    /** Stops scanning for good (decommission): what is in RAM is dropped, not logged. */
    async stop() {
        this.stopped = true
        this.tracker.discardAll()
    }

    async run() {
        while (!this.stopped) {
            if (!this.clock.isSet()) {
                await ds.sleep(IDLE_POLL_MS)
                continue
            }
            const started = ds.millis()
            try {
                const batch = await this.radio.scan(SCAN_DURATION_SECONDS * 1000)
                if (this.stopped) break
                if (this.clock.isSet()) await this.tracker.addScan(batch, Math.floor(this.clock.now() / 60))
            } catch (e) {
                console.log(`scanner: ${e}`)
            }
            const period = SCAN_PERIOD_SECONDS + (Math.random() * 2 - 1) * SCAN_JITTER_SECONDS
            const wait = period * 1000 - (ds.millis() - started)
            if (wait > 0) await ds.sleep(wait)
        }
    }
}
