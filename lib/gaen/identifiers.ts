// Rolling Proximity Identifiers and Associated Encrypted Metadata (GAEN Cryptography Specification
// v1.2; metadata layout from the Bluetooth Specification v1.2), on node:crypto.
// Mirrors src/gaen/identifiers.ts, plus what only a receiver needs (decryptMetadata, rpisForKey).
import { createCipheriv } from "node:crypto"
import {
    AEM_BYTES,
    DERIVED_KEY_BYTES,
    MAX_EN_INTERVAL_NUMBER,
    METADATA_BYTES,
    METADATA_VERSION_BYTE,
    RPI_BYTES,
    RPI_PAD_ENIN_OFFSET,
    RPI_PAD_PREFIX,
} from "./constants.js"
import { deriveRpik, type DailyKeys } from "./keys.js"
import { requireBytes, requireIntervalNumber, requireRollingPeriod, requireTxPower } from "./validate.js"

/** Decrypted metadata: version byte (0x40 for v1.0) and TX power in dBm. */
export interface Metadata {
    version: number
    txPower: number
}

/** One interval of a key's day, as a receiver matches it. */
export interface IntervalRpi {
    intervalNumber: number
    rpi: Buffer
}

/** PaddedData_j = "EN-RPI" || 0x00 * 6 || ENIN_j as uint32 little-endian (16 bytes). */
export function rpiPaddedData(enin: number): Buffer {
    requireIntervalNumber(enin)
    const padded = Buffer.alloc(RPI_BYTES) // bytes 6..11 stay zero
    padded.write(RPI_PAD_PREFIX, 0, "ascii")
    padded.writeUInt32LE(enin, RPI_PAD_ENIN_OFFSET)
    return padded
}

/** AES-128-ECB of whole blocks, no padding. */
function aes128Ecb(key: Uint8Array, blocks: Buffer): Buffer {
    const cipher = createCipheriv("aes-128-ecb", key, null)
    cipher.setAutoPadding(false)
    return Buffer.concat([cipher.update(blocks), cipher.final()])
}

/** AES-128-CTR with the whole 16-byte initial counter block; encrypts and decrypts. */
function aes128Ctr(key: Uint8Array, initialCounter: Uint8Array, data: Uint8Array): Buffer {
    const cipher = createCipheriv("aes-128-ctr", key, initialCounter)
    return Buffer.concat([cipher.update(data), cipher.final()])
}

/** RPI_j = AES128(RPIK, PaddedData_j). */
export function rollingProximityIdentifier(keys: DailyKeys, enin: number): Buffer {
    requireBytes(keys?.rpik, DERIVED_KEY_BYTES, "RPIK")
    return aes128Ecb(keys.rpik, rpiPaddedData(enin))
}

/** Metadata v1.0: [version 0x40, TX power as a signed byte, 0, 0]. */
export function bluetoothMetadata(txPowerDbm: number): Buffer {
    requireTxPower(txPowerDbm)
    const metadata = Buffer.alloc(METADATA_BYTES)
    metadata[0] = METADATA_VERSION_BYTE
    metadata.writeInt8(txPowerDbm, 1)
    return metadata
}

/** AEM = AES128-CTR(AEMK, initial counter = RPI, metadata). */
export function associatedEncryptedMetadata(keys: DailyKeys, rpi: Uint8Array, metadata: Uint8Array): Buffer {
    requireBytes(keys?.aemk, DERIVED_KEY_BYTES, "AEMK")
    requireBytes(rpi, RPI_BYTES, "RPI")
    requireBytes(metadata, METADATA_BYTES, "metadata")
    return aes128Ctr(keys.aemk, rpi, metadata)
}

/** Decrypts an AEM observed with `rpi` (CTR decryption is the same XOR as encryption). The caller
 *  decides what to accept: see ACCEPTED_TX_POWER_MIN_DBM / _MAX_DBM and METADATA_VERSION_BYTE. */
export function decryptMetadata(aemk: Uint8Array, rpi: Uint8Array, aem: Uint8Array): Metadata {
    requireBytes(aemk, DERIVED_KEY_BYTES, "AEMK")
    requireBytes(rpi, RPI_BYTES, "RPI")
    requireBytes(aem, AEM_BYTES, "AEM")
    const metadata = aes128Ctr(aemk, rpi, aem)
    return { version: metadata[0], txPower: metadata.readInt8(1) }
}

/**
 * The RPIs a TEK produced over its validity, one per interval from `rollingStart`, in order: what a
 * receiver looks up among the identifiers it observed. One ECB call for the whole day.
 */
export function rpisForKey(tek: Uint8Array, rollingStart: number, rollingPeriod: number): IntervalRpi[] {
    const rpik = deriveRpik(tek)
    requireIntervalNumber(rollingStart, "rolling start interval number")
    requireRollingPeriod(rollingPeriod)
    if (rollingStart + rollingPeriod - 1 > MAX_EN_INTERVAL_NUMBER)
        throw new RangeError(`rolling start ${rollingStart} + period ${rollingPeriod} runs past the last EN interval`)
    const padded = Buffer.alloc(RPI_BYTES * rollingPeriod)
    for (let i = 0; i < rollingPeriod; i++) rpiPaddedData(rollingStart + i).copy(padded, RPI_BYTES * i)
    const rpis = aes128Ecb(rpik, padded)
    return Array.from({ length: rollingPeriod }, (_, i) => ({
        intervalNumber: rollingStart + i,
        rpi: rpis.subarray(RPI_BYTES * i, RPI_BYTES * (i + 1)),
    }))
}
