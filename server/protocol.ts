// The server's own protocol limits and policy. Sources: COCOA's server (cocoa-mhlw/cocoa), Google's
// exposure-notifications-server, and the GAEN export format (see data/SOURCES.md). The wire constants
// shared with the kiosk (paths, headers, formats, survey fields) are in lib/cocoa/protocol.ts; the
// GAEN key constants (key length, 10-minute intervals, 144 intervals a day) come from lib/gaen.
import { ReportType } from "../lib/keyfile/index.js"

// Retention is lib/gaen's RETENTION_DAYS (14): keys whose day is older are dropped on upload, and
// keys, export files, idempotency records and processing numbers older than that are deleted.

/** Report types accepted from kiosks: 1 confirmed test … 4 recursive. 5 (revoked) needs key revision, not supported. */
export const ACCEPTED_REPORT_TYPES = [ReportType.ConfirmedTest, ReportType.ConfirmedClinicalDiagnosis, ReportType.SelfReport, ReportType.Recursive] as const
export const DEFAULT_REPORT_TYPE = ReportType.ConfirmedTest
/** Idempotency keys (a UUID from COCOA's app and the kiosk) longer than this are malformed. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128
/** More keys than this in one upload is malformed (Google's server default, MAX_KEYS_ON_PUBLISH). */
export const MAX_KEYS_PER_UPLOAD = 30

/**
 * The infectious window, in days relative to the onset of symptoms (hasSymptom) or the test date:
 * only keys whose day lies inside are kept. Days since onset must also stay within ±14 or Android's
 * exposure API ignores the whole file (a note in COCOA's server).
 */
export const INFECTIOUS_WINDOW_DAYS = {
    symptomatic: { from: -3, to: 10 },
    asymptomatic: { from: -3, to: 7 },
} as const

/**
 * How far a key's start may lie ahead of the server's clock and still be kept. A kiosk sets its
 * token's clock from its own, which may run a few minutes ahead: just before midnight its patient's
 * token already holds the new day's key, which must not be lost. Such a key is published only after
 * its day ends, like every key.
 */
export const FUTURE_KEY_TOLERANCE_MS = 15 * 60_000

/** Export files: at most this many keys per file. */
export const MAX_KEYS_PER_EXPORT_FILE = 250_000
/**
 * Export privacy (Google's exposure-notifications-server pads the same way, with its defaults
 * MinRecords 1000 and PaddingRange 100): a run with fewer keys than `minKeys` is padded with random
 * keys up to `minKeys` plus 0…`extraUpTo` more, so a file never shows how few people uploaded nor
 * which keys came together.
 */
export const DEFAULT_EXPORT_PADDING = { minKeys: 1000, extraUpTo: 100 } as const
/** SignatureInfo written into exports: key id is conventionally the MCC, version "v1". */
export const DEFAULT_SIGNING_KEY_ID = "440"
export const DEFAULT_SIGNING_KEY_VERSION = "v1"

/** Request body limits. COCOA pads uploads with up to ~2 KB of random base64; 30 keys are ~3 KB. */
export const MAX_DIAGNOSIS_BODY_BYTES = 16 * 1024
/** The survey's daily exposure list grows by one entry per day of use. */
export const MAX_EVENT_LOG_BODY_BYTES = 128 * 1024

/** Shutdown survey: at most this many daily exposure entries (one per day of use) in one answer. */
export const MAX_SURVEY_DAILY_SUMMARIES = 2000

export const DAY_SECONDS = 86_400
export const DAY_MS = DAY_SECONDS * 1000
