// The header row at the start of every contact-log sector (docs/storage.md), one 32-byte row:
//   0  2  magic 0x4C43 ("CL")
//   2  1  format version (2)
//   3  4  sequence number u32: +1 for every sector opened; orders the log oldest → newest
//   7  3  openedAt: u24 minutes since 2020-01-01 (≈ time of the sector's first record)
//  10  3  previousNewest: u24, lastSeen of the newest record in the sector opened before this one
//         (0xFFFFFF: none). Lets boot learn every full sector's newest time, for expiry, from
//         headers alone.
//  13 15  reserved (0xFF)
//  28  4  CRC-32 of bytes 0..27
// Written once, in one program, after the sector's erase. A sector leaves the log by having its
// header row destroyed (raw zeros) and then being erased: whatever a power cut leaves of that, the
// header never checks again, so nothing needs programming into a written row.
import { LOG_EPOCH_UNIX_MINUTES, LOG_FORMAT_VERSION, LOG_HEADER_SIZE, LOG_MAGIC, NO_TIME_U24, checkStorableMinute, getU24, setU24 } from "./layout"
import { rowChecks, sealRow } from "./checksum"

export interface SectorHeader {
    seq: number
    /** Unix minutes. */
    openedAt: number
    /** Unix minutes, or -1 when the previous sector had none. */
    previousNewest: number
}

function u24ToMinutes(v: number) {
    return v === NO_TIME_U24 ? -1 : LOG_EPOCH_UNIX_MINUTES + v
}

function minutesToU24(m: number, what: string) {
    if (m < 0) return NO_TIME_U24
    checkStorableMinute(m, what)
    return m - LOG_EPOCH_UNIX_MINUTES
}

/** A sealed header row, ready to program. */
export function encodeSectorHeader(seq: number, openedAt: number, previousNewest: number) {
    const buf = Buffer.alloc(LOG_HEADER_SIZE)
    buf.fillAt(0, LOG_HEADER_SIZE, 0xff)
    buf.setAt(0, "u16", LOG_MAGIC)
    buf.setAt(2, "u8", LOG_FORMAT_VERSION)
    buf.setAt(3, "u32", seq)
    setU24(buf, 7, minutesToU24(openedAt, "sector openedAt"))
    setU24(buf, 10, minutesToU24(previousNewest, "sector previousNewest"))
    sealRow(buf, 0)
    return buf
}

/** The header in a written row read back, or undefined when it fails its check (torn, destroyed
 *  part-way, damaged) or is not a log header of this version. */
export function decodeSectorHeader(buf: Buffer): SectorHeader {
    if (!rowChecks(buf, 0) || buf.getAt(0, "u16") !== LOG_MAGIC || buf.getAt(2, "u8") !== LOG_FORMAT_VERSION) return undefined
    return {
        seq: buf.getAt(3, "u32"),
        openedAt: u24ToMinutes(getU24(buf, 7)),
        previousNewest: u24ToMinutes(getU24(buf, 10)),
    }
}
