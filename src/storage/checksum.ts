// Check values. CRC-32 (IEEE 802.3: reflected, poly 0xEDB88320, init and final XOR 0xFFFFFFFF)
// guards every row in flash: a row is a body and its CRC-32 in its last 4 bytes (docs/storage.md,
// "Checked rows"). CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) is the read_log wire record's check
// value (services/token-sync.md), recomputed when a record leaves flash.
import { ROW_CHECK_SIZE, ROW_SIZE } from "./layout"

let table16: Buffer
let table32: Buffer

function crc16Table() {
    if (!table16) {
        // 256 × u16, built once (512 bytes): 8× fewer VM opcodes than the bitwise loop.
        table16 = Buffer.alloc(512)
        for (let n = 0; n < 256; ++n) {
            let c = n << 8
            for (let k = 0; k < 8; ++k) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff
            table16.setAt(n * 2, "u16", c)
        }
    }
    return table16
}

function crc32Table() {
    if (!table32) {
        // 256 × u32, built once (1 KiB).
        table32 = Buffer.alloc(1024)
        for (let n = 0; n < 256; ++n) {
            let c = n
            for (let k = 0; k < 8; ++k) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
            table32.setAt(n * 4, "u32", c >>> 0)
        }
    }
    return table32
}

export function crc16(buf: Buffer, start: number, length: number) {
    const t = crc16Table()
    let crc = 0xffff
    for (let i = start; i < start + length; ++i) crc = ((crc << 8) & 0xffff) ^ t.getAt(((crc >> 8) ^ buf[i]) * 2, "u16")
    return crc
}

/** The read_log wire record's check value of a body: its CRC-16, 0xFFFF sent as 0xFFFE. */
export function checkValue(buf: Buffer, start: number, bodyLength: number) {
    const crc = crc16(buf, start, bodyLength)
    return crc === 0xffff ? 0xfffe : crc
}

/** CRC-32 (IEEE) of `length` bytes of `buf` from `start`, unsigned. */
export function crc32(buf: Buffer, start: number, length: number) {
    const t = crc32Table()
    let crc = 0xffffffff
    for (let i = start; i < start + length; ++i) crc = t.getAt(((crc ^ buf[i]) & 0xff) * 4, "u32") ^ (crc >>> 8)
    return (crc ^ 0xffffffff) >>> 0
}

/** Writes the CRC-32 of a `size`-byte record's body (all but its last 4 bytes) into its last 4 bytes. */
export function sealRecord(buf: Buffer, at: number, size: number) {
    buf.setAt(at + size - ROW_CHECK_SIZE, "u32", crc32(buf, at, size - ROW_CHECK_SIZE))
}

/** True when the `size`-byte record at `at` ends with the CRC-32 of its body: committed whole, not
 *  torn, not noise. */
export function recordChecks(buf: Buffer, at: number, size: number) {
    return buf.getAt(at + size - ROW_CHECK_SIZE, "u32") === crc32(buf, at, size - ROW_CHECK_SIZE)
}

/** sealRecord for a one-row record (body in the first ROW_BODY_SIZE bytes). */
export function sealRow(buf: Buffer, at: number) {
    sealRecord(buf, at, ROW_SIZE)
}

/** recordChecks for a one-row record. */
export function rowChecks(buf: Buffer, at: number) {
    return recordChecks(buf, at, ROW_SIZE)
}
