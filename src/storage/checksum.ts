// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) and the "checked slot" convention every structure
// in flash uses: a body followed by its 2-byte check value, programmed body first.
import { CHECK_SIZE } from "./layout"
import { Flash, isErased } from "./flash"

let table: Buffer

function crcTable() {
    if (!table) {
        // 256 × u16, built once (512 bytes): 8× fewer VM opcodes than the bitwise loop.
        table = Buffer.alloc(512)
        for (let n = 0; n < 256; ++n) {
            let c = n << 8
            for (let k = 0; k < 8; ++k) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff
            table.setAt(n * 2, "u16", c)
        }
    }
    return table
}

export function crc16(buf: Buffer, start: number, length: number) {
    const t = crcTable()
    let crc = 0xffff
    for (let i = start; i < start + length; ++i)
        crc = ((crc << 8) & 0xffff) ^ t.getAt(((crc >> 8) ^ buf[i]) * 2, "u16")
    return crc
}

/**
 * The check value stored after a body: its CRC-16, except that 0xFFFF (the erased state) is never
 * stored, so "check bytes still 0xFFFF" always means "not committed" whatever the body holds.
 */
export function checkValue(buf: Buffer, start: number, bodyLength: number) {
    const crc = crc16(buf, start, bodyLength)
    return crc === 0xffff ? 0xfffe : crc
}

export const enum SlotState {
    /** Body and check all 0xFF: never written. */
    Empty = 0,
    Valid = 1,
    /** Anything else: torn by a power cut, or damaged. Skipped and counted by the readers. */
    Bad = 2,
}

export function slotState(buf: Buffer, start: number, bodyLength: number): SlotState {
    const stored = buf.getAt(start + bodyLength, "u16")
    if (stored !== 0xffff && stored === checkValue(buf, start, bodyLength)) return SlotState.Valid
    if (isErased(buf, start, bodyLength + CHECK_SIZE)) return SlotState.Empty
    return SlotState.Bad
}

/** Writes the check value of the body at `start` right after it (making the slot image complete). */
export function sealSlot(buf: Buffer, start: number, bodyLength: number) {
    buf.setAt(start + bodyLength, "u16", checkValue(buf, start, bodyLength))
}

/**
 * Programs a sealed slot image (body + check value, see sealSlot) at flash `offset`, which must be
 * erased, in two program operations: body first, check value last. A power cut during the first
 * leaves the check bytes erased (reads as uncommitted); during the second the body is complete.
 */
export async function programSealedSlot(flash: Flash, offset: number, buf: Buffer, start: number, bodyLength: number) {
    await flash.program(offset, buf.slice(start, start + bodyLength))
    await flash.program(offset + bodyLength, buf.slice(start + bodyLength, start + bodyLength + CHECK_SIZE))
}
