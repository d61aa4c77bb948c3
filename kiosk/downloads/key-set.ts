// The diagnosis keys of a check, kept in columns. As objects (one per key, as the export parser
// makes them) the 3,500,000 keys of 14 busy days take ~2.7 GB (measured with lib/keyfile); here a key
// takes ~41 bytes (~150 MB for 3.5 million). A key becomes an object again only when asked for: in a
// check, only the few keys with a sighting are. The first column has the layout the native matcher
// scans (kiosk/matching/fast-match.ts), so handing the keys over is one copy.
import type { TemporaryExposureKey } from "../../lib/keyfile/index.js"

type DiagnosisKey = TemporaryExposureKey

/** Bytes per key in the scan column: TEK (16) ‖ rolling start (u32 LE) ‖ rolling period as given (u32 LE). */
export const SCAN_KEY_BYTES = 24
/** In the scan column's period field: this key is kept whole in `whole` (see push). */
export const KEPT_WHOLE = 0xffffffff

const OPTIONAL = ["transmissionRiskLevel", "reportType", "daysSinceOnsetOfSymptoms", "variantOfConcern"] as const
const FIELDS = new Set<string>(["keyData", "rollingStartIntervalNumber", "rollingPeriod", ...OPTIONAL])
const MAX_UINT32 = 0xffffffff
const MAX_PERIOD = 144

const isInt32 = (v: unknown) => Number.isInteger(v) && (v as number) >= -0x80000000 && (v as number) <= 0x7fffffff

export class DiagnosisKeySet implements Iterable<DiagnosisKey> {
    private count = 0
    private scan = new Uint8Array(0)
    private scanView = new DataView(this.scan.buffer)
    /** Four int32 values per key, in OPTIONAL order; a bit of `present` says which are set. */
    private optional = new Int32Array(0)
    private present = new Uint8Array(0)
    /** Keys the columns cannot hold exactly (malformed, odd values or unknown fields), by position. */
    private readonly whole = new Map<number, DiagnosisKey>()

    static from(keys: Iterable<DiagnosisKey>): DiagnosisKeySet {
        const set = new DiagnosisKeySet()
        for (const k of keys) set.push(k)
        return set
    }

    get length(): number {
        return this.count
    }

    push(key: DiagnosisKey): void {
        const i = this.count
        if (i === this.present.length) this.grow()
        this.count++
        const at = i * SCAN_KEY_BYTES
        if (!this.fitsColumns(key)) {
            this.whole.set(i, key)
            this.scanView.setUint32(at + 20, KEPT_WHOLE, true)
            return
        }
        this.scan.set(key.keyData, at)
        this.scanView.setUint32(at + 16, key.rollingStartIntervalNumber, true)
        this.scanView.setUint32(at + 20, key.rollingPeriod, true)
        let bits = 0
        for (let f = 0; f < OPTIONAL.length; f++) {
            const v = key[OPTIONAL[f]]
            if (v !== undefined) {
                bits |= 1 << f
                this.optional[i * 4 + f] = v
            }
        }
        this.present[i] = bits
    }

    /** Key `i` as an object with the fields it was given (a new object each time). */
    get(i: number): DiagnosisKey {
        if (!(i >= 0 && i < this.count)) throw new RangeError(`key ${i} is outside the set of ${this.count}`)
        const kept = this.whole.get(i)
        if (kept) return kept
        const at = i * SCAN_KEY_BYTES
        const key: DiagnosisKey = {
            keyData: this.scan.slice(at, at + 16),
            rollingStartIntervalNumber: this.scanView.getUint32(at + 16, true),
            rollingPeriod: this.scanView.getUint32(at + 20, true),
        }
        const bits = this.present[i]
        for (let f = 0; f < OPTIONAL.length; f++) if (bits & (1 << f)) key[OPTIONAL[f]] = this.optional[i * 4 + f]
        return key
    }

    *[Symbol.iterator](): Iterator<DiagnosisKey> {
        for (let i = 0; i < this.count; i++) yield this.get(i)
    }

    /** The scan column of all keys (a view, not a copy): keys kept whole have period KEPT_WHOLE. */
    scanColumn(): Uint8Array {
        return this.scan.subarray(0, this.count * SCAN_KEY_BYTES)
    }

    /** Keys kept whole, by position. */
    keptWhole(): ReadonlyMap<number, DiagnosisKey> {
        return this.whole
    }

    /** A well-formed key (16-byte TEK, rolling start and period a GAEN key can have) with int32 extras. */
    private fitsColumns(key: DiagnosisKey): boolean {
        const { keyData, rollingStartIntervalNumber: start, rollingPeriod: period } = key
        if (!(keyData instanceof Uint8Array) || keyData.length !== 16) return false
        if (!Number.isInteger(start) || start < 0 || !Number.isInteger(period) || period < 0 || period > MAX_PERIOD) return false
        if (start + (period || MAX_PERIOD) - 1 > MAX_UINT32) return false
        for (const f of OPTIONAL) if (key[f] !== undefined && !isInt32(key[f])) return false
        for (const name in key) if (!FIELDS.has(name)) return false
        return true
    }

    private grow(): void {
        const capacity = Math.max(1024, this.present.length * 2)
        const scan = new Uint8Array(capacity * SCAN_KEY_BYTES)
        scan.set(this.scan)
        this.scan = scan
        this.scanView = new DataView(scan.buffer)
        const optional = new Int32Array(capacity * 4)
        optional.set(this.optional)
        this.optional = optional
        const present = new Uint8Array(capacity)
        present.set(this.present)
        this.present = present
    }
}
