// The token's own Temporary Exposure Keys: one per UTC day, made from the CSPRNG when first needed,
// kept 14 days, and released to the kiosk only after the owner's button press. A released key is
// never used on air again: the token starts a new key for the rest of the day.
import {
    DailyKeys,
    RETENTION_DAYS,
    TEK_ROLLING_PERIOD,
    TemporaryExposureKey,
    deriveDailyKeys,
    generateTemporaryExposureKey,
    rollingStartIntervalNumber,
    tekCoversInterval,
    TEK_BYTES,
} from "../gaen"
import { randomBuffer } from "@devicescript/crypto"

export interface HeldKey extends TemporaryExposureKey {
    /** Handed to a kiosk: must never be used on air again. */
    released: boolean
}

/** Where keys persist. The flash-backed store survives power cuts; tests may keep keys in RAM. */
export interface KeyStore {
    load(): Promise<HeldKey[]>
    save(keys: HeldKey[]): Promise<void>
}

export class MemoryKeyStore implements KeyStore {
    private keys: HeldKey[] = []
    async load() {
        return this.keys.slice(0)
    }
    async save(keys: HeldKey[]) {
        this.keys = keys.slice(0)
    }
}

export class ExposureKeys {
    private keys: HeldKey[] = []
    private activeKey: HeldKey = undefined
    private activeDaily: DailyKeys = undefined

    constructor(private readonly store: KeyStore) {}

    async load() {
        this.keys = await this.store.load()
    }

    count(): number {
        return this.keys.length
    }

    /** The key to broadcast with in interval `enin` and its derived keys, making a new one when no
     *  unreleased key covers it. Drops keys older than 14 days on the way. */
    async forInterval(enin: number): Promise<{ key: HeldKey; daily: DailyKeys }> {
        if (this.activeKey && !this.activeKey.released && tekCoversInterval(this.activeKey, enin))
            return { key: this.activeKey, daily: this.activeDaily }
        let key: HeldKey = undefined
        for (const k of this.keys) if (!k.released && tekCoversInterval(k, enin)) key = k
        let changed = this.expire(enin)
        if (!key) {
            const t = generateTemporaryExposureKey(enin)
            key = { keyData: t.keyData, rollingStartIntervalNumber: t.rollingStartIntervalNumber, rollingPeriod: t.rollingPeriod, released: false }
            this.keys.push(key)
            changed = true
        }
        if (changed) await this.store.save(this.keys)
        this.activeKey = key
        this.activeDaily = deriveDailyKeys(key.keyData)
        return { key, daily: this.activeDaily }
    }

    /** Keys of the last 14 days for an export at interval `enin`. The key in use is cut at `enin`
     *  (its rolling period ends with this interval), marked released, and replaced by a new key for
     *  the rest of the day, so the exported key is never on air again. */
    async releaseForExport(enin: number): Promise<TemporaryExposureKey[]> {
        this.expire(enin)
        const out: TemporaryExposureKey[] = []
        const successors: HeldKey[] = []
        for (const k of this.keys) {
            if (k.rollingStartIntervalNumber > enin) continue
            if (!k.released && tekCoversInterval(k, enin)) {
                k.rollingPeriod = enin - k.rollingStartIntervalNumber + 1
                const dayEnd = rollingStartIntervalNumber(enin) + TEK_ROLLING_PERIOD
                // The successor starts in this very interval, so the beacon can rotate at once.
                successors.push({ keyData: randomBuffer(TEK_BYTES), rollingStartIntervalNumber: enin, rollingPeriod: dayEnd - enin, released: false })
            }
            k.released = true
            out.push({ keyData: k.keyData, rollingStartIntervalNumber: k.rollingStartIntervalNumber, rollingPeriod: k.rollingPeriod })
        }
        for (const s of successors) this.keys.push(s)
        this.activeKey = undefined
        await this.store.save(this.keys)
        return out
    }

    /** Drops keys that were last used 14 days (14 × 144 intervals) or more before `enin`. */
    private expire(enin: number): boolean {
        const horizon = enin - RETENTION_DAYS * TEK_ROLLING_PERIOD
        const kept = this.keys.filter(k => k.rollingStartIntervalNumber + k.rollingPeriod > horizon)
        const changed = kept.length !== this.keys.length
        this.keys = kept
        return changed
    }
}
