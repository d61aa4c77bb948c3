// Rolling Proximity Identifiers and Associated Encrypted Metadata.
// GAEN Cryptography Specification v1.2, "Rolling Proximity Identifier" and "Associated Encrypted
// Metadata"; GAEN Bluetooth Specification v1.2, "Metadata".
import { ctr128, encryptBlock128 } from "./aes128"
import { METADATA_BYTES, METADATA_VERSION_BYTE, RPI_BYTES, RPI_PAD_ENIN_OFFSET, RPI_PAD_PREFIX } from "./constants"
import { DailyKeys } from "./keys"
import { requireBytes, requireIntervalNumber, requireTxPower } from "./validate"

/** PaddedData_j = "EN-RPI" || 0x00 * 6 || ENIN_j as uint32 little-endian (16 bytes). */
export function rpiPaddedData(enin: number): Buffer {
    requireIntervalNumber(enin)
    const padded = Buffer.alloc(RPI_BYTES) // bytes 6..11 stay zero
    padded.blitAt(0, RPI_PAD_PREFIX, 0, RPI_PAD_PREFIX.length)
    padded.setAt(RPI_PAD_ENIN_OFFSET, "u32", enin) // u32 is little-endian
    return padded
}

/** RPI_j = AES128(RPIK, PaddedData_j): one block, synchronous. */
export function rollingProximityIdentifier(keys: DailyKeys, enin: number): Buffer {
    return encryptBlock128(keys.rpikSchedule, rpiPaddedData(enin))
}

/** Metadata v1.0: [version 0x40, TX power as a signed byte, 0, 0]. */
export function bluetoothMetadata(txPowerDbm: number): Buffer {
    requireTxPower(txPowerDbm)
    const metadata = Buffer.alloc(METADATA_BYTES)
    metadata[0] = METADATA_VERSION_BYTE
    metadata.setAt(1, "i8", txPowerDbm)
    return metadata
}

/** AEM = AES128-CTR(AEMK, initial counter = RPI, metadata). The same call decrypts an AEM. */
export function associatedEncryptedMetadata(keys: DailyKeys, rpi: Buffer, metadata: Buffer): Buffer {
    requireBytes(rpi, RPI_BYTES, "RPI")
    requireBytes(metadata, METADATA_BYTES, "metadata")
    return ctr128(keys.aemkSchedule, rpi, metadata)
}
