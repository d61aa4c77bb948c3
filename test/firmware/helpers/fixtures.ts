// Shared by the storage test suites: a seeded random source (so a failing power-cut trial can be
// replayed) and deterministic contact records.
import { ContactRecord, RECORD_SIZE, encodeRecord } from "../../../src/storage/contact-record"

/** xorshift32: small, fast, reproducible. */
export class Rng {
    private state: number
    constructor(seed: number) {
        this.state = seed | 0 || 1
    }
    /** Uniform in [0, 1). */
    next() {
        let x = this.state
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        this.state = x | 0
        return (x >>> 0) / 4294967296
    }
    /** Uniform integer in [0, n). */
    int(n: number) {
        return Math.floor(this.next() * n)
    }
}

/** 2024-03-01T00:00Z in Unix minutes: an arbitrary start for test clocks. */
export const T0 = 28486080

/**
 * Record number `index` of a test: its RPI starts with the index (u32), so a record read back
 * names itself, and every other byte is derived from the index, so any damage shows.
 */
export function testRecord(index: number, lastSeen: number): ContactRecord {
    const rpi = Buffer.alloc(16)
    rpi.setAt(0, "u32", index)
    for (let i = 4; i < 16; ++i) rpi[i] = (index * 7 + i * 31) & 0xff
    const aem = Buffer.alloc(4)
    aem.setAt(0, "u32", (index * 2654435761) >>> 0)
    return {
        rpi,
        aem,
        firstSeen: lastSeen - (index % 20),
        lastSeen,
        scans: 1 + (index % 200),
        rssiMax: -40 - (index % 10),
        rssiMean: -60 - (index % 10),
        rssiMin: -80 - (index % 10),
    }
}

/** The 30 bytes a record is stored as. */
export function recordImage(r: ContactRecord) {
    const b = Buffer.alloc(RECORD_SIZE)
    encodeRecord(r, b, 0)
    return b
}

/** The index a test record carries in its RPI. */
export function recordIndex(records: Buffer, i: number) {
    return records.getAt(i * RECORD_SIZE, "u32")
}

export function sameBytes(a: Buffer, aStart: number, b: Buffer, bStart: number, length: number) {
    for (let i = 0; i < length; ++i) if (a[aStart + i] !== b[bStart + i]) return false
    return true
}
