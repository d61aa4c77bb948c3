// The RPIs a token observed, indexed for the millions of look-ups of a check. As in Google's
// reference, RPIs are bucketed by their first 16 bits (65,536 buckets): a 14-day log of ~34,000
// records leaves most buckets empty or with one entry, so a look-up is one array read and at most a
// few 16-byte compares, with no string or object made per derived RPI. (bench/kiosk.bench.ts measures
// it against a Map keyed by hex strings.) The same index holds a log digest's RPI prefixes, each with
// the intervals it may match, to find a check's candidates (candidates.ts).
import { RPI_BYTES } from "../../lib/gaen/index.js"

const BUCKETS = 65_536
const NONE: readonly number[] = Object.freeze([])

/** Refuses an observed record whose RPI is not 16 bytes (both matching paths, same message). */
export function requireObservedRpi(rpi: unknown, record: number): asserts rpi is Uint8Array {
    requireObserved(rpi, record, RPI_BYTES)
}

function requireObserved(rpi: unknown, record: number, bytes: number): asserts rpi is Uint8Array {
    if (!(rpi instanceof Uint8Array) || rpi.length !== bytes)
        throw new RangeError(`observed record ${record}: ${bytes === RPI_BYTES ? "RPI" : "RPI prefix"} must be ${bytes} bytes`)
}

/** What an index compares: whole RPIs, or the prefixes of a log digest with the EN intervals in
 *  which each may be matched (kiosk/matching/candidates.ts). */
export interface IndexShape {
    /** Bytes compared from each RPI's start: 16 (whole RPIs) or a digest's prefix length. */
    compareBytes: number
    /** For entry e, the interval range [windows[2e], windows[2e + 1]] an RPI must be derived for to
     *  be found; none: any interval. */
    windows?: Uint32Array
}

export const WHOLE_RPIS: IndexShape = { compareBytes: RPI_BYTES }

export class ObservedRpiIndex {
    /** All observed RPIs (or prefixes), compareBytes each, grouped by bucket. */
    private readonly rpis: Uint8Array
    /** For each slot in `rpis`, the index of its record. */
    private readonly recordOf: Uint32Array
    /** Bucket b holds slots bucketStart[b] .. bucketStart[b + 1] - 1. */
    private readonly bucketStart = new Uint32Array(BUCKETS + 1)
    private readonly width: number
    private readonly windows?: Uint32Array

    constructor(observed: readonly { rpi: Uint8Array }[], shape: IndexShape = WHOLE_RPIS) {
        const n = observed.length
        const width = (this.width = shape.compareBytes)
        this.windows = shape.windows
        if (this.windows && this.windows.length !== 2 * n)
            throw new RangeError(`an index of ${n} entries needs ${2 * n} window bounds, got ${this.windows.length}`)
        for (const [i, o] of observed.entries()) {
            requireObserved(o.rpi, i, width)
            this.bucketStart[((o.rpi[0] << 8) | o.rpi[1]) + 1]++
        }
        for (let b = 0; b < BUCKETS; b++) this.bucketStart[b + 1] += this.bucketStart[b]
        const fill = this.bucketStart.slice(0, BUCKETS)
        this.rpis = new Uint8Array(n * width)
        this.recordOf = new Uint32Array(n)
        for (let i = 0; i < n; i++) {
            const rpi = observed[i].rpi
            const slot = fill[(rpi[0] << 8) | rpi[1]]++
            this.rpis.set(rpi, slot * width)
            this.recordOf[slot] = i
        }
    }

    /** Indices of the records whose RPI (or prefix) equals the start of the 16 bytes of `buf` at
     *  `offset`, derived for `interval` (checked against the windows, if the index has them). */
    find(buf: Uint8Array, offset = 0, interval = 0): readonly number[] {
        const b = (buf[offset] << 8) | buf[offset + 1]
        const end = this.bucketStart[b + 1]
        const width = this.width
        let found: number[] | undefined
        for (let slot = this.bucketStart[b]; slot < end; slot++) {
            const base = slot * width
            let same = true
            for (let j = 2; j < width; j++) {
                if (this.rpis[base + j] !== buf[offset + j]) {
                    same = false
                    break
                }
            }
            if (!same) continue
            const record = this.recordOf[slot]
            if (this.windows && (interval < this.windows[2 * record] || interval > this.windows[2 * record + 1])) continue
            ;(found ??= []).push(record)
        }
        return found ?? NONE
    }
}
