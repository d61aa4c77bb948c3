// The 16-byte header at the start of every contact-log sector (docs/storage.md):
//   0  2  magic 0x4C43 ("CL")
//   2  1  format version (1)
//   3  4  sequence number u32: +1 for every sector opened; orders the log oldest → newest
//   7  3  openedAt: u24 minutes since 2020-01-01 (≈ time of the sector's first record)
//  10  3  previousNewest: u24, lastSeen of the newest record in the sector opened before this one
//         (0xFFFFFF: none). Lets boot learn every full sector's newest time, for expiry, from
//         headers alone.
//  13  2  check value of bytes 0..12 (written last)
//  15  1  retire mark: 0xFF while live; programmed to 0x00 just before the sector is erased, so a
//         sector whose erase was interrupted is never read as live again.
import {
    LOG_EPOCH_UNIX_MINUTES,
    LOG_FORMAT_VERSION,
    LOG_HEADER_BODY_SIZE,
    LOG_HEADER_RETIRE_OFFSET,
    LOG_HEADER_SIZE,
    LOG_MAGIC,
    NO_TIME_U24,
    checkStorableMinute,
    getU24,
    setU24,
} from "./layout"
import { SlotState, sealSlot, slotState } from "./checksum"
import { isErased } from "./flash"

export const enum HeaderState {
    /** Never written since the last erase (the rest of the sector may still hold garbage). */
    Blank = 0,
    Live = 1,
    /** Marked for erase; its content is not part of the log. */
    Retired = 2,
    /** Fails its check or has an unknown magic/version: counted, then reused as free space. */
    Bad = 3,
}

export interface SectorHeader {
    state: HeaderState
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

/** A sealed 16-byte header image, ready for programSealedSlot(…, LOG_HEADER_BODY_SIZE). */
export function encodeSectorHeader(seq: number, openedAt: number, previousNewest: number) {
    const buf = Buffer.alloc(LOG_HEADER_SIZE)
    buf.fillAt(0, LOG_HEADER_SIZE, 0xff)
    buf.setAt(0, "u16", LOG_MAGIC)
    buf.setAt(2, "u8", LOG_FORMAT_VERSION)
    buf.setAt(3, "u32", seq)
    setU24(buf, 7, minutesToU24(openedAt, "sector openedAt"))
    setU24(buf, 10, minutesToU24(previousNewest, "sector previousNewest"))
    sealSlot(buf, 0, LOG_HEADER_BODY_SIZE)
    return buf
}

export function decodeSectorHeader(buf: Buffer): SectorHeader {
    const h: SectorHeader = { state: HeaderState.Bad, seq: 0, openedAt: -1, previousNewest: -1 }
    if (isErased(buf, 0, LOG_HEADER_SIZE)) {
        h.state = HeaderState.Blank
        return h
    }
    if (
        slotState(buf, 0, LOG_HEADER_BODY_SIZE) !== SlotState.Valid ||
        buf.getAt(0, "u16") !== LOG_MAGIC ||
        buf.getAt(2, "u8") !== LOG_FORMAT_VERSION
    )
        return h
    h.seq = buf.getAt(3, "u32")
    h.openedAt = u24ToMinutes(getU24(buf, 7))
    h.previousNewest = u24ToMinutes(getU24(buf, 10))
    h.state = buf[LOG_HEADER_RETIRE_OFFSET] === 0xff ? HeaderState.Live : HeaderState.Retired
    return h
}
