// The 31-byte legacy BLE advertising payload of an Exposure Notification beacon (GAEN Bluetooth
// Specification v1.2), built as the firmware does (src/gaen/advertisement.ts) and parsed as a
// scanner must: walking the AD structures, without requiring Flags (Android omits them).
//   02 01 1A                       Flags
//   03 03 6F FD                    Complete list of 16-bit service UUIDs: 0xFD6F
//   17 16 6F FD RPI[16] AEM[4]     Service data for 0xFD6F
import {
    AD_FLAGS_VALUE,
    AD_TYPE_COMPLETE_UUID16_LIST,
    AD_TYPE_FLAGS,
    AD_TYPE_SERVICE_DATA_UUID16,
    AEM_BYTES,
    LEGACY_ADVERTISEMENT_BYTES,
    RPI_BYTES,
    SERVICE_UUID16,
} from "./constants.js"
import { requireBytes } from "./validate.js"

/** Byte offsets in a payload built by advertisementPayload. */
export const PAYLOAD_RPI_OFFSET = 11
export const PAYLOAD_AEM_OFFSET = PAYLOAD_RPI_OFFSET + RPI_BYTES

/** What a GAEN advertisement carries. */
export interface GaenAdvertisement {
    rpi: Buffer
    aem: Buffer
}

/** Thrown by parseAdvertisement for bytes that are not a well-formed GAEN advertisement. */
export class AdvertisementParseError extends Error {
    constructor(message: string) {
        super(message)
        this.name = "AdvertisementParseError"
    }
}

const UUID_LOW = SERVICE_UUID16 & 0xff // 16-bit UUIDs are sent little-endian
const UUID_HIGH = SERVICE_UUID16 >> 8
/** Service data = UUID (2) || RPI (16) || AEM (4). */
const SERVICE_DATA_BYTES = 2 + RPI_BYTES + AEM_BYTES

/** Builds the 31-byte payload: Flags, UUID list, service data (RPI || AEM). */
export function advertisementPayload(rpi: Uint8Array, aem: Uint8Array): Buffer {
    requireBytes(rpi, RPI_BYTES, "RPI")
    requireBytes(aem, AEM_BYTES, "AEM")
    // Each AD structure is: length (of type + data), type, data.
    const payload = Buffer.concat([
        Buffer.from([2, AD_TYPE_FLAGS, AD_FLAGS_VALUE]),
        Buffer.from([3, AD_TYPE_COMPLETE_UUID16_LIST, UUID_LOW, UUID_HIGH]),
        Buffer.from([1 + SERVICE_DATA_BYTES, AD_TYPE_SERVICE_DATA_UUID16, UUID_LOW, UUID_HIGH]),
        rpi,
        aem,
    ])
    return payload
}

/**
 * Extracts RPI and AEM from advertising data (the AD structures, without the BLE header/address).
 * Accepts any order of AD structures, with or without Flags or the UUID list, and an early
 * terminating zero length. Throws AdvertisementParseError for empty, oversized (> 31 bytes) or
 * truncated data, for GAEN service data of the wrong size, and for data with no GAEN service
 * data at all; TypeError if `payload` is not a Uint8Array. (Two GAEN service data structures
 * cannot both fit in 31 bytes, so there is no "which one" question.)
 */
export function parseAdvertisement(payload: Uint8Array): GaenAdvertisement {
    if (!(payload instanceof Uint8Array)) throw new TypeError(`advertisement payload must be a Uint8Array, got ${typeof payload}`)
    if (payload.length === 0) throw new AdvertisementParseError("advertisement payload is empty")
    if (payload.length > LEGACY_ADVERTISEMENT_BYTES)
        throw new AdvertisementParseError(
            `advertisement payload is ${payload.length} bytes; a legacy advertisement holds at most ${LEGACY_ADVERTISEMENT_BYTES}`
        )
    let found: GaenAdvertisement | undefined
    let at = 0
    while (at < payload.length) {
        const length = payload[at] // covers the type byte and the data
        if (length === 0) break // early termination (Core Spec Vol 3 Part C 11): the rest is padding
        const end = at + 1 + length
        if (end > payload.length)
            throw new AdvertisementParseError(
                `advertisement truncated: AD structure at byte ${at} declares ${length} bytes but only ${payload.length - at - 1} follow`
            )
        const type = payload[at + 1]
        const data = payload.subarray(at + 2, end)
        if (type === AD_TYPE_SERVICE_DATA_UUID16 && data.length >= 2 && data[0] === UUID_LOW && data[1] === UUID_HIGH) {
            if (data.length !== SERVICE_DATA_BYTES)
                throw new AdvertisementParseError(
                    `Exposure Notification service data must be ${SERVICE_DATA_BYTES - 2} bytes (RPI 16 + AEM 4), got ${data.length - 2}`
                )
            found = {
                rpi: Buffer.from(data.subarray(2, 2 + RPI_BYTES)),
                aem: Buffer.from(data.subarray(2 + RPI_BYTES)),
            }
        }
        at = end
    }
    if (!found) throw new AdvertisementParseError("not an Exposure Notification advertisement: no service data for UUID 0xFD6F")
    return found
}
