// A counter check in two phases (services/token-sync.md, read_log_digest): the token first sends a
// digest of its log (each record's cursor and the first 4 bytes of its RPI, in pages whose records
// were first seen within 2 hours of each other); the kiosk finds the candidates in it here, reads only
// their whole records, and runs the matcher of match.ts / fast-match.ts on them.
//
// Why no match is lost: the matcher accepts a record for a key's interval i only if its RPI equals the
// key's RPI for i and it was seen within [(i − 12)·10, (i + 13)·10 − 1] minutes (match.ts,
// acceptanceWindowMinutes), so its first sighting lies in intervals [i − 12, i + 12]. A candidate is a
// digest entry whose prefix equals the first bytes of the key's RPI for some i and whose page's
// intervals [first, first + span] meet [i − 12, i + 12]: every record that can match is one. The
// matcher then judges the candidates' whole records in log order against the keys that found them,
// in key order: the sightings it accepts come in the same order as in a check of the whole log, so
// the matches, their sightings and the day scores are the same. What it does not see are sightings
// that a whole-log check rejects as replays (heard more than 2 hours from their interval): their
// records are not candidates.
import { RPI_ACCEPTANCE_WINDOW_INTERVALS, TEK_ROLLING_PERIOD } from "../../lib/gaen/index.js"
import { DIGEST_PREFIX_BYTES, type DigestEntry } from "../../lib/token-sync/log-digest.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import type { DiagnosisKey } from "../downloads/export-cache.js"
import { DiagnosisKeySet, KEPT_WHOLE, SCAN_KEY_BYTES } from "../downloads/key-set.js"
import {
    matchDiagnosisKeysFast,
    scanRunsOnWorkers,
    scanSightings,
    scanThreads,
    type FastMatchOptions,
    type MatchResult,
    type SightingScan,
} from "./fast-match.js"
import { emptyMatchStats, keyReader, type DiagnosisKeys, type MatchStats } from "./match.js"

const LAST_INTERVAL = 0xffffffff

export interface CandidateScan {
    /** The digest entries that may match, as indices into the digest, in log order. */
    candidates: number[]
    /** The keys that found a candidate, as key numbers, in key order. */
    keyNumbers: number[]
    /** The keys and RPIs scanned (keys, malformedKeys, rpisChecked, engine). */
    stats: MatchStats
    fallbackReason?: string
}

/** The candidates among a log digest's entries: every key's RPIs looked up by prefix within each
 *  entry's window of intervals (both engines, fast-match.ts scanSightings). */
export async function findCandidates(keys: DiagnosisKeys, digest: readonly DigestEntry[], o: FastMatchOptions): Promise<CandidateScan> {
    const scan = await scanDigest(keys, digest, o)
    return candidateScanOf([scan], keys.length)
}

/** The scan of `keys` (or the keys `only` names) against the digest's entries. */
function scanDigest(keys: DiagnosisKeys, digest: readonly DigestEntry[], o: FastMatchOptions, only?: Uint32Array): Promise<SightingScan> {
    const windows = new Uint32Array(2 * digest.length)
    digest.forEach((e, i) => {
        windows[2 * i] = windowStart(e)
        windows[2 * i + 1] = Math.min(LAST_INTERVAL, e.lastInterval + RPI_ACCEPTANCE_WINDOW_INTERVALS)
    })
    return scanSightings(
        keys,
        digest.map(e => ({ rpi: e.prefix })),
        { compareBytes: DIGEST_PREFIX_BYTES, windows },
        o,
        only
    )
}

/** The earliest interval an RPI may be derived for to meet the entry. */
const windowStart = (e: DigestEntry) => Math.max(0, e.firstInterval - RPI_ACCEPTANCE_WINDOW_INTERVALS)

/** The candidate scan that scans of disjoint sets of keys make together, as one scan of all `keyCount`
 *  keys would: candidates in log order, keys in key order, the counts added up. */
