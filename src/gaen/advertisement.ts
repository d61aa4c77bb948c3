// The 31-byte legacy BLE advertising payload of an Exposure Notification beacon.
// GAEN Bluetooth Specification v1.2, "Advertising Payload":
//   02 01 1A                 Flags
//   03 03 6F FD              Complete list of 16-bit service UUIDs: 0xFD6F
//   17 16 6F FD RPI[16] AEM[4]   Service data for 0xFD6F
import {
    AD_FLAGS_VALUE,
    AD_TYPE_COMPLETE_UUID16_LIST,
    AD_TYPE_FLAGS,
    AD_TYPE_SERVICE_DATA_UUID16,
    AEM_BYTES,
    LEGACY_ADVERTISEMENT_BYTES,
    RPI_BYTES,
    SERVICE_UUID16,
} from "./constants"
import { requireBytes } from "./validate"

/** Byte offsets in the payload, for readers and tests. */
export const PAYLOAD_RPI_OFFSET = 11
export const PAYLOAD_AEM_OFFSET = PAYLOAD_RPI_OFFSET + RPI_BYTES

/** Builds the 31-byte payload: Flags, UUID list, service data (RPI || AEM). */
export function advertisementPayload(rpi: Buffer, aem: Buffer): Buffer {
    requireBytes(rpi, RPI_BYTES, "RPI")
    requireBytes(aem, AEM_BYTES, "AEM")
    const uuidLow = SERVICE_UUID16 & 0xff // 16-bit UUIDs are sent little-endian
    const uuidHigh = SERVICE_UUID16 >> 8
    // Each AD structure is: length (type + data), type, data; one structure per line.
    // prettier-ignore
    const header = Buffer.from([
        2, AD_TYPE_FLAGS, AD_FLAGS_VALUE,
        3, AD_TYPE_COMPLETE_UUID16_LIST, uuidLow, uuidHigh,
        3 + RPI_BYTES + AEM_BYTES, AD_TYPE_SERVICE_DATA_UUID16, uuidLow, uuidHigh,
    ])
    const payload = Buffer.alloc(LEGACY_ADVERTISEMENT_BYTES)
    payload.blitAt(0, header, 0, header.length)
    payload.blitAt(PAYLOAD_RPI_OFFSET, rpi, 0, RPI_BYTES)
    payload.blitAt(PAYLOAD_AEM_OFFSET, aem, 0, AEM_BYTES)
    return payload
}

/**
 * Finds the GAEN service data in received advertising data `buf[start .. start + length)`, walking
 * its AD structures (any order; Flags optional, as Android omits them). Returns the offset of the
 * RPI in `buf` (the AEM follows it), or -1 for anything that is not a well-formed GAEN
 * advertisement: empty, over 31 bytes, truncated, or without exactly 20 bytes of 0xFD6F service
 * data. Allocates nothing, never throws: a receiver counts and ignores what it cannot use.
 */
export function findGaenIdentifiers(buf: Buffer, start: number, length: number): number {
    if (!buf || length <= 0 || length > LEGACY_ADVERTISEMENT_BYTES || start + length > buf.length) return -1
    const uuidLow = SERVICE_UUID16 & 0xff
    const uuidHigh = SERVICE_UUID16 >> 8
    const end = start + length
    let found = -1
    let i = start
    while (i < end) {
        const len = buf[i]
        if (len === 0) break // zero length ends the significant part
        if (i + 1 + len > end) return -1 // truncated structure
        if (buf[i + 1] === AD_TYPE_SERVICE_DATA_UUID16 && len >= 3 && buf[i + 2] === uuidLow && buf[i + 3] === uuidHigh) {
            if (len !== 3 + RPI_BYTES + AEM_BYTES || found >= 0) return -1
            found = i + 4
        }
        i += 1 + len
    }
    return found
}
