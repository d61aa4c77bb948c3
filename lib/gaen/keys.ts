// Temporary Exposure Keys and the two keys derived from them (GAEN Cryptography Specification
// v1.2), on node:crypto. Mirrors src/gaen/keys.ts.
import { hkdfSync, randomBytes } from "node:crypto"
import {
    AEMK_INFO,
    DERIVED_KEY_BYTES,
    EN_INTERVAL_SECONDS,
    HKDF_SALT_BYTES,
    MAX_EN_INTERVAL_NUMBER,
    RPIK_INFO,
    TEK_BYTES,
    TEK_ROLLING_PERIOD,
} from "./constants.js"
import { requireIntervalNumber, requireTek } from "./validate.js"

/** A TEK with the interval it starts at and how many intervals it covers. */
export interface TemporaryExposureKey {
    keyData: Buffer
    rollingStartIntervalNumber: number
    rollingPeriod: number
}

/** The per-day keys derived from a TEK. */
export interface DailyKeys {
    rpik: Buffer
    aemk: Buffer
}

/** ENIntervalNumber = floor(unix seconds / 600). Throws for negative, non-finite or too-late times. */
export function enIntervalNumber(unixSeconds: number): number {
    if (typeof unixSeconds !== "number" || !Number.isFinite(unixSeconds) || unixSeconds < 0)
        throw new RangeError(`unix time must be a finite number of seconds >= 0, got ${unixSeconds}`)
    const enin = Math.floor(unixSeconds / EN_INTERVAL_SECONDS)
    if (enin > MAX_EN_INTERVAL_NUMBER) throw new RangeError(`unix time ${unixSeconds} is past the last EN interval (2^32 - 1)`)
    return enin
}

/** The first interval of the day containing `enin`: floor(enin / 144) * 144, i.e. 00:00 UTC. */
export function rollingStartIntervalNumber(enin: number): number {
    requireIntervalNumber(enin)
    return Math.floor(enin / TEK_ROLLING_PERIOD) * TEK_ROLLING_PERIOD
}

/** The UTC day (days since 1970-01-01) containing interval `enin`: floor(enin / 144). Host only:
 *  the server groups and ages keys by it. */
export function keyDay(enin: number): number {
    requireIntervalNumber(enin)
    return Math.floor(enin / TEK_ROLLING_PERIOD)
}

/** A fresh TEK from the CSPRNG for the day that contains interval `enin`. */
export function generateTemporaryExposureKey(enin: number): TemporaryExposureKey {
    return {
        keyData: randomBytes(TEK_BYTES),
        rollingStartIntervalNumber: rollingStartIntervalNumber(enin),
        rollingPeriod: TEK_ROLLING_PERIOD,
    }
}

/** HKDF-SHA256(IKM = tek, salt = none = 32 zero bytes (RFC 5869 2.2), info, L = 16). */
function hkdf16(tek: Uint8Array, info: string): Buffer {
    return Buffer.from(hkdfSync("sha256", tek, Buffer.alloc(HKDF_SALT_BYTES), info, DERIVED_KEY_BYTES))
}

/** RPIK = HKDF(tek, "EN-RPIK"). */
export function deriveRpik(tek: Uint8Array): Buffer {
    requireTek(tek)
    return hkdf16(tek, RPIK_INFO)
}

/** AEMK = HKDF(tek, "EN-AEMK"). */
export function deriveAemk(tek: Uint8Array): Buffer {
    requireTek(tek)
    return hkdf16(tek, AEMK_INFO)
}

/** Both per-day keys of a TEK. */
export function deriveDailyKeys(tek: Uint8Array): DailyKeys {
    return { rpik: deriveRpik(tek), aemk: deriveAemk(tek) }
}

/** True when `enin` lies inside the key's validity, [start, start + period). */
export function tekCoversInterval(key: TemporaryExposureKey, enin: number): boolean {
    return Number.isInteger(enin) && enin >= key.rollingStartIntervalNumber && enin < key.rollingStartIntervalNumber + key.rollingPeriod
}
