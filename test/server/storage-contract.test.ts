// The Storage contract, run against both back ends: SQLite (a temp file) and PostgreSQL (a real
// server started for this file, a clone of a migrated template database per test). What the HTTP
// layer relies on: atomic uploads with the number spent inside, publishing snapshots that never
// lose or double-publish a key, retention, survey rows.
import { describe, test, expect, beforeAll, afterAll, beforeEach, afterEach } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import { SqliteStorage, DATABASE_FILE } from "../../server/storage/sqlite.js"
import Database from "better-sqlite3"
import pg from "pg"
import { PostgresStorage } from "../../server/storage/postgres.js"
import { loadMigrations } from "../../server/storage/migrations.js"
import { DuplicateNameError, ProcessingNumberSpentError, PublishConflictError, type Storage, type DiagnosisKeyRecord } from "../../server/storage/storage.js"
import { startTestPostgres, type TestPostgres } from "../helpers/postgres.js"

const DAY_MS = 86_400_000
const NOW = Date.UTC(2026, 5, 15, 12)
const TODAY = Math.floor(NOW / DAY_MS)
const RELEASED_BY = TODAY * 144

function key(daysAgo: number, region = "440"): DiagnosisKeyRecord {
    return {
        region,
        keyData: randomBytes(16),
        rollingStartIntervalNumber: (TODAY - daysAgo) * 144,
        rollingPeriod: 144,
        reportType: 1,
        daysSinceOnsetOfSymptoms: 0,
    }
}

const upload = (keys: DiagnosisKeyRecord[], extra: { spendProcessingNumber?: { number: string; now: number } } = {}) => ({
    idempotencyHash: randomBytes(32),
    day: TODAY,
    response: "{}",
    keys,
    ...extra,
})

const file = (region: string, keyCount: number, created: number) => ({
    region,
    newestKeyDay: TODAY - 1,
    batchNum: 1,
    batchSize: 1,
    keyCount,
    created,
    zip: randomBytes(64),
})

let postgres: TestPostgres
beforeAll(async () => {
    postgres = await startTestPostgres()
})
afterAll(async () => {
    await postgres?.stop()
})

interface Backend {
    open(): Promise<{
        storage: Storage
        reopen(): Promise<Storage>
        schemaVersion(s: Storage): Promise<number>
        /** The column names of a table, read through a second connection. */
        columns(table: string): Promise<string[]>
        cleanup(): void
    }>
}

const backends: [string, "sqlite" | "postgres", Backend][] = [
    [
        "SQLite",
        "sqlite",
        {
            async open() {
                const dir = mkdtempSync(join(tmpdir(), "gaen-storage-"))
                const open = async () => SqliteStorage.open(dir)
                const columns = async (table: string) => {
                    const db = new Database(join(dir, DATABASE_FILE), { readonly: true })
                    try {
                        return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map(c => c.name)
                    } finally {
                        db.close()
                    }
                }
                return {
                    storage: await open(),
                    reopen: open,
                    schemaVersion: async s => (s as SqliteStorage).schemaVersion(),
                    columns,
                    cleanup: () => rmSync(dir, { recursive: true, force: true }),
                }
            },
        },
    ],
    [
        "PostgreSQL",
        "postgres",
        {
            async open() {
                const url = await postgres.newDatabase()
                const open = () => PostgresStorage.open(url)
                const columns = async (table: string) => {
                    const client = new pg.Client({ connectionString: url })
                    await client.connect()
                    try {
                        return (await client.query("SELECT column_name FROM information_schema.columns WHERE table_name = $1", [table])).rows.map(
                            r => r.column_name
                        )
                    } finally {
                        await client.end()
                    }
                }
                return { storage: await open(), reopen: open, schemaVersion: s => (s as PostgresStorage).schemaVersion(), columns, cleanup: () => undefined }
            },
        },
    ],
]

