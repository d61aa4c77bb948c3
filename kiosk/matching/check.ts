// The exposure check: diagnosis keys from the server (verified), the token's log (in memory only),
// matching, and COCOA's per-day risk. checkRecords is the whole check on a log already read;
// checkTokenExposure reads the log from a connected token first, in two phases (candidates.ts): the
// digest of every record (the keys scanned against it day by day while it is read), then the whole
// records of the candidates only.
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import type { TokenSession } from "../token/session.js"
import type { DigestEntry } from "../../lib/token-sync/log-digest.js"
import { twoPhaseLogRead } from "../token/log-reader.js"
import { syncExports, type ExportFileSummary } from "../downloads/export-cache.js"
import type { TrustedKey } from "../downloads/public-key.js"
import type { ProgressListener } from "../progress.js"
import type { MatchStats } from "./match.js"
import { matchDiagnosisKeysFast, type MatchResult } from "./fast-match.js"
import { CandidatePipeline, matchCandidates } from "./candidates.js"
import { dailyRisk, type DayRisk } from "./risk.js"
import type { RiskConfig } from "./risk-config.js"

export interface CheckOptions {
    server: string
    region: string
    dataDir: string
    trustedKey: TrustedKey
    riskConfig: RiskConfig
    onProgress?: ProgressListener
}

export interface CheckResult {
    /** At least one high-risk day: tell the person to contact the health centre. */
    probableContact: boolean
    /** Dates (YYYY-MM-DD, UTC day) of high-risk days, oldest first. */
    contactDates: string[]
    /** Every day with a counted match, high risk or not. */
    days: DayRisk[]
    matching: MatchStats
    /** `stale`: the newest published file is old (or none is listed): warn instead of reporting "no contact". */
    downloads: { files: ExportFileSummary[]; downloaded: number; keys: number; stale: boolean; newestFileCreated?: number }
    /** `candidates`: of a log read in two phases, the records read whole (the rest never left the
     *  token whole: only their digest did). */
    log: { records: number; scanPeriodSeconds: number; candidates?: number }
}

/** The check of a log already in memory (tests, or a log read by other means). */
export function checkRecords(records: readonly EncounterRecord[], scanPeriod: number, o: CheckOptions): Promise<CheckResult> {
    return runCheck({ records: async () => records }, scanPeriod, o)
}

/** Reads the token's log in two phases (after the owner's press opens the session) and checks it. */
export function checkTokenExposure(session: TokenSession, o: CheckOptions): Promise<CheckResult> {
    return runCheck(twoPhaseLogRead(session, { onProgress: o.onProgress }), session.status.scanPeriodSeconds, o)
}

/** How a check reads the log: whole (`records`), or in two phases (kiosk/token/log-reader.ts
 *  twoPhaseLogRead, e.g. one that resumes after an unplug). */
export type LogSource =
    | { records(): Promise<readonly EncounterRecord[]> }
    | {
          /** `onEntries`: after each burst, the entries read so far, so the keys are scanned while the rest is read. */
          readDigest(onEntries?: (entries: readonly DigestEntry[]) => void): Promise<DigestEntry[]>
          readCandidates(candidates: readonly DigestEntry[]): Promise<EncounterRecord[]>
      }

/** The check with the log read by the caller's reader (e.g. one that resumes after an unplug). */
export function checkWithLogReader(log: LogSource, scanPeriod: number, o: CheckOptions): Promise<CheckResult> {
    return runCheck(log, scanPeriod, o)
}

/** Downloads and verification come first, so a refused file stops the check before the log is read. */
async function runCheck(log: LogSource, scanPeriod: number, o: CheckOptions): Promise<CheckResult> {
    const exports = await syncExports({
        server: o.server,
        region: o.region,
        dataDir: o.dataDir,
        trustedKey: o.trustedKey,
        onProgress: p => o.onProgress?.({ step: "download", ...p }),
    })
    const matchOptions = {
        scanPeriodSeconds: scanPeriod,
        onProgress: (keysDone: number, keysTotal: number) => o.onProgress?.({ step: "match", keysDone, keysTotal }),
    }
    let matched: MatchResult, recordsInLog: number, candidates: number | undefined
    if ("records" in log) {
        const records = await log.records()
        matched = await matchDiagnosisKeysFast(exports.keys, records, matchOptions)
        recordsInLog = records.length
    } else {
        // The keys of the days the read has passed are scanned while it goes on (CandidatePipeline).
        const pipeline = new CandidatePipeline(exports.keys, matchOptions)
        const digest = await log
            .readDigest(entries => pipeline.advance(entries))
            .catch(e => {
                pipeline.stop()
                throw e
            })
        const scan = await pipeline.finish(digest)
        const records = await log.readCandidates(scan.candidates.map(c => digest[c]))
        matched = await matchCandidates(exports.keys, scan, records, matchOptions)
        recordsInLog = digest.length
        candidates = scan.candidates.length
    }
    const { matches, stats } = matched
    const days = dailyRisk(matches, o.riskConfig)
    const high = days.filter(d => d.highRisk)
    return {
        probableContact: high.length > 0,
        contactDates: high.map(d => d.date),
        days,
        matching: stats,
        downloads: {
            files: exports.files,
            downloaded: exports.downloaded,
            keys: exports.keys.length,
            stale: exports.stale,
            newestFileCreated: exports.newestFileCreated,
        },
        log: { records: recordsInLog, scanPeriodSeconds: scanPeriod, candidates },
    }
}
