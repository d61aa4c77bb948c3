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
    // Each AD structure is: length (type + data), type, data.
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

/** What a receiver takes from a GAEN advertisement. */
export interface HeardIdentifiers {
    rpi: Buffer
    aem: Buffer
}

/**
 * Finds the GAEN service data in received advertising data, walking its AD structures (any order;
 * Flags optional, as Android omits them). Returns undefined for anything that is not a well-formed
 * GAEN advertisement: empty, over 31 bytes, truncated, or without 20 bytes of 0xFD6F service data.
 * Never throws: a receiver counts and ignores what it cannot use.
 */
export function parseGaenAdvertisement(data: Buffer): HeardIdentifiers {
    if (!data || data.length === 0 || data.length > LEGACY_ADVERTISEMENT_BYTES) return undefined
    const uuidLow = SERVICE_UUID16 & 0xff
    const uuidHigh = SERVICE_UUID16 >> 8
    let found: HeardIdentifiers = undefined
    let i = 0
    while (i < data.length) {
        const len = data[i]
        if (len === 0) break // zero length ends the significant part
        if (i + 1 + len > data.length) return undefined // truncated structure
        const type = data[i + 1]
        if (type === AD_TYPE_SERVICE_DATA_UUID16 && len >= 3 && data[i + 2] === uuidLow && data[i + 3] === uuidHigh) {
            if (len !== 3 + RPI_BYTES + AEM_BYTES || found) return undefined
            const at = i + 4
            found = { rpi: data.slice(at, at + RPI_BYTES), aem: data.slice(at + RPI_BYTES, at + RPI_BYTES + AEM_BYTES) }
        }
        i += 1 + len
    }
    return found
}
