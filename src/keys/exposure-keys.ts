// The token's own Temporary Exposure Keys: one per UTC day, made from the CSPRNG when first needed,
// kept 14 days in the power-safe key store, and released to a kiosk only after the owner's button
// press. A released key is never used on air again: the token starts a new key for the rest of the
// day, beginning in the very interval of the release so the beacon can rotate at once — unless the
// released key itself began in that interval (a second export in the same 10 minutes, or the first
// export of a UTC day at 00:0x): rolling starts identify keys in the store, so the successor then
// begins with the next interval and the beacon stays off air until it does. Nothing goes on air
// that the store does not hold.
import { randomBuffer } from "@devicescript/crypto"
import {
    DailyKeys,
    TEK_BYTES,
    TEK_ROLLING_PERIOD,
    TemporaryExposureKey,
    deriveDailyKeys,
    generateTemporaryExposureKey,
    rollingStartIntervalNumber,
} from "../gaen"
import { KeyStore, StoredKey } from "../storage/key-store"

/** tekCoversInterval for a stored key (its own field names; `enin` here is always whole): saves
 *  building a TemporaryExposureKey for every check. */
function covers(k: StoredKey, enin: number) {
    return enin >= k.rollingStart && enin < k.rollingStart + k.rollingPeriod
}

export class ExposureKeys {
    private active: StoredKey = undefined
    private activeDaily: DailyKeys = undefined

    constructor(private readonly store: KeyStore) {}

    count(): number {
        return this.store.count()
    }

    /** The key to broadcast with in interval `enin` and its derived keys; makes (and stores) a new
     *  one when no unreleased key covers it. Undefined when no stored key may be used in `enin`
     *  (the rest of an interval whose key was just released): stay off air. */
    async forInterval(enin: number): Promise<DailyKeys> {
        if (this.active && !this.active.released && covers(this.active, enin)) return this.activeDaily
        let key: StoredKey = undefined
        for (const k of this.store.keys()) if (!k.released && covers(k, enin)) key = k
        if (!key) {
            const tek = generateTemporaryExposureKey(enin)
            key = { tek: tek.keyData, rollingStart: tek.rollingStartIntervalNumber, rollingPeriod: tek.rollingPeriod, released: false }
            // false: a (released) key with this rolling start exists; this one is not stored, so it
            // must not go on air.
            if (!(await this.store.add(key.tek, key.rollingStart, key.rollingPeriod))) {
                this.active = undefined
                return undefined
            }
        }
        this.active = key
        this.activeDaily = deriveDailyKeys(key.tek)
        return this.activeDaily
    }

    /** Keys held for an export at interval `enin`: all of the last 14 days. The key in use is cut at
     *  `enin` (its rolling period ends with this interval), marked released and succeeded. */
    async releaseForExport(enin: number): Promise<TemporaryExposureKey[]> {
        const out: TemporaryExposureKey[] = []
        for (const k of this.store.keys()) {
            if (k.rollingStart > enin) continue
            let period = k.rollingPeriod
            if (!k.released && covers(k, enin)) {
                period = enin - k.rollingStart + 1
                const dayEnd = rollingStartIntervalNumber(enin) + TEK_ROLLING_PERIOD
                await this.store.markReleased(k.rollingStart, period)
                // The successor needs a rolling start of its own (see the file header).
                const successorStart = k.rollingStart === enin ? enin + 1 : enin
                if (successorStart < dayEnd) await this.store.add(randomBuffer(TEK_BYTES), successorStart, dayEnd - successorStart)
            } else if (!k.released) {
                await this.store.markReleased(k.rollingStart, period)
            }
            out.push({ keyData: k.tek, rollingStartIntervalNumber: k.rollingStart, rollingPeriod: period })
        }
        this.active = undefined
        return out
    }

    /** Erases every key of an interval after `enin` (made while the clock ran ahead): it is never
     *  released and never on air again. Returns how many. */
    async dropLaterThan(enin: number): Promise<number> {
        const dropped = await this.store.dropStartingAfter(enin)
        if (dropped > 0) this.active = undefined
        return dropped
    }

    /** Drops keys 14 days past their last interval (`nowMinutes`: Unix minutes). */
    async expire(nowMinutes: number) {
        await this.store.expire(nowMinutes)
    }
}
