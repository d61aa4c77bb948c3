// The exposure check's fast path: the same matching as match.ts (matchDiagnosisKeys), with the RPI
// derivation and look-up done by the native addon (native/rpi_scan.cc) on worker threads, one per
// core, over chunks of the keys. Only the rare sightings come back to this thread, where
// SightingJudge applies the same rules in the same order as the JS path, so the matches are
// identical. Without the addon (not built, no AES-NI) it runs the JS path and says so in stats.engine.
import { availableParallelism } from "node:os"
import { Worker } from "node:worker_threads"
import { requireIntervalNumber, requireRollingPeriod, requireTek, RPI_BYTES, TEK_ROLLING_PERIOD } from "../../lib/gaen/index.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import type { DiagnosisKey } from "../downloads/export-cache.js"
import { DiagnosisKeySet, KEPT_WHOLE, SCAN_KEY_BYTES } from "../downloads/key-set.js"
import {
    effectiveRollingPeriod,
    emptyMatchStats,
    keyReader,
    scanKeys,
    SightingJudge,
    type DiagnosisKeys,
    type ExposureMatch,
    type MatchOptions,
    type MatchStats,
} from "./match.js"
import { loadRpiScan, type RpiScanAddon } from "./native/addon.js"
import { ObservedRpiIndex, requireObservedRpi, WHOLE_RPIS, type IndexShape } from "./rpi-index.js"

/** TEK (16 bytes) ‖ rolling start (u32 LE) ‖ rolling period (u32 LE; 0 marks a malformed key): the
 *  key set's scan column with the period made effective (0 → 144) and checked. */
const PACKED_KEY_BYTES = SCAN_KEY_BYTES
/** Keys a worker takes at a time: small enough for even shares and steady progress. */
const CHUNK_KEYS = 16_384
/** Below this many keys, starting workers costs more than it saves. */
const WORKERS_FROM_KEYS = 50_000

export interface FastMatchOptions extends MatchOptions {
    /** "javascript" forces today's JS path (also: environment KIOSK_MATCHER=javascript). */
    engine?: "auto" | "javascript"
    /** Worker threads; 0 runs the addon on this thread. Default: one per core for large key sets. */
    threads?: number
    /** Tests only: run the portable SHA-256 instead of the CPU's SHA extensions. */
    portableSha256?: boolean
}

export interface MatchResult {
    matches: ExposureMatch[]
    stats: MatchStats
    /** Why the JS path ran instead of the native one, if it did. */
    fallbackReason?: string
}

export async function matchDiagnosisKeysFast(keys: DiagnosisKeys, records: readonly EncounterRecord[], o: FastMatchOptions): Promise<MatchResult> {
    const { sightings, stats, fallbackReason } = await scanSightings(keys, records, WHOLE_RPIS, o)
    const judge = new SightingJudge(stats, o.scanPeriodSeconds)
    const keyAt = keyReader(keys)
    let key: DiagnosisKey | undefined,
        keyNumber = -1
    for (let s = 0; s < sightings.length; s += 3) {
        // Sightings come ordered by key: one object per key, so the judge derives its AEMK once.
        if (sightings[s] !== keyNumber) key = keyAt((keyNumber = sightings[s]))
        judge.judge(key!, key!.rollingStartIntervalNumber + sightings[s + 1], records[sightings[s + 2]])
    }
    return { matches: judge.matches, stats, fallbackReason }
}

/** What a scan of the keys found: (key number, interval offset in the key, observed entry) triples,
 *  ordered by key, interval, entry, and the counts of the keys and RPIs scanned. */
export interface SightingScan {
    sightings: Uint32Array
    stats: MatchStats
    /** Why the JS path ran instead of the native one, if it did. */
    fallbackReason?: string
}

/**
 * Every key's RPIs looked up among `observed` (whole RPIs, or a digest's prefixes with their
 * interval windows: `shape`), by the native addon on worker threads, or by the JS path when the
 * addon cannot run (or is not wanted). Both find the same sightings in the same order. With `only`
 * (ascending key numbers), just those keys are scanned: the sightings name them by their numbers in
 * `keys`, and the stats count them alone.
 */
export async function scanSightings(
    keys: DiagnosisKeys,
    observed: readonly { rpi: Uint8Array }[],
    shape: IndexShape,
    o: FastMatchOptions,
    only?: Uint32Array
): Promise<SightingScan> {
    const count = only ? only.length : keys.length
    const forced = o.engine === "javascript" || process.env.KIOSK_MATCHER === "javascript"
    const loaded = forced ? { addon: undefined, reason: "JavaScript matcher chosen" } : loadRpiScan()
    if (!loaded.addon) {
        const stats = emptyMatchStats(count, "javascript")
        const hits: number[] = []
        const keyAt = keyReader(keys)
        const scanned = only ? Array.from(only, k => keyAt(k)) : keys
        scanKeys(scanned, new ObservedRpiIndex(observed, shape), stats, o.onProgress, (key, interval, r, k) =>
            hits.push(only ? only[k] : k, interval - key.rollingStartIntervalNumber, r)
        )
        return { sightings: Uint32Array.from(hits), stats, fallbackReason: loaded.reason }
    }
    const stats = emptyMatchStats(count, "native")
    const packedKeys = packKeys(keys, stats, only)
    const index = { observed: packObserved(observed, shape.compareBytes), compareBytes: shape.compareBytes, windows: shape.windows }
    const threads = o.threads ?? scanThreads(count)
    o.onProgress?.(0, count)
    const sightings = threads > 0 ? await scanPool(loaded.path, threads).scan(packedKeys, index, o) : scanHere(loaded.addon, packedKeys, index, o)
    o.onProgress?.(count, count)
    // The addon numbers the keys as packed: back to their numbers in `keys`.
    if (only) for (let s = 0; s < sightings.length; s += 3) sightings[s] = only[sightings[s]]
    return { sightings, stats }
}

