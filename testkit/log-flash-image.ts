// A token's flash content written from Node in the exact on-flash format of docs/storage.md, so that
// a test or benchmark can boot a token with a full log without hours of simulated scanning: sectors
// 0–1 (key store) and 2 (secrets) left erased, the contact log in sectors 3–255 in ring order, each
// sector a header row followed by 127 record rows, every row 32 bytes: a 28-byte body and its CRC-32.
// logFlashImage is the plaintext the firmware reads; writeTokenLog puts it into a new simulated
// token's folder as the chip holds it: encrypted under the token's own key (the flash server's
// encryption model, services/flash.md "The simulator").
import { crc32 } from "node:zlib"
import { LOG_EPOCH_UNIX_MINUTES, RECORD_LAYOUT, encodeRecord, type EncounterRecord } from "../lib/token-sync/records.js"
import { ROW_SIZE as ROW_BYTES, writeChipImage } from "../sim/hardware/flash-server.js"
import { tokenFlashFiles } from "../sim/token/token-config.js"

const SECTOR_BYTES = 4096
const SECTOR_COUNT = 256
const ROW_BODY_BYTES = ROW_BYTES - 4
const LOG_FIRST_SECTOR = 3
const LOG_SECTORS = SECTOR_COUNT - LOG_FIRST_SECTOR
/** Records per log sector: 127 (128 rows, one of them the header). */
export const RECORDS_PER_SECTOR = SECTOR_BYTES / ROW_BYTES - 1
export const LOG_MAX_RECORDS = LOG_SECTORS * RECORDS_PER_SECTOR // 32,131
const LOG_MAGIC = 0x4c43
const LOG_FORMAT_VERSION = 2
const NO_TIME_U24 = 0xffffff

/** Writes the CRC-32 of the row's body into its last 4 bytes. */
function sealRow(buf: Buffer, at: number) {
    buf.writeUInt32LE(crc32(buf.subarray(at, at + ROW_BODY_BYTES)), at + ROW_BODY_BYTES)
}

const u24 = (buf: Buffer, at: number, v: number) => {
    buf.writeUInt16LE(v & 0xffff, at)
    buf[at + 2] = v >>> 16
}
const sinceEpoch = (unixMinutes: number) => unixMinutes - LOG_EPOCH_UNIX_MINUTES

/** A record's flash row: the wire record's 28-byte body (the one host codec) and its CRC-32. */
function encodeRecordRow(r: EncounterRecord, out: Buffer, at: number) {
    encodeRecord(r).copy(out, at, 0, RECORD_LAYOUT.check)
    sealRow(out, at)
}

/**
 * The whole 1 MiB flash (plaintext) with `records` (oldest first, at most LOG_MAX_RECORDS) as the
 * log: sector sequence numbers 0, 1, … from sector 3 on, each header's previousNewest the newest
 * lastSeen of the sector before, as the firmware writes them.
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
        sealRow(image, base)
        chunk.forEach((r, i) => encodeRecordRow(r, image, base + (1 + i) * ROW_BYTES))
        previousNewest = Math.max(...chunk.map(r => r.lastSeen))
    }
    return image
}

/** A new token's folder `dir` with `records` as its log (the chip's key made for it). */
export function writeTokenLog(dir: string, records: readonly EncounterRecord[]) {
    writeChipImage(tokenFlashFiles(dir), logFlashImage(records))
}
