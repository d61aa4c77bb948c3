// One contact record per heard RPI: what a kiosk needs later to compute COCOA's weighted exposure.
// Attenuation (TX power − RSSI) can only be computed at the kiosk, after it decrypts the TX power
// from the AEM with the diagnosis key, so the record keeps the AEM and RSSI, not an attenuation.
//
// Body (28 bytes, little-endian), docs/storage.md. In flash it fills one 32-byte row with its CRC-32
// (bytes 28..31, checksum.ts); read_log sends it with a CRC-16 instead (30 bytes, the wire record
// of services/token-sync.md):
//   0  16  RPI (rolling proximity identifier)
//  16   4  AEM (associated encrypted metadata), as received
//  20   3  firstSeen: u24 minutes since 2020-01-01T00:00Z (first scan that heard the RPI)
//  23   1  duration: lastSeen − firstSeen in minutes, u8 (saturates at 255; an RPI lives ≤ 20 min)
//  24   1  scans: number of scans that heard it, u8 (saturates at 255)
//  25   1  rssiMax: i8 dBm, highest per-scan (mean) RSSI: the closest moment
//  26   1  rssiMean: i8 dBm, mean over the scans (→ GAEN typicalAttenuation)
//  27   1  rssiMin: i8 dBm, weakest per-scan RSSI (spread: was the contact steady?)
//  28   2  (wire) check: CRC-16/CCITT-FALSE of bytes 0..27 (0xFFFF sent as 0xFFFE)
//  28   4  (flash) check: CRC-32 of bytes 0..27
// A kiosk estimates exposure seconds as scans × the firmware's scan period, bucketed by the
// attenuation txPower − rssiMean (and may use rssiMax/rssiMin to bound it).
import { AEM_BYTES, RPI_BYTES } from "../gaen/constants"
import { LOG_EPOCH_UNIX_MINUTES, RECORD_BODY_SIZE, RECORD_SIZE, checkStorableMinute, getU24, setU24 } from "./layout"
import { checkValue, sealRow } from "./checksum"

/** Where the AEM sits in a record: right after the RPI. */
const AT_AEM = RPI_BYTES

export interface ContactRecord {
    rpi: Buffer
    aem: Buffer
    /** Unix minutes. */
    firstSeen: number
    /** Unix minutes, ≥ firstSeen. Stored as a duration that saturates at 255 minutes. */
    lastSeen: number
    scans: number
    rssiMax: number
    rssiMean: number
    rssiMin: number
}

function clamp(v: number, lo: number, hi: number) {
    return v < lo ? lo : v > hi ? hi : Math.round(v)
}

/** Writes the 30-byte wire record (body and CRC-16) into `out` at `at`. Throws on invalid input. */
export function encodeRecord(r: ContactRecord, out: Buffer, at: number) {
    encodeBody(r, out, at)
    out.setAt(at + RECORD_BODY_SIZE, "u16", checkValue(out, at, RECORD_BODY_SIZE))
}

/** Writes the 32-byte flash row (body and CRC-32) into `out` at `at`. Throws on invalid input. */
export function encodeRecordRow(r: ContactRecord, out: Buffer, at: number) {
    encodeBody(r, out, at)
    sealRow(out, at)
}

/** Copies the body of the flash row at `row[at]` into `out` at `outAt` as a wire record (CRC-16). */
export function rowToWireRecord(row: Buffer, at: number, out: Buffer, outAt: number) {
    out.blitAt(outAt, row, at, RECORD_BODY_SIZE)
    out.setAt(outAt + RECORD_BODY_SIZE, "u16", checkValue(row, at, RECORD_BODY_SIZE))
}

function encodeBody(r: ContactRecord, out: Buffer, at: number) {
    if (r.rpi.length !== RPI_BYTES || r.aem.length !== AEM_BYTES) throw new RangeError("record: RPI is 16 bytes, AEM 4")
    checkStorableMinute(r.firstSeen, "record: firstSeen")
    checkStorableMinute(r.lastSeen, "record: lastSeen")
    if (!(r.lastSeen >= r.firstSeen)) throw new RangeError("record: lastSeen before firstSeen")
    out.blitAt(at, r.rpi, 0, RPI_BYTES)
    out.blitAt(at + AT_AEM, r.aem, 0, AEM_BYTES)
    setU24(out, at + 20, r.firstSeen - LOG_EPOCH_UNIX_MINUTES)
    out.setAt(at + 23, "u8", clamp(r.lastSeen - r.firstSeen, 0, 255))
    out.setAt(at + 24, "u8", clamp(r.scans, 0, 255))
    out.setAt(at + 25, "i8", clamp(r.rssiMax, -128, 127))
    out.setAt(at + 26, "i8", clamp(r.rssiMean, -128, 127))
    out.setAt(at + 27, "i8", clamp(r.rssiMin, -128, 127))
}

/** Decodes the record (wire record or flash row) at `at` (its check value is not verified here:
 *  readers only hand out verified records). */
export function decodeRecord(buf: Buffer, at: number): ContactRecord {
    const firstSeen = LOG_EPOCH_UNIX_MINUTES + getU24(buf, at + 20)
    return {
        rpi: buf.slice(at, at + RPI_BYTES),
        aem: buf.slice(at + AT_AEM, at + AT_AEM + AEM_BYTES),
        firstSeen,
        lastSeen: firstSeen + buf.getAt(at + 23, "u8"),
        scans: buf.getAt(at + 24, "u8"),
        rssiMax: buf.getAt(at + 25, "i8"),
        rssiMean: buf.getAt(at + 26, "i8"),
        rssiMin: buf.getAt(at + 27, "i8"),
    }
}

/** firstSeen of the record at `at`, in Unix minutes, without decoding the rest. */
export function recordFirstSeen(buf: Buffer, at: number) {
    return LOG_EPOCH_UNIX_MINUTES + getU24(buf, at + 20)
}

/** lastSeen of the record at `at`, in Unix minutes, without decoding the rest. */
export function recordLastSeen(buf: Buffer, at: number) {
    return LOG_EPOCH_UNIX_MINUTES + getU24(buf, at + 20) + buf.getAt(at + 23, "u8")
}

export { RECORD_SIZE }
