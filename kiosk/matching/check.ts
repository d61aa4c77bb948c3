// The exposure check: diagnosis keys from the server (verified), the token's log (in memory only),
// matching, and COCOA's per-day risk. checkRecords is the whole check on a log already read;
// checkTokenExposure reads the log from a connected token first.
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import type { TokenSession } from "../token/session.js"
import { readLogResuming } from "../token/log-reader.js"
import { syncExports, type ExportFileSummary } from "../downloads/export-cache.js"
import type { TrustedKey } from "../downloads/public-key.js"
import type { ProgressListener } from "../progress.js"
import type { MatchStats } from "./match.js"
import { matchDiagnosisKeysFast } from "./fast-match.js"
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
    log: { records: number; scanPeriodSeconds: number }
}

/** The check of a log already in memory (tests, or a log read by other means). */
export function checkRecords(records: readonly EncounterRecord[], scanPeriod: number, o: CheckOptions): Promise<CheckResult> {
    return runCheck(async () => records, scanPeriod, o)
}

/** Reads the token's log into memory (after the owner's press opens the session) and checks it. */
export function checkTokenExposure(session: TokenSession, o: CheckOptions): Promise<CheckResult> {
    return runCheck(async () => (await readLogResuming(session, { onProgress: o.onProgress })).records, session.status.scanPeriodSeconds, o)
}

/** The check with the log read by the caller's reader (e.g. one that resumes after an unplug). */
export function checkWithLogReader(readRecords: () => Promise<readonly EncounterRecord[]>, scanPeriod: number, o: CheckOptions): Promise<CheckResult> {
    return runCheck(readRecords, scanPeriod, o)
}

/** Downloads and verification come first, so a refused file stops the check before the log is read. */
async function runCheck(readRecords: () => Promise<readonly EncounterRecord[]>, scanPeriod: number, o: CheckOptions): Promise<CheckResult> {
    const exports = await syncExports({
        server: o.server,
        region: o.region,
        dataDir: o.dataDir,
        trustedKey: o.trustedKey,
        onProgress: p => o.onProgress?.({ step: "download", ...p }),
    })
    const records = await readRecords()
    const { matches, stats } = await matchDiagnosisKeysFast(exports.keys, records, {
        scanPeriodSeconds: scanPeriod,
        onProgress: (keysDone, keysTotal) => o.onProgress?.({ step: "match", keysDone, keysTotal }),
    })
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
        log: { records: records.length, scanPeriodSeconds: scanPeriod },
    }
}
