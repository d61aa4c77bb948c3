// The RPIs a token observed, indexed for the millions of look-ups of a check. As in Google's
// reference, RPIs are bucketed by their first 16 bits (65,536 buckets): a 14-day log of ~34,000
// records leaves most buckets empty or with one entry, so a look-up is one array read and at most a
// few 16-byte compares, with no string or object made per derived RPI. (bench/kiosk.bench.ts measures
// it against a Map keyed by hex strings.)
import { RPI_BYTES } from "../../lib/gaen/index.js"

const BUCKETS = 65_536
const NONE: readonly number[] = Object.freeze([])

/** Refuses an observed record whose RPI is not 16 bytes (both matching paths, same message). */
export function requireObservedRpi(rpi: unknown, record: number): asserts rpi is Uint8Array {
    if (!(rpi instanceof Uint8Array) || rpi.length !== RPI_BYTES) throw new RangeError(`observed record ${record}: RPI must be ${RPI_BYTES} bytes`)
}

export class ObservedRpiIndex {
    /** All observed RPIs, 16 bytes each, grouped by bucket. */
    private readonly rpis: Uint8Array
    /** For each slot in `rpis`, the index of its record. */
    private readonly recordOf: Uint32Array
    /** Bucket b holds slots bucketStart[b] .. bucketStart[b + 1] - 1. */
    private readonly bucketStart = new Uint32Array(BUCKETS + 1)

    constructor(observed: readonly { rpi: Uint8Array }[]) {
        const n = observed.length
        for (const [i, o] of observed.entries()) {
            requireObservedRpi(o.rpi, i)
            this.bucketStart[((o.rpi[0] << 8) | o.rpi[1]) + 1]++
        }
        for (let b = 0; b < BUCKETS; b++) this.bucketStart[b + 1] += this.bucketStart[b]
        const fill = this.bucketStart.slice(0, BUCKETS)
        this.rpis = new Uint8Array(n * RPI_BYTES)
        this.recordOf = new Uint32Array(n)
        for (let i = 0; i < n; i++) {
            const rpi = observed[i].rpi
            const slot = fill[(rpi[0] << 8) | rpi[1]]++
            this.rpis.set(rpi, slot * RPI_BYTES)
            this.recordOf[slot] = i
        }
    }

    /** Indices of the records whose RPI equals the 16 bytes of `buf` at `offset` (usually none). */
    find(buf: Uint8Array, offset = 0): readonly number[] {
        const b = (buf[offset] << 8) | buf[offset + 1]
        const end = this.bucketStart[b + 1]
        let found: number[] | undefined
        for (let slot = this.bucketStart[b]; slot < end; slot++) {
            const base = slot * RPI_BYTES
            let same = true
            for (let j = 2; j < RPI_BYTES; j++) {
                if (this.rpis[base + j] !== buf[offset + j]) {
                    same = false
                    break
                }
            }
            if (same) (found ??= []).push(this.recordOf[slot])
        }
        return found ?? NONE
    }
}
