// A token's flash image written from Node in the exact on-flash format of docs/storage.md, so that a
// test or benchmark can boot a token with a full log without hours of simulated scanning: sectors
// 0–1 (key store) left erased, the contact log in sectors 2–255 in ring order, each sector a sealed
// 16-byte header followed by 136 sealed 30-byte records (CRC-16/CCITT-FALSE, 0xFFFF stored as 0xFFFE).
import { crc16, LOG_EPOCH_UNIX_MINUTES, RECORD_BYTES, type EncounterRecord } from "../../lib/token-sync/records.js"

/** The simulated NOR flash file in a token's folder: `<token dir>/flash.bin` (sim/token/token-hardware.ts). */
export const FLASH_FILE = "flash.bin"

const SECTOR_BYTES = 4096
const SECTOR_COUNT = 256
const LOG_FIRST_SECTOR = 2
const LOG_SECTORS = SECTOR_COUNT - LOG_FIRST_SECTOR
const HEADER_BYTES = 16
const RECORDS_PER_SECTOR = Math.floor((SECTOR_BYTES - HEADER_BYTES) / RECORD_BYTES) // 136
export const LOG_MAX_RECORDS = LOG_SECTORS * RECORDS_PER_SECTOR // 34,544
const LOG_MAGIC = 0x4c43
const LOG_FORMAT_VERSION = 1
const NO_TIME_U24 = 0xffffff

/** Writes the check value of `buf[at, at+length)` right after it. */
function seal(buf: Buffer, at: number, length: number) {
    const crc = crc16(buf.subarray(at, at + length))
    buf.writeUInt16LE(crc === 0xffff ? 0xfffe : crc, at + length)
}

const u24 = (buf: Buffer, at: number, v: number) => { buf.writeUInt16LE(v & 0xffff, at); buf[at + 2] = v >>> 16 }
const sinceEpoch = (unixMinutes: number) => unixMinutes - LOG_EPOCH_UNIX_MINUTES

function encodeRecord(r: EncounterRecord, out: Buffer, at: number) {
    out.set(r.rpi, at)
    out.set(r.aem, at + 16)
    u24(out, at + 20, sinceEpoch(r.firstSeen))
    out[at + 23] = Math.min(255, r.lastSeen - r.firstSeen)
    out[at + 24] = Math.min(255, r.scans)
    out.writeInt8(r.rssiMax, at + 25)
    out.writeInt8(r.rssiMean, at + 26)
    out.writeInt8(r.rssiMin, at + 27)
    seal(out, at, RECORD_BYTES - 2)
}

/**
 * The whole 1 MiB flash with `records` (oldest first, at most LOG_MAX_RECORDS) as the log: sector
 * sequence numbers 0, 1, … from sector 2 on, each header's previousNewest the newest lastSeen of the
 * sector before, as the firmware writes them.
 */
export function logFlashImage(records: readonly EncounterRecord[]): Buffer {
    if (records.length > LOG_MAX_RECORDS) throw new Error(`a log holds at most ${LOG_MAX_RECORDS} records`)
    const image = Buffer.alloc(SECTOR_COUNT * SECTOR_BYTES, 0xff)
    let previousNewest = -1
    for (let seq = 0; seq * RECORDS_PER_SECTOR < records.length; seq++) {
        const chunk = records.slice(seq * RECORDS_PER_SECTOR, (seq + 1) * RECORDS_PER_SECTOR)
        const base = (LOG_FIRST_SECTOR + seq) * SECTOR_BYTES
        image.writeUInt16LE(LOG_MAGIC, base)
        image[base + 2] = LOG_FORMAT_VERSION
        image.writeUInt32LE(seq, base + 3)
        u24(image, base + 7, sinceEpoch(chunk[0].firstSeen))
        u24(image, base + 10, previousNewest < 0 ? NO_TIME_U24 : sinceEpoch(previousNewest))
        seal(image, base, 13)
        chunk.forEach((r, i) => encodeRecord(r, image, base + HEADER_BYTES + i * RECORD_BYTES))
        previousNewest = Math.max(...chunk.map(r => r.lastSeen))
    }
    return image
}