/** Whether a scan of `keys` keys runs on worker threads (the native addon), leaving this thread free. */
export function scanRunsOnWorkers(keys: number, o: FastMatchOptions): boolean {
    const forced = o.engine === "javascript" || process.env.KIOSK_MATCHER === "javascript"
    return !forced && loadRpiScan().addon !== undefined && (o.threads ?? scanThreads(keys)) > 0
}

/** The worker threads a scan of `keys` keys uses by default: one per core for a large scan. */
export function scanThreads(keys: number): number {
    return keys >= WORKERS_FROM_KEYS ? availableParallelism() : 0
}

/** The observed entries and their shape, as the addon's createIndex takes them. */
interface PackedIndex {
    observed: Uint8Array
    compareBytes: number
    windows?: Uint32Array
}

/** The keys (or the keys `only` names) in the addon's layout, in shared memory for the workers;
 *  counts malformed keys and RPIs. */
function packKeys(keys: DiagnosisKeys, stats: MatchStats, only?: Uint32Array): Uint8Array {
    const count = only ? only.length : keys.length
    const bytes = new Uint8Array(new SharedArrayBuffer(count * PACKED_KEY_BYTES))
    const view = new DataView(bytes.buffer)
    if (!(keys instanceof DiagnosisKeySet)) {
        for (let i = 0; i < count; i++) packKey(keys[only ? only[i] : i], i, view, stats)
        return bytes
    }
    // The set holds well-formed keys in this layout already: only an unset period (0) becomes 144.
    if (only) gatherRows(keys.scanColumn(), only, bytes)
    else bytes.set(keys.scanColumn())
    for (let i = 0, at = 20; i < count; i++, at += PACKED_KEY_BYTES) {
        const period = view.getUint32(at, true)
        if (period === KEPT_WHOLE) packKey(keys.get(only ? only[i] : i), i, view, stats)
        else {
            if (period === 0) view.setUint32(at, TEK_ROLLING_PERIOD, true)
            stats.rpisChecked += period || TEK_ROLLING_PERIOD
        }
    }
    return bytes
}

/** Rows `only` of the scan column into `out`, in that order: a word at a time, since a check packs
 *  millions of them. */
function gatherRows(column: Uint8Array, only: Uint32Array, out: Uint8Array): void {
    const words = PACKED_KEY_BYTES / 4
    if (column.byteOffset % 4 !== 0) {
        only.forEach((k, i) => out.set(column.subarray(k * PACKED_KEY_BYTES, (k + 1) * PACKED_KEY_BYTES), i * PACKED_KEY_BYTES))
        return
    }
    const from = new Uint32Array(column.buffer, column.byteOffset, column.length / 4)
    const to = new Uint32Array(out.buffer, out.byteOffset, out.length / 4)
    for (let i = 0; i < only.length; i++) {
        const s = only[i] * words,
            d = i * words
        for (let w = 0; w < words; w++) to[d + w] = from[s + w]
    }
}

function packKey(key: DiagnosisKey, k: number, view: DataView, stats: MatchStats): void {
    const at = k * PACKED_KEY_BYTES
    view.setUint32(at + 20, 0, true) // malformed until checked
    const period = effectiveRollingPeriod(key)
    try {
        // The checks of the JS path (RpiDeriver.derive): 16-byte TEK, period 1…144, every interval a uint32.
        requireTek(key.keyData)
        requireRollingPeriod(period)
        requireIntervalNumber(key.rollingStartIntervalNumber)
        requireIntervalNumber(key.rollingStartIntervalNumber + period - 1)
    } catch {
        stats.malformedKeys++
        return // period stays 0: the addon skips the key
    }
    new Uint8Array(view.buffer, view.byteOffset + at, 16).set(key.keyData)
    view.setUint32(at + 16, key.rollingStartIntervalNumber, true)
    view.setUint32(at + 20, period, true)
    stats.rpisChecked += period
}

function packObserved(observed: readonly { rpi: Uint8Array }[], width: number): Uint8Array {
    const bytes = new Uint8Array(new SharedArrayBuffer(observed.length * width))
    for (let i = 0; i < observed.length; i++) {
        if (width === RPI_BYTES) requireObservedRpi(observed[i].rpi, i)
        else if (observed[i].rpi.length !== width) throw new RangeError(`observed record ${i}: RPI prefix must be ${width} bytes`)
        bytes.set(observed[i].rpi, i * width)
    }
    return bytes
}

