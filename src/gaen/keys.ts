// Temporary Exposure Keys and the two keys derived from them once per day.
// GAEN Cryptography Specification v1.2: "Temporary Exposure Key", "Rolling Proximity Identifier
// Key", "Associated Encrypted Metadata Key".
import { randomBuffer, sha256Hkdf } from "@devicescript/crypto"
import { expandKey128 } from "./aes128"
import {
    AEMK_INFO,
    DERIVED_KEY_BYTES,
    EN_INTERVAL_SECONDS,
    HKDF_SALT_BYTES,
    MAX_EN_INTERVAL_NUMBER,
    RPIK_INFO,
    TEK_BYTES,
    TEK_ROLLING_PERIOD,
} from "./constants"
import { isWholeNumber, requireIntervalNumber, requireTek } from "./validate"

/** A TEK with the interval it starts at and how many intervals it covers. */
export interface TemporaryExposureKey {
    keyData: Buffer
    rollingStartIntervalNumber: number
    rollingPeriod: number
}

/** The per-day keys, plus their AES key schedules so a rotation does not re-expand them. */
export interface DailyKeys {
    rpik: Buffer
    aemk: Buffer
    rpikSchedule: Buffer
    aemkSchedule: Buffer
}

/** ENIntervalNumber = floor(unix seconds / 600). Throws for negative, non-whole or too-late times. */
export function enIntervalNumber(unixSeconds: number): number {
    if (typeof unixSeconds !== "number" || isNaN(unixSeconds) || unixSeconds < 0 || unixSeconds === Infinity)
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

/** A fresh TEK from the CSPRNG for the day that contains interval `enin`. */
export function generateTemporaryExposureKey(enin: number): TemporaryExposureKey {
    return {
        keyData: randomBuffer(TEK_BYTES),
        rollingStartIntervalNumber: rollingStartIntervalNumber(enin),
        rollingPeriod: TEK_ROLLING_PERIOD,
    }
}

/** HKDF-SHA256(IKM = tek, salt = none, info, L = 16). "No salt" is 32 zero bytes (RFC 5869 2.2);
 *  sha256Hkdf returns the first output block T(1), 32 bytes, of which GAEN keeps 16. */
function hkdf16(tek: Buffer, info: string): Buffer {
    return sha256Hkdf(tek, info, Buffer.alloc(HKDF_SALT_BYTES)).slice(0, DERIVED_KEY_BYTES)
}

/** RPIK = HKDF(tek, "EN-RPIK"). */
export function deriveRpik(tek: Buffer): Buffer {
    requireTek(tek)
    return hkdf16(tek, RPIK_INFO)
}

/** AEMK = HKDF(tek, "EN-AEMK"). */
export function deriveAemk(tek: Buffer): Buffer {
    requireTek(tek)
    return hkdf16(tek, AEMK_INFO)
}

/** Everything a day of rotations needs from a TEK: do this once per TEK, not per rotation. */
export function deriveDailyKeys(tek: Buffer): DailyKeys {
    const rpik = deriveRpik(tek)
    const aemk = deriveAemk(tek)
    return { rpik, aemk, rpikSchedule: expandKey128(rpik), aemkSchedule: expandKey128(aemk) }
}

/** True when `enin` lies inside the key's validity, [start, start + period). */
export function tekCoversInterval(key: TemporaryExposureKey, enin: number): boolean {
    return isWholeNumber(enin) && enin >= key.rollingStartIntervalNumber && enin < key.rollingStartIntervalNumber + key.rollingPeriod
}