function candidateScanOf(scans: readonly SightingScan[], keyCount: number): CandidateScan {
    const entries = new Set<number>()
    const keyNumbers: number[] = []
    const stats = emptyMatchStats(keyCount, scans[0]?.stats.engine ?? "native")
    for (const scan of scans) {
        for (let s = 0; s < scan.sightings.length; s += 3) {
            if (keyNumbers[keyNumbers.length - 1] !== scan.sightings[s]) keyNumbers.push(scan.sightings[s])
            entries.add(scan.sightings[s + 2])
        }
        stats.malformedKeys += scan.stats.malformedKeys
        stats.rpisChecked += scan.stats.rpisChecked
    }
    if (scans.length > 1) keyNumbers.sort((a, b) => a - b)
    const fallbackReason = scans.find(s => s.fallbackReason)?.fallbackReason
    return { candidates: [...entries].sort((a, b) => a - b), keyNumbers, stats, fallbackReason }
}

/**
 * How far, in EN intervals, a record's first sighting is expected to lie before the first sightings
 * of the records the log handed out before it: the token writes a record once its RPI is no longer
 * heard (src/scan/encounters.ts), and an RPI lives at most 20 minutes (docs/storage.md), so a record
 * is first seen at most about that long before the ones written just before it; an hour leaves room.
 * The token allows more (a day, docs/storage.md LOG_OUT_OF_ORDER_MINUTES; more after its clock was
 * set back): such a log costs a day's scan again after the read, never a candidate (`finish`).
 */
const EXPECTED_DISORDER_INTERVALS = 6
const INTERVALS_PER_DAY = 144
/** Keys whose days span more than this are grouped by the days they have, not by every day between. */
const MAX_DIRECT_DAYS = 1024

/** Keys whose RPIs all lie on or before `lastInterval`, scanned together. */
interface KeyGroup {
    keys: Uint32Array
    lastInterval: number
    /** The digest entries its scan covered (a prefix of the digest) and the scan. */
    scannedEntries: number
    scan?: Promise<SightingScan>
    done: boolean
}

/**
 * The candidate scan while the digest is still being read: findCandidates' result, found sooner. The
 * digest comes oldest sector first, so once the read is far enough past a day, no entry still to come
 * can meet that day's keys (an entry meets a key only if its first interval − 12 is at most the key's
 * last interval): the day's keys are scanned against the entries read so far while the read goes on,
 * the last days once it has ended (`finish`). "Far enough" is the order the token's log keeps in
 * daily use (EXPECTED_DISORDER_INTERVALS); a log out of that order costs time, never a candidate:
 * `finish` scans a day again against the whole digest if any entry that came after the day's scan
 * could meet its keys.
 * The keys' progress is reported from `finish` on: during the read, the read's progress is the one
 * that says how long the person waits.
 */
export class CandidatePipeline {
    /** Ascending by last interval; the last group also holds the keys whose intervals are unknown. */
    private readonly groups: KeyGroup[]
    private released = 0
    private chain: Promise<unknown> = Promise.resolve()
    private readonly threads: number
    private entriesSeen = 0
    /** The latest first interval among the entries read. */
    private latest = -1
    private reporting = false
    private stopped = false
    /** How many days' scans `finish` did again (the log broke the order rule). */
    rescans = 0

    /** Days whose scan started while the digest was read (before `finish`), and their keys. */
    get scannedEarly(): { days: number; keys: number } {
        const days = this.releasedBeforeFinish ?? this.released
        return { days, keys: this.groups.slice(0, days).reduce((n, g) => n + g.keys.length, 0) }
    }
    private releasedBeforeFinish?: number

    /**
     * `whileReading`: scan days during the read; by default only when the scan runs on worker
     * threads, since a scan on this thread (the JS path) would hold up the read's packets for
     * seconds. Otherwise every day is scanned in `finish`.
     */
    constructor(
        private readonly keys: DiagnosisKeys,
        private readonly o: FastMatchOptions,
        private readonly whileReading = scanRunsOnWorkers(keys.length, o)
    ) {
        this.groups = groupKeysByDay(keys)
        this.threads = o.threads ?? scanThreads(keys.length)
    }

