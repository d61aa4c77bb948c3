// The token's encounter records as they come out of read_log: 30 bytes each (layout in
// docs/storage.md and src/storage/contact-record.ts). Decoded on the host for matching.

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

export const RECORD_BYTES = 30
/** 2020-01-01T00:00Z in Unix minutes: the log's time origin. */
export const LOG_EPOCH_UNIX_MINUTES = 26297280

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

/** Decodes one record; throws RecordFormatError when its checksum does not match. */
export function decodeRecord(buf: Uint8Array): EncounterRecord {
    if (buf.length !== RECORD_BYTES) throw new RecordFormatError(`a record is ${RECORD_BYTES} bytes, got ${buf.length}`)
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
    if (b.readUInt16LE(28) !== checkValue(b.subarray(0, 28))) throw new RecordFormatError("record checksum does not match")
    const firstSeen = LOG_EPOCH_UNIX_MINUTES + b.readUInt16LE(20) + (b[22] << 16)
    return {
        rpi: new Uint8Array(b.subarray(0, 16)),
        aem: new Uint8Array(b.subarray(16, 20)),
        firstSeen,
        lastSeen: firstSeen + b[23],
        scans: b[24],
        rssiMax: b.readInt8(25),
        rssiMean: b.readInt8(26),
        rssiMin: b.readInt8(27),
    }
}
