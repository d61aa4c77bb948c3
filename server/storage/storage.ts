// The one storage interface the server uses. Everything durable goes through it, so a deployment
// can swap the embedded SQLite implementation (./sqlite.ts) for PostgreSQL without touching the
// HTTP, validation or publishing code. Methods are async for that reason even though SQLite is not.
// Times are Unix milliseconds unless named otherwise; "day" is the UTC day number (ms / 86_400_000).

export interface Kiosk {
    id: number
    name: string
    createdAt: number
    revokedAt: number | null
}

/** A diagnosis key as stored: already validated, with days since onset computed. */
export interface DiagnosisKeyRecord {
    keyData: Uint8Array
    rollingStartIntervalNumber: number
    rollingPeriod: number
    reportType: number
    daysSinceOnsetOfSymptoms: number
    region: string
}

export interface NewUpload {
    idempotencyHash: Uint8Array
    day: number
    response: string
    keys: DiagnosisKeyRecord[]
    spendProcessingNumber?: { number: string; now: number }
}

/** Keys read for publishing, plus what savePublication needs to mark exactly those keys. */
export interface PublishableKeys {
    keys: DiagnosisKeyRecord[]
    /**
     * Opaque to callers: identifies the set that was read: keys of publishing generations before
     * `generation` (uploads after the read get a later one) released by `releasedBy`.
     */
    snapshot: { generation: number; releasedBy: number; count: number }
}

export interface NewExportFile {
    region: string
    /** The newest key day in the file (column key_day): the file is deleted once this day is past retention. */
    newestKeyDay: number
    batchNum: number
    batchSize: number
    keyCount: number
    /** Unix ms; strictly increasing per region so clients' "created > last" works. */
    created: number
    zip: Uint8Array
}

export interface ExportFileInfo {
    id: number
    region: string
    newestKeyDay: number
    batchNum: number
    batchSize: number
    keyCount: number
    created: number
}

/** Wrong processing numbers recorded since a time: one kiosk's and all kiosks' together. */
export interface WrongNumberCounts {
    kiosk: number
    /** Time of the kiosk's oldest one counted (undefined when none). */
    kioskOldest?: number
    all: number
    allOldest?: number
}

/** What the local verifier finds for a number, without spending it. */
export type ProcessingNumberState = "valid" | "used" | "expired" | "unknown"

/**
 * The number to spend in saveUpload's transaction was spent (or expired) since it was checked, e.g.
 * by a concurrent upload with another idempotency key: nothing was stored.
 */
export class ProcessingNumberSpentError extends Error {
    constructor() {
        super("the processing number was spent by another upload")
        this.name = "ProcessingNumberSpentError"
    }
}

/** Another publisher marked some of the keys first; the caller re-reads and retries. */
export class PublishConflictError extends Error {
    constructor() {
        super("keys were published concurrently; retry")
        this.name = "PublishConflictError"
    }
}

export class DuplicateNameError extends Error {
    constructor(what: string) {
        super(`${what} already exists`)
        this.name = "DuplicateNameError"
    }
}

export interface Storage {
    // Kiosks: only a hash of each API key is kept.
    addKiosk(name: string, apiKeyHash: Uint8Array, now: number): Promise<Kiosk>
    /** The active (not revoked) kiosk with this API-key hash. */
    findKioskByApiKeyHash(apiKeyHash: Uint8Array): Promise<Kiosk | undefined>
    listKiosks(): Promise<Kiosk[]>
    revokeKiosk(name: string, now: number): Promise<boolean>

    // Processing numbers for the local verifier.
    /** Adds the numbers in one transaction; returns those that were new (the caller redraws the rest). */
    addProcessingNumbers(numbers: string[], issuedAt: number, expiresAt: number): Promise<string[]>
    /** Reads the number's state; spending happens in saveUpload, with the keys. */
    checkProcessingNumber(number: string, now: number): Promise<ProcessingNumberState>

    // Wrong numbers (the guessing defence): shared by all server processes, kept across restarts.
    /** Records a wrong number sent by the kiosk at `at`, and forgets those recorded before `forgetBefore`. */
    recordWrongNumber(kioskId: number, at: number, forgetBefore: number): Promise<void>
    countWrongNumbers(kioskId: number, since: number): Promise<WrongNumberCounts>

    // Uploads: keys, the idempotency record and the spent number, stored together or not at all.
    findUploadResponse(idempotencyHash: Uint8Array): Promise<string | undefined>
    /**
     * A key already stored for its region is not stored twice. With `spendProcessingNumber`, the number
     * is marked used in the same transaction (ProcessingNumberSpentError if it no longer can be), so a
     * failed store leaves it unspent and the kiosk's retry succeeds.
     */
    saveUpload(upload: NewUpload): Promise<void>
    countKeys(): Promise<{ total: number; unpublished: number }>

    // Publishing.
    /** Unpublished keys whose validity ended at or before rolling interval `releasedBy`. */
    readPublishableKeys(releasedBy: number): Promise<PublishableKeys>
    /** Stores the files and marks the snapshot's keys published, atomically; PublishConflictError if they changed. */
    savePublication(snapshot: PublishableKeys["snapshot"], files: NewExportFile[]): Promise<ExportFileInfo[]>
    listExportFiles(region: string): Promise<ExportFileInfo[]>
    readExportFile(region: string, id: number): Promise<Uint8Array | undefined>
    lastExportCreated(region: string): Promise<number>

    /** Deletes keys and files for days before `oldestDay`, upload records and processing numbers older than it. */
    deleteExpired(oldestDay: number): Promise<{ keys: number; files: number; uploads: number; processingNumbers: number }>

    // Survey answers: no kiosk, no time beyond the day, random row ids.
    saveSurveyAnswer(answer: { day: number; answers: string }): Promise<void>
    listSurveyAnswers(): Promise<{ day: number; answers: string }[]>

    // End of service (COCOA 3.0.0): once declared, no new numbers or uploads; publishing goes on.
    /** The time end of service was declared, if it was. */
    endOfServiceAt(): Promise<number | undefined>
    /** Declares end of service at `at` unless already declared; returns the time in force. */
    declareEndOfService(at: number): Promise<number>

    close(): Promise<void>
}
