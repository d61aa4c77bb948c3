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
 * addon cannot run (or is not wanted). Both find the same sightings in the same order.
 */
export async function scanSightings(
    keys: DiagnosisKeys,
    observed: readonly { rpi: Uint8Array }[],
    shape: IndexShape,
    o: FastMatchOptions
): Promise<SightingScan> {
    const forced = o.engine === "javascript" || process.env.KIOSK_MATCHER === "javascript"
    const loaded = forced ? { addon: undefined, reason: "JavaScript matcher chosen" } : loadRpiScan()
    if (!loaded.addon) {
        const stats = emptyMatchStats(keys.length, "javascript")
        const hits: number[] = []
        scanKeys(keys, new ObservedRpiIndex(observed, shape), stats, o.onProgress, (key, interval, r, k) =>
            hits.push(k, interval - key.rollingStartIntervalNumber, r)
        )
        return { sightings: Uint32Array.from(hits), stats, fallbackReason: loaded.reason }
    }
    const stats = emptyMatchStats(keys.length, "native")
    const packedKeys = packKeys(keys, stats)
    const index = { observed: packObserved(observed, shape.compareBytes), compareBytes: shape.compareBytes, windows: shape.windows }
    const threads = o.threads ?? (keys.length >= WORKERS_FROM_KEYS ? availableParallelism() : 0)
    o.onProgress?.(0, keys.length)
    const sightings = threads > 0 ? await scanOnWorkers(loaded.path, packedKeys, index, threads, o) : scanHere(loaded.addon, packedKeys, index, o)
    o.onProgress?.(keys.length, keys.length)
    return { sightings, stats }
}

/** The observed entries and their shape, as the addon's createIndex takes them. */
interface PackedIndex {
    observed: Uint8Array
    compareBytes: number
    windows?: Uint32Array
}

/** The keys in the addon's layout, in shared memory for the workers; counts malformed keys and RPIs. */
function packKeys(keys: DiagnosisKeys, stats: MatchStats): Uint8Array {
    const bytes = new Uint8Array(new SharedArrayBuffer(keys.length * PACKED_KEY_BYTES))
    const view = new DataView(bytes.buffer)
    if (!(keys instanceof DiagnosisKeySet)) {
        for (let k = 0; k < keys.length; k++) packKey(keys[k], k, view, stats)
        return bytes
    }
    // The set holds well-formed keys in this layout already: only an unset period (0) becomes 144.
    bytes.set(keys.scanColumn())
    for (let at = 20; at < bytes.length; at += PACKED_KEY_BYTES) {
        const period = view.getUint32(at, true)
        if (period === KEPT_WHOLE) continue // packed below
        if (period === 0) view.setUint32(at, TEK_ROLLING_PERIOD, true)
        stats.rpisChecked += period || TEK_ROLLING_PERIOD
    }
    for (const [k, key] of keys.keptWhole()) packKey(key, k, view, stats)
    return bytes
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

function scanOnWorkers(addonPath: string, packedKeys: Uint8Array, packed: PackedIndex, threads: number, o: FastMatchOptions): Promise<Uint32Array> {
    const count = packedKeys.length / PACKED_KEY_BYTES
    const nextKey = new SharedArrayBuffer(4)
    const chunks: { from: number; hits: Uint32Array }[] = []
    let done = 0
    return new Promise((resolve, reject) => {
        let running = threads
        const workers: Worker[] = []
        const fail = (e: Error) => {
            for (const w of workers) void w.terminate()
            reject(e)
        }
        for (let t = 0; t < threads; t++) {
            const worker = new Worker(new URL("./native/scan-worker.mjs", import.meta.url), {
                workerData: {
                    addonPath,
                    packedKeys: packedKeys.buffer,
                    observedRpis: packed.observed.buffer,
                    compareBytes: packed.compareBytes,
                    windows: packed.windows,
                    nextKey,
                    chunkKeys: CHUNK_KEYS,
                    useShaExtensions: !o.portableSha256,
                },
            })
            workers.push(worker)
            worker.on("message", (m: { end?: true; from: number; to: number; hits: Uint32Array }) => {
                if (m.end) {
                    if (--running === 0) {
                        chunks.sort((a, b) => a.from - b.from)
                        resolve(concat(chunks.map(c => c.hits)))
                    }
                    return
                }
                chunks.push({ from: m.from, hits: m.hits })
                done += m.to - m.from
                o.onProgress?.(done, count)
            })
            worker.on("error", e => fail(new Error(`native matcher worker failed: ${e.message}`)))
            worker.on("exit", code => {
                if (code !== 0 && running > 0) fail(new Error(`native matcher worker exited with code ${code}`))
            })
        }
    })
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