    /** The digest read so far (the entries of `digest` after the last call are new): scans the days
     *  the read has passed. */
    advance(digest: readonly DigestEntry[]): void {
        for (; this.entriesSeen < digest.length; this.entriesSeen++) this.latest = Math.max(this.latest, digest[this.entriesSeen].firstInterval)
        if (this.latest < 0 || !this.whileReading) return
        // No entry still to come is expected to meet a key that ends before `reach`.
        const reach = this.latest - EXPECTED_DISORDER_INTERVALS - RPI_ACCEPTANCE_WINDOW_INTERVALS
        while (this.released < this.groups.length - 1 && this.groups[this.released].lastInterval < reach) this.scanGroup(this.groups[this.released++], digest)
    }

    /** The candidate scan of the whole digest: the same as findCandidates(keys, digest). */
    async finish(digest: readonly DigestEntry[]): Promise<CandidateScan> {
        this.advance(digest)
        this.releasedBeforeFinish = this.released
        this.reporting = true
        this.report(0)
        // The lowest window start of the entries from each position on: what a day's scan did not see.
        const lowestFrom = new Uint32Array(digest.length + 1).fill(LAST_INTERVAL)
        for (let i = digest.length - 1; i >= 0; i--) lowestFrom[i] = Math.min(lowestFrom[i + 1], windowStart(digest[i]))
        for (let g = 0; g < this.released; g++) {
            const group = this.groups[g]
            if (lowestFrom[group.scannedEntries] > group.lastInterval) continue
            this.rescans++
            this.scanGroup(group, digest)
        }
        while (this.released < this.groups.length) this.scanGroup(this.groups[this.released++], digest)
        const scans: SightingScan[] = []
        for (const group of this.groups) scans.push(await group.scan!)
        this.o.onProgress?.(this.keys.length, this.keys.length)
        return candidateScanOf(scans, this.keys.length)
    }

    /** Scans no more days (the read failed): what is under way ends on its own. */
    stop(): void {
        this.stopped = true
    }

    /** Queues the group's scan against the entries read so far (one scan at a time: each uses every core). */
    private scanGroup(group: KeyGroup, digest: readonly DigestEntry[]): void {
        const entries = digest.slice()
        group.scannedEntries = entries.length
        group.done = false
        const progress = (done: number) => this.report(done)
        const scan = this.chain.then(async () => {
            // Packing the keys takes this thread some milliseconds: the read's next request goes out first.
            await new Promise(resolve => setImmediate(resolve))
            if (this.stopped) return { sightings: new Uint32Array(0), stats: emptyMatchStats(0, "native") }
            const r = await scanDigest(this.keys, entries, { ...this.o, threads: this.threads, onProgress: progress }, group.keys)
            if (group.scan === scan) group.done = true
            return r
        })
        group.scan = scan
        scan.catch(() => {}) // awaited (and its error thrown) by finish
        this.chain = scan.catch(() => {})
    }

    /** Keys done: those of days scanned for good, and `running` of the scan under way. */
    private report(running: number): void {
        if (!this.reporting) return
        const done = this.groups.reduce((n, g) => n + (g.done ? g.keys.length : 0), 0)
        this.o.onProgress?.(Math.min(this.keys.length, done + running), this.keys.length)
    }
}

/** The keys in groups of one day each (by their last interval), ascending, and one group at the end
 *  for the keys whose intervals cannot be known (malformed: the scan counts them). Typed arrays
 *  throughout: a check groups millions of keys before its read starts. */
