// The token's encounter records as they come out of read_log: the host's one codec of the 30-byte
// wire record (encode and decode, with its check value). The layout is docs/storage.md's; the
// firmware has its own codec (src/storage/contact-record.ts: DeviceScript cannot import this one),
// and test/firmware/wire-record.test.ts fails when the two disagree on any byte
// (its vectors come from this file: scripts/gen-wire-record-vectors.ts).
import { TokenSyncLayout } from "../jacdac/service-specs.js"

export interface EncounterRecord {
    rpi: Uint8Array
    aem: Uint8Array
    /** Unix minutes of the first scan that heard the RPI. */
    firstSeen: number
    /** Unix minutes of the last scan that heard it. */
    lastSeen: number
    /** Scans that heard it. */
    scans: number
    /** Per-scan mean RSSI (dBm) as the radio reports it: the highest, the mean and the lowest over the scans. */
    rssiMax: number
    rssiMean: number
    rssiMin: number
}

/** A record's size (services/token-sync.md, `TokenSyncLayout.RecordBytes`). */
export const RECORD_BYTES: number = TokenSyncLayout.RecordBytes
/** Where each field starts in a record (little-endian). */
export const RECORD_LAYOUT = {
    rpi: 0,
    aem: 16,
    /** u24 minutes since LOG_EPOCH_UNIX_MINUTES. */
    firstSeen: 20,
    /** u8 minutes from firstSeen to lastSeen (255 at the most). */
    duration: 23,
    /** u8 (255 at the most). */
    scans: 24,
    /** i8 dBm each. */
    rssiMax: 25,
    rssiMean: 26,
    rssiMin: 27,
    /** The check value of the bytes before it (u16). */
    check: 28,
} as const
const RPI_FIELD_BYTES = RECORD_LAYOUT.aem - RECORD_LAYOUT.rpi
const AEM_FIELD_BYTES = RECORD_LAYOUT.firstSeen - RECORD_LAYOUT.aem
/** 2020-01-01T00:00Z in Unix minutes: the log's time origin. */
export const LOG_EPOCH_UNIX_MINUTES = 26297280
/** The last Unix minute a record can hold (u24 minutes; 0xFFFFFF means "no time"). */
export const LOG_LAST_UNIX_MINUTE = LOG_EPOCH_UNIX_MINUTES + 0xffffff - 1

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as the token seals each record it sends. */
export function crc16(bytes: Uint8Array): number {
    let crc = 0xffff
    for (const b of bytes) {
        crc ^= b << 8
        for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    }
    return crc
}

/**
 * The check value the token sends after a record (read_log's wire record): its CRC-16, except that
 * 0xFFFF is sent as 0xFFFE (services/token-sync.md; in flash the token keeps a CRC-32 instead,
 * docs/storage.md).
 */
export function checkValue(bytes: Uint8Array): number {
    const crc = crc16(bytes)
    return crc === 0xffff ? 0xfffe : crc
}

export class RecordFormatError extends Error {}

const saturate = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)))

/**
 * The 30 bytes of one record, sealed with its check value, as the token writes it: duration and
 * scans saturate at 255, RSSI at the i8 range. Throws RecordFormatError naming the field that
 * cannot be written (a wrong RPI or AEM length, a time outside 2020-01-01..2051-11, lastSeen
 * before firstSeen).
 */
export function encodeRecord(r: EncounterRecord): Buffer {
    if (r.rpi.length !== RPI_FIELD_BYTES) throw new RecordFormatError(`a record's RPI is ${RPI_FIELD_BYTES} bytes, got ${r.rpi.length}`)
    if (r.aem.length !== AEM_FIELD_BYTES) throw new RecordFormatError(`a record's AEM is ${AEM_FIELD_BYTES} bytes, got ${r.aem.length}`)
    for (const field of ["firstSeen", "lastSeen"] as const) {
        const m = r[field]
        if (!Number.isInteger(m) || m < LOG_EPOCH_UNIX_MINUTES || m > LOG_LAST_UNIX_MINUTE)
            throw new RecordFormatError(`a record's ${field} (Unix minute ${m}) is outside 2020-01-01..2051-11-25, the times a record can hold`)
    }
    if (r.lastSeen < r.firstSeen) throw new RecordFormatError(`a record's lastSeen (${r.lastSeen}) is before its firstSeen (${r.firstSeen})`)
    const b = Buffer.alloc(RECORD_BYTES)
    const L = RECORD_LAYOUT
    b.set(r.rpi, L.rpi)
    b.set(r.aem, L.aem)
    b.writeUIntLE(r.firstSeen - LOG_EPOCH_UNIX_MINUTES, L.firstSeen, 3)
    b[L.duration] = saturate(r.lastSeen - r.firstSeen, 0, 255)
    b[L.scans] = saturate(r.scans, 0, 255)
    b.writeInt8(saturate(r.rssiMax, -128, 127), L.rssiMax)
    b.writeInt8(saturate(r.rssiMean, -128, 127), L.rssiMean)
    b.writeInt8(saturate(r.rssiMin, -128, 127), L.rssiMin)
    b.writeUInt16LE(checkValue(b.subarray(0, L.check)), L.check)
    return b
}

/** Decodes one record; throws RecordFormatError when its length or checksum is wrong. */
export function decodeRecord(buf: Uint8Array): EncounterRecord {
    if (buf.length !== RECORD_BYTES) throw new RecordFormatError(`a record is ${RECORD_BYTES} bytes, got ${buf.length}`)
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
    const L = RECORD_LAYOUT
    if (b.readUInt16LE(L.check) !== checkValue(b.subarray(0, L.check))) throw new RecordFormatError("record checksum does not match")
    const firstSeen = LOG_EPOCH_UNIX_MINUTES + b.readUIntLE(L.firstSeen, 3)
    return {
        rpi: new Uint8Array(b.subarray(L.rpi, L.rpi + RPI_FIELD_BYTES)),
        aem: new Uint8Array(b.subarray(L.aem, L.aem + AEM_FIELD_BYTES)),
        firstSeen,
        lastSeen: firstSeen + b[L.duration],
        scans: b[L.scans],
        rssiMax: b.readInt8(L.rssiMax),
        rssiMean: b.readInt8(L.rssiMean),
        rssiMin: b.readInt8(L.rssiMin),
    }
}
