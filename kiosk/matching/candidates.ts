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
import { RPI_ACCEPTANCE_WINDOW_INTERVALS } from "../../lib/gaen/index.js"
import { DIGEST_PREFIX_BYTES, type DigestEntry } from "../../lib/token-sync/log-digest.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import type { DiagnosisKey } from "../downloads/export-cache.js"
import { matchDiagnosisKeysFast, scanSightings, type FastMatchOptions, type MatchResult } from "./fast-match.js"
import { keyReader, type DiagnosisKeys, type MatchStats } from "./match.js"

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
    const windows = new Uint32Array(2 * digest.length)
    digest.forEach((e, i) => {
        windows[2 * i] = Math.max(0, e.firstInterval - RPI_ACCEPTANCE_WINDOW_INTERVALS)
        windows[2 * i + 1] = Math.min(LAST_INTERVAL, e.lastInterval + RPI_ACCEPTANCE_WINDOW_INTERVALS)
    })
    const scan = await scanSightings(
        keys,
        digest.map(e => ({ rpi: e.prefix })),
        { compareBytes: DIGEST_PREFIX_BYTES, windows },
        o
    )
    const entries = new Set<number>()
    const keyNumbers: number[] = []
    for (let s = 0; s < scan.sightings.length; s += 3) {
        if (keyNumbers[keyNumbers.length - 1] !== scan.sightings[s]) keyNumbers.push(scan.sightings[s])
        entries.add(scan.sightings[s + 2])
    }
    return { candidates: [...entries].sort((a, b) => a - b), keyNumbers, stats: scan.stats, fallbackReason: scan.fallbackReason }
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