function groupKeysByDay(keys: DiagnosisKeys): KeyGroup[] {
    const UNKNOWN = -1
    const dayOf = new Int32Array(keys.length)
    let first = Infinity,
        last = -Infinity
    forEachLastInterval(keys, (k, lastInterval) => {
        const day = Number.isNaN(lastInterval) ? UNKNOWN : Math.floor(lastInterval / INTERVALS_PER_DAY)
        dayOf[k] = day
        if (day === UNKNOWN) return
        if (day < first) first = day
        if (day > last) last = day
    })
    // Days as positions: first … last directly (a few weeks for real keys); keys spread wider (odd
    // rolling starts) by the days they have. The unknown ones after them.
    const direct = last - first < MAX_DIRECT_DAYS
    const spread = direct ? [] : [...new Set(dayOf)].filter(d => d !== UNKNOWN).sort((a, b) => a - b)
    const at = new Map(spread.map((d, p) => [d, p]))
    const days = direct ? Math.max(0, last - first + 1) : spread.length
    const position = (day: number) => (day === UNKNOWN ? days : direct ? day - first : at.get(day)!)
    const dayAt = (p: number) => (direct ? first + p : spread[p])
    const sizes = new Uint32Array(days + 1)
    for (let k = 0; k < keys.length; k++) sizes[position(dayOf[k])]++
    const groups = Array.from(sizes, (size, p) => ({
        keys: new Uint32Array(size),
        lastInterval: p < days ? (dayAt(p) + 1) * INTERVALS_PER_DAY - 1 : LAST_INTERVAL,
        scannedEntries: 0,
        done: false,
    }))
    const filled = new Uint32Array(days + 1)
    for (let k = 0; k < keys.length; k++) {
        const p = position(dayOf[k])
        groups[p].keys[filled[p]++] = k
    }
    return groups.filter((g, p) => g.keys.length > 0 || p === days)
}

/** Calls `f` with each key's last interval (rolling start + period − 1), or NaN when the key cannot say. */
function forEachLastInterval(keys: DiagnosisKeys, f: (k: number, lastInterval: number) => void): void {
    const of = (start: number, period: number) =>
        Number.isInteger(start) && start >= 0 && Number.isInteger(period) && period >= 0 && period <= TEK_ROLLING_PERIOD
            ? start + (period || TEK_ROLLING_PERIOD) - 1
            : NaN
    if (!(keys instanceof DiagnosisKeySet)) {
        keys.forEach((key, k) => f(k, of(key.rollingStartIntervalNumber, key.rollingPeriod)))
        return
    }
    // Read from the scan column without making key objects: the set holds well-formed keys there.
    const column = keys.scanColumn()
    const view = new DataView(column.buffer, column.byteOffset, column.byteLength)
    for (let k = 0, at = 16; k < keys.length; k++, at += SCAN_KEY_BYTES) {
        const period = view.getUint32(at + 4, true)
        if (period !== KEPT_WHOLE) f(k, view.getUint32(at, true) + (period || TEK_ROLLING_PERIOD) - 1)
        else {
            const key = keys.get(k)
            f(k, of(key.rollingStartIntervalNumber, key.rollingPeriod))
        }
    }
}

/**
 * The matcher on the candidates' whole records (in log order) and the keys that found them: the
 * matches of a check of the whole log. The key counts of the result are the whole scan's.
 */
export async function matchCandidates(
    keys: DiagnosisKeys,
    scan: CandidateScan,
    records: readonly EncounterRecord[],
    o: FastMatchOptions
): Promise<MatchResult> {
    const keyAt = keyReader(keys)
    const found: DiagnosisKey[] = scan.keyNumbers.map(k => keyAt(k))
    const engine = scan.stats.engine === "javascript" ? "javascript" : o.engine
    const r = await matchDiagnosisKeysFast(found, records, { scanPeriodSeconds: o.scanPeriodSeconds, engine, threads: 0, portableSha256: o.portableSha256 })
    const { keys: n, malformedKeys, rpisChecked, engine: scanned } = scan.stats
    return { matches: r.matches, stats: { ...r.stats, keys: n, malformedKeys, rpisChecked, engine: scanned }, fallbackReason: scan.fallbackReason }
}