describe.each(backends)("%s storage", (_name, kind, backend) => {
    let s: Storage
    let opened: Awaited<ReturnType<Backend["open"]>>
    beforeEach(async () => {
        opened = await backend.open()
        s = opened.storage
    })
    afterEach(async () => {
        await s.close()
        opened.cleanup()
    })

    test("a new database is migrated to the newest schema version, and reopening applies nothing twice", async () => {
        const newest = loadMigrations(kind).length
        expect(await opened.schemaVersion(s)).toBe(newest)
        await s.close()
        s = await opened.reopen()
        expect(await opened.schemaVersion(s)).toBe(newest)
    })

    test("stored keys carry nothing that links one upload's keys: no id, no kiosk, no upload time", async () => {
        expect((await opened.columns("diagnosis_keys")).sort()).toEqual([
            "days_since_onset",
            "generation",
            "key_data",
            "published",
            "region",
            "report_type",
            "rolling_period",
            "rolling_start",
        ])
    })

    test("kiosks: a name is unique, a revoked key no longer authenticates", async () => {
        const hash = randomBytes(32)
        const k = await s.addKiosk("library", hash, NOW)
        expect(k).toMatchObject({ name: "library", createdAt: NOW, revokedAt: null })
        await expect(s.addKiosk("library", randomBytes(32), NOW)).rejects.toBeInstanceOf(DuplicateNameError)
        expect((await s.findKioskByApiKeyHash(hash))?.id).toBe(k.id)
        expect(await s.revokeKiosk("library", NOW + 1)).toBe(true)
        expect(await s.revokeKiosk("library", NOW + 2)).toBe(false)
        expect(await s.findKioskByApiKeyHash(hash)).toBeUndefined()
        expect((await s.listKiosks())[0].revokedAt).toBe(NOW + 1)
    })

    test("wrong numbers are counted per kiosk and for all kiosks since a time, hold no number, and old ones are forgotten", async () => {
        const a = (await s.addKiosk("a", randomBytes(32), NOW)).id
        const b = (await s.addKiosk("b", randomBytes(32), NOW)).id
        expect(await s.countWrongNumbers(a, NOW - 1000)).toEqual({ kiosk: 0, all: 0 })
        await s.recordWrongNumber(a, NOW - 500, NOW - 1000)
        await s.recordWrongNumber(a, NOW - 100, NOW - 1000)
        await s.recordWrongNumber(b, NOW - 300, NOW - 1000)
        expect(await s.countWrongNumbers(a, NOW - 1000)).toEqual({ kiosk: 2, kioskOldest: NOW - 500, all: 3, allOldest: NOW - 500 })
        expect(await s.countWrongNumbers(b, NOW - 200)).toEqual({ kiosk: 0, all: 1, allOldest: NOW - 100 })
        // Recording a later one forgets those before its window.
        await s.recordWrongNumber(b, NOW + 1000, NOW - 200)
        expect(await s.countWrongNumbers(a, 0)).toEqual({ kiosk: 1, kioskOldest: NOW - 100, all: 2, allOldest: NOW - 100 })
        expect((await opened.columns("wrong_numbers")).sort()).toEqual(["at", "kiosk_id"])
    })

    test("processing numbers: duplicates are reported back, states are told apart for the verifier", async () => {
        expect(await s.addProcessingNumbers(["11111111", "22222222"], NOW, NOW + 1000)).toEqual(["11111111", "22222222"])
        expect(await s.addProcessingNumbers(["11111111", "33333333"], NOW, NOW + 1000)).toEqual(["33333333"])
        expect(await s.checkProcessingNumber("11111111", NOW)).toBe("valid")
        expect(await s.checkProcessingNumber("11111111", NOW + 1000)).toBe("expired")
        expect(await s.checkProcessingNumber("99999999", NOW)).toBe("unknown")
        await s.saveUpload(upload([key(1)], { spendProcessingNumber: { number: "22222222", now: NOW } }))
        expect(await s.checkProcessingNumber("22222222", NOW)).toBe("used")
    })

    test("an upload whose store fails spends nothing and stores nothing; the retry succeeds", async () => {
        await s.addProcessingNumbers(["12345678"], NOW, NOW + DAY_MS)
        const first = upload([key(1)])
        await s.saveUpload(first)
        // The same idempotency record again makes the transaction fail after the number was spent in it.
        const failing = { ...upload([key(2), key(3)], { spendProcessingNumber: { number: "12345678", now: NOW } }), idempotencyHash: first.idempotencyHash }
        await expect(s.saveUpload(failing)).rejects.toThrow()
        expect(await s.checkProcessingNumber("12345678", NOW)).toBe("valid")
        expect(await s.countKeys()).toEqual({ total: 1, unpublished: 1 })
        await s.saveUpload({ ...failing, idempotencyHash: randomBytes(32) })
        expect(await s.checkProcessingNumber("12345678", NOW)).toBe("used")
        expect(await s.countKeys()).toEqual({ total: 3, unpublished: 3 })
    })

    test("a number spent by another upload in between is refused with ProcessingNumberSpentError, nothing stored", async () => {
        await s.addProcessingNumbers(["87654321"], NOW, NOW + DAY_MS)
        const spend = { number: "87654321", now: NOW }
        await s.saveUpload(upload([key(1)], { spendProcessingNumber: spend }))
        const second = upload([key(2)], { spendProcessingNumber: spend })
        await expect(s.saveUpload(second)).rejects.toBeInstanceOf(ProcessingNumberSpentError)
        expect(await s.findUploadResponse(second.idempotencyHash)).toBeUndefined()
        expect((await s.countKeys()).total).toBe(1)
    })

    test("a key already stored for its region is stored once; the idempotency answer is kept", async () => {
        const k = key(1)
        const u = upload([k, key(2)])
        await s.saveUpload(u)
        await s.saveUpload(upload([k, { ...k, region: "441" }]))
        expect((await s.countKeys()).total).toBe(3)
        expect(await s.findUploadResponse(u.idempotencyHash)).toBe("{}")
    })

    test("publishing: released keys only, keys uploaded after the read wait for the next run, nothing twice", async () => {
        const released = [key(1), key(2), key(3, "441")]
        await s.saveUpload(upload([...released, key(0)])) // today's key is not released yet
        const read = await s.readPublishableKeys(RELEASED_BY)
        expect(read.keys.map(k => Buffer.from(k.keyData).toString("hex")).sort()).toEqual(released.map(k => Buffer.from(k.keyData).toString("hex")).sort())
        const late = key(4)
        await s.saveUpload(upload([late]))
        const saved = await s.savePublication(read.snapshot, [file("440", 2, NOW), file("441", 1, NOW)])
        expect(saved.map(f => f.region)).toEqual(["440", "441"])
        expect(await s.countKeys()).toEqual({ total: 5, unpublished: 2 })

        const next = await s.readPublishableKeys(RELEASED_BY)
        expect(next.keys.map(k => Buffer.from(k.keyData).toString("hex"))).toEqual([Buffer.from(late.keyData).toString("hex")])
        await s.savePublication(next.snapshot, [file("440", 1, NOW + 1)])
        expect((await s.readPublishableKeys(RELEASED_BY)).keys).toEqual([])
        expect((await s.listExportFiles("440")).map(f => f.created)).toEqual([NOW, NOW + 1])
        expect(await s.lastExportCreated("440")).toBe(NOW + 1)
        expect(await s.lastExportCreated("999")).toBe(0)
        const [first] = await s.listExportFiles("441")
        expect(await s.readExportFile("441", first.id)).toEqual(expect.any(Uint8Array))
        expect(await s.readExportFile("440", first.id)).toBeUndefined()
    })

    test("two publishers reading the same keys: the second one's save is a PublishConflictError and stores no file", async () => {
        await s.saveUpload(upload([key(1), key(2)]))
        const a = await s.readPublishableKeys(RELEASED_BY)
        const b = await s.readPublishableKeys(RELEASED_BY)
        await s.savePublication(a.snapshot, [file("440", 2, NOW)])
        await expect(s.savePublication(b.snapshot, [file("440", 2, NOW + 1)])).rejects.toBeInstanceOf(PublishConflictError)
        expect(await s.listExportFiles("440")).toHaveLength(1)
    })

    test("retention deletes old keys, files, upload records and processing numbers", async () => {
        await s.addProcessingNumbers(["10000001"], NOW - 20 * DAY_MS, NOW - 19 * DAY_MS)
        await s.saveUpload({ ...upload([key(16), key(1)]), day: TODAY - 16 })
        const read = await s.readPublishableKeys(RELEASED_BY)
        await s.savePublication(read.snapshot, [{ ...file("440", 1, NOW), newestKeyDay: TODAY - 16 }, file("440", 1, NOW + 1)])
        const deleted = await s.deleteExpired(TODAY - 14)
        expect(deleted).toEqual({ keys: 1, files: 1, uploads: 1, processingNumbers: 1 })
        expect(await s.countKeys()).toEqual({ total: 1, unpublished: 0 })
    })

    test("end of service is declared once; a second declaration keeps the first time", async () => {
        expect(await s.endOfServiceAt()).toBeUndefined()
        expect(await s.declareEndOfService(NOW)).toBe(NOW)
        expect(await s.declareEndOfService(NOW + 1000)).toBe(NOW)
        expect(await s.endOfServiceAt()).toBe(NOW)
    })

    test("survey answers are kept with their day only", async () => {
        await s.saveSurveyAnswer({ day: TODAY, answers: '{"q1":1}' })
        await s.saveSurveyAnswer({ day: TODAY - 1, answers: '{"q1":2}' })
        expect(await s.listSurveyAnswers()).toEqual([
            { day: TODAY - 1, answers: '{"q1":2}' },
            { day: TODAY, answers: '{"q1":1}' },
        ])
    })
})

describe("SQLite migrations", () => {
    test("a database of the first release (no schema_migrations, AUTOINCREMENT key ids) is migrated with its keys kept", async () => {
        const dir = mkdtempSync(join(tmpdir(), "gaen-storage-old-"))
        try {
            const old = new Database(join(dir, DATABASE_FILE))
            old.exec(loadMigrations("sqlite")[0].sql)
            old.prepare(
                `INSERT INTO diagnosis_keys (region, key_data, rolling_start, rolling_period, report_type, days_since_onset, published)
                VALUES ('440', ?, ?, 144, 1, 0, 0)`
            ).run(randomBytes(16), (TODAY - 1) * 144)
            old.close()
            const s = SqliteStorage.open(dir)
            try {
                expect(s.schemaVersion()).toBe(loadMigrations("sqlite").length)
                expect(await s.countKeys()).toEqual({ total: 1, unpublished: 1 })
                expect((await s.readPublishableKeys(RELEASED_BY)).keys).toHaveLength(1)
            } finally {
                await s.close()
            }
        } finally {
            rmSync(dir, { recursive: true, force: true })
        }
    })
})
