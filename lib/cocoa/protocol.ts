// The COCOA wire protocol between kiosks and the notification server: HTTP paths, headers, the
// processing-number and region formats, and the shutdown survey's fields. Both server/ and kiosk/
// import it, so the two cannot drift apart. Server-only limits and policy stay in server/protocol.ts.
// Sources: COCOA's client and server (cocoa-mhlw/cocoa), see data/SOURCES.md.

/** HTTP paths, as COCOA's app called them relative to its API and CDN bases. */
export const PATHS = {
    diagnosis: "/v3/diagnosis", // PUT: upload a positive person's keys
    eventLog: "/v1/event_log", // PUT: the shutdown survey
    /** GET {base}/c19r/{region}/list.json and {base}/c19r/{region}/{id}.zip */
    exportPrefix: "/c19r",
    /** GET: the export-signing public key for kiosks (not in COCOA: its key lived in the OS). */
    exportPublicKey: "/v1/export-public-key",
    /** GET: {"status": "running"} or {"status": "end_of_service", endOfServiceAt, lastKeysExpireAt} (not in COCOA). */
    status: "/v1/status",
    /** GET: liveness and database check for load balancers (not in COCOA). */
    health: "/healthz",
    /** GET: Prometheus text format, counts only (not in COCOA). */
    metrics: "/metrics",
} as const

/** Kiosks may send their API key in this header, the one COCOA's app sent its API key in
 * (or as Authorization: Bearer). */
export const API_KEY_HEADER = "x-api-key"

/** Requests carrying this header are answered like real ones and stored nowhere (traffic padding). */
export const CHAFF_HEADER = "x-chaff"

/** 処理番号 (processing number) issued by HER-SYS: exactly 8 ASCII digits. */
export const PROCESSING_NUMBER_PATTERN = /^[0-9]{8}$/

/** Regions: Japan's MCC. */
export const DEFAULT_REGION = "440"
export const REGION_PATTERN = /^[0-9A-Za-z]{1,8}$/

/** Shutdown survey (COCOA 3.0.0): answer ranges; −1 means "no answer". */
export const SURVEY = {
    eventType: "survey",
    ageBrackets: { min: 1, max: 9 }, // ≤14, 15–19, 20–24, 25–29, 30–39, 40–49, 50–59, 60–69, 70+
    commuting: { min: 1, max: 3 }, // none, not public transport, public transport
    noAnswer: -1,
    /** Daily exposure flags are only collected from 2022-04-07 (UTC) on. */
    exposureDataStartMs: Date.UTC(2022, 3, 7),
} as const