/** Sightings as (key, interval offset, record) triples, ordered as the JS path finds them. */
function scanHere(addon: RpiScanAddon, packedKeys: Uint8Array, packed: PackedIndex, o: FastMatchOptions): Uint32Array {
    const before = addon.useShaExtensions()
    addon.useShaExtensions(!o.portableSha256)
    try {
        const index = addon.createIndex(packed.observed, packed.compareBytes, packed.windows)
        const count = packedKeys.length / PACKED_KEY_BYTES
        const parts: Uint32Array[] = []
        for (let from = 0; from < count; from += CHUNK_KEYS) {
            const to = Math.min(count, from + CHUNK_KEYS)
            parts.push(addon.scanKeys(index, packedKeys, from, to))
            o.onProgress?.(to, count)
        }
        return concat(parts)
    } finally {
        addon.useShaExtensions(before)
    }
}

/**
 * The matcher's worker threads, kept between scans: a check scans its keys in parts while the log
 * is read (candidates.ts CandidatePipeline), and a thread loads the addon once, not once per part.
 * Scans run one at a time, each on every thread. The threads hold the process open only while a scan
 * runs.
 */
class ScanPool {
    private readonly workers: Worker[] = []
    private tail: Promise<unknown> = Promise.resolve()
    private nextId = 0
    broken = false

    constructor(
        readonly addonPath: string,
        readonly threads: number
    ) {
        for (let t = 0; t < threads; t++) {
            const worker = new Worker(new URL("./native/scan-worker.mjs", import.meta.url), { workerData: { addonPath } })
            worker.unref()
            // A thread that fails outside a scan (the addon does not load) spoils the pool: the next scan starts a new one.
            worker.on("error", () => (this.broken = true)).on("exit", () => (this.broken = true))
            this.workers.push(worker)
        }
    }

    /** Sightings as (key, interval offset, record) triples, ordered as the JS path finds them. */
    scan(packedKeys: Uint8Array, packed: PackedIndex, o: FastMatchOptions): Promise<Uint32Array> {
        const run = this.tail.then(
            () => this.run(packedKeys, packed, o),
            () => this.run(packedKeys, packed, o)
        )
        this.tail = run.catch(() => {})
        return run
    }

    close(): void {
        for (const w of this.workers) void w.terminate()
    }

    private run(packedKeys: Uint8Array, packed: PackedIndex, o: FastMatchOptions): Promise<Uint32Array> {
        const id = this.nextId++
        const count = packedKeys.length / PACKED_KEY_BYTES
        const chunks: { from: number; hits: Uint32Array }[] = []
        let done = 0,
            running = this.workers.length
        return new Promise<Uint32Array>((resolve, reject) => {
            const unlisten: (() => void)[] = []
            const settle = (error?: Error) => {
                for (const off of unlisten) off()
                for (const w of this.workers) w.unref()
                if (!error) {
                    chunks.sort((a, b) => a.from - b.from)
                    return resolve(concat(chunks.map(c => c.hits)))
                }
                this.broken = true
                this.close()
                reject(error)
            }
            for (const worker of this.workers) {
                const onMessage = (m: { id: number; end?: true; error?: string; from: number; to: number; hits: Uint32Array }) => {
                    if (m.id !== id) return
                    if (m.error) return settle(new Error(`native matcher worker failed: ${m.error}`))
                    if (m.end) {
                        if (--running === 0) settle()
                        return
                    }
                    chunks.push({ from: m.from, hits: m.hits })
                    done += m.to - m.from
                    o.onProgress?.(done, count)
                }
                const onError = (e: Error) => settle(new Error(`native matcher worker failed: ${e.message}`))
                const onExit = (code: number) => settle(new Error(`native matcher worker exited with code ${code}`))
                unlisten.push(() => worker.off("message", onMessage).off("error", onError).off("exit", onExit))
                worker.on("message", onMessage).on("error", onError).on("exit", onExit)
                worker.ref()
            }
            const nextKey = new SharedArrayBuffer(4)
            for (const worker of this.workers)
                worker.postMessage({
                    id,
                    packedKeys: packedKeys.buffer,
                    observedRpis: packed.observed.buffer,
                    compareBytes: packed.compareBytes,
                    windows: packed.windows,
                    nextKey,
                    chunkKeys: CHUNK_KEYS,
                    useShaExtensions: !o.portableSha256,
                })
        })
    }
}

let pool: ScanPool | undefined

/** The pool for `threads` threads of the addon at `addonPath` (a new one if the last broke or differs). */
function scanPool(addonPath: string, threads: number): ScanPool {
    if (!pool || pool.broken || pool.addonPath !== addonPath || pool.threads !== threads) {
        pool?.close()
        pool = new ScanPool(addonPath, threads)
    }
    return pool
}

function concat(parts: Uint32Array[]): Uint32Array {
    const out = new Uint32Array(parts.reduce((n, p) => n + p.length, 0))
    let at = 0
    for (const p of parts) {
        out.set(p, at)
        at += p.length
    }
    return out
}
