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
