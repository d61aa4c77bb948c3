// Every COCOA / GAEN protocol constant the server relies on, in one place. Sources: COCOA's
// client and server (cocoa-mhlw/cocoa), Google's exposure-notifications-server, and the GAEN export
// format (see data/SOURCES.md). Change these only together with the kiosk. The GAEN key constants
// (key length, 10-minute intervals, 144 intervals a day) come from lib/gaen.
import { ReportType } from "../lib/keyfile/index.js"

/** HTTP paths, as COCOA's app called them relative to its API and CDN bases. */
export const PATHS = {
    diagnosis: "/v3/diagnosis", // PUT: upload a positive person's keys
    eventLog: "/v1/event_log", // PUT: the shutdown survey
    /** GET {base}/c19r/{region}/list.json and {base}/c19r/{region}/{id}.zip */
    exportPrefix: "/c19r",
    /** GET: the export-signing public key for kiosks (not in COCOA: its key lived in the OS). */
    exportPublicKey: "/v1/export-public-key",
} as const

/** Kiosks may send their API key in this header, the one COCOA's app sent its API key in
 * (or as Authorization: Bearer). */
export const API_KEY_HEADER = "x-api-key"

/** Requests carrying this header are answered like real ones and stored nowhere (traffic padding). */
export const CHAFF_HEADER = "x-chaff"

/** 処理番号 (processing number) issued by HER-SYS: exactly 8 ASCII digits. */
export const PROCESSING_NUMBER_PATTERN = /^[0-9]{8}$/

// Retention is lib/gaen's RETENTION_DAYS (14): keys whose day is older are dropped on upload, and
// keys, export files, idempotency records and processing numbers older than that are deleted.

/** Report types accepted from kiosks: 1 confirmed test … 4 recursive. 5 (revoked) needs key revision, not supported. */
export const ACCEPTED_REPORT_TYPES = [
    ReportType.ConfirmedTest, ReportType.ConfirmedClinicalDiagnosis, ReportType.SelfReport, ReportType.Recursive,
] as const
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

/** Regions: Japan's MCC. */
export const DEFAULT_REGION = "440"
export const REGION_PATTERN = /^[0-9A-Za-z]{1,8}$/

/** Export files: at most this many keys per file. */
export const MAX_KEYS_PER_EXPORT_FILE = 250_000
/** SignatureInfo written into exports: key id is conventionally the MCC, version "v1". */
export const DEFAULT_SIGNING_KEY_ID = "440"
export const DEFAULT_SIGNING_KEY_VERSION = "v1"

/** Request body limits. COCOA pads uploads with up to ~2 KB of random base64; 30 keys are ~3 KB. */
export const MAX_DIAGNOSIS_BODY_BYTES = 16 * 1024
/** The survey's daily exposure list grows by one entry per day of use. */
export const MAX_EVENT_LOG_BODY_BYTES = 128 * 1024

/** Shutdown survey (COCOA 3.0.0): answer ranges; −1 means "no answer". */
export const SURVEY = {
    eventType: "survey",
    ageBrackets: { min: 1, max: 9 }, // ≤14, 15–19, 20–24, 25–29, 30–39, 40–49, 50–59, 60–69, 70+
    commuting: { min: 1, max: 3 }, // none, not public transport, public transport
    noAnswer: -1,
    /** Daily exposure flags are only collected from 2022-04-07 (UTC) on. */
    exposureDataStartMs: Date.UTC(2022, 3, 7),
    maxDailySummaries: 2000,
} as const

export const DAY_SECONDS = 86_400
export const DAY_MS = DAY_SECONDS * 1000
