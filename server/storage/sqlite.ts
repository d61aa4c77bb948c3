// The embedded Storage implementation: one SQLite file in the data directory (better-sqlite3).
// WAL lets a separately run `publish` command read while the server writes; synchronous=FULL makes
// an answered upload survive a power cut, not only a process restart.
import Database from "better-sqlite3"
import { randomUUID } from "node:crypto"
import { join } from "node:path"
import {
    PublishConflictError,
    DuplicateNameError,
    ProcessingNumberSpentError,
    type Storage,
    type Kiosk,
    type PublishableKeys,
    type NewExportFile,
    type ExportFileInfo,
    type ProcessingNumberState,
    type NewUpload,
    type WrongNumberCounts,
} from "./storage.js"
import { TEK_ROLLING_PERIOD } from "../../lib/gaen/index.js"
import { DAY_MS } from "../protocol.js"
import { loadMigrations, SchemaTooNewError } from "./migrations.js"

export const DATABASE_FILE = "server.sqlite"

type KioskRow = { id: number; name: string; created_at: number; revoked_at: number | null }
const toKiosk = (r: KioskRow): Kiosk => ({ id: r.id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at })

type FileRow = { id: number; region: string; key_day: number; batch_num: number; batch_size: number; key_count: number; created: number }
const toFileInfo = (r: FileRow): ExportFileInfo => ({
    id: r.id,
    region: r.region,
    newestKeyDay: r.key_day,
    batchNum: r.batch_num,
    batchSize: r.batch_size,
    keyCount: r.key_count,
    created: r.created,
})

export class SqliteStorage implements Storage {
    private readonly db: Database.Database
    private readonly stmt

    /** Opens (creating if needed) `server.sqlite` in `dataDir`; the constructor takes an explicit file path. */
    static open(dataDir: string): SqliteStorage {
        return new SqliteStorage(join(dataDir, DATABASE_FILE))
    }

    constructor(file: string) {
        this.db = new Database(file)
        this.db.pragma("journal_mode = WAL")
        this.db.pragma("synchronous = FULL")
        this.db.pragma("busy_timeout = 10000")
        this.migrate()
        const db = this.db
        this.stmt = {
            addKiosk: db.prepare("INSERT INTO kiosks (name, api_key_hash, created_at) VALUES (?, ?, ?) RETURNING *"),
            kioskByHash: db.prepare("SELECT * FROM kiosks WHERE api_key_hash = ? AND revoked_at IS NULL"),
            listKiosks: db.prepare("SELECT * FROM kiosks ORDER BY id"),
            revokeKiosk: db.prepare("UPDATE kiosks SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"),
            addNumber: db.prepare("INSERT OR IGNORE INTO processing_numbers (number, issued_at, expires_at) VALUES (?, ?, ?)"),
            getNumber: db.prepare("SELECT expires_at, used_at FROM processing_numbers WHERE number = ?"),
            spendNumber: db.prepare("UPDATE processing_numbers SET used_at = ? WHERE number = ? AND used_at IS NULL AND expires_at > ?"),
            insertWrongNumber: db.prepare("INSERT INTO wrong_numbers (kiosk_id, at) VALUES (?, ?)"),
            forgetWrongNumbers: db.prepare("DELETE FROM wrong_numbers WHERE at < ?"),
            countWrongNumbers: db.prepare(`SELECT count(*) FILTER (WHERE kiosk_id = @kiosk) AS kiosk, min(at) FILTER (WHERE kiosk_id = @kiosk) AS kioskOldest,
                count(*) AS "all", min(at) AS allOldest FROM wrong_numbers WHERE at >= @since`),
            findUpload: db.prepare("SELECT response FROM uploads WHERE idempotency_hash = ?").pluck(),
            insertUpload: db.prepare("INSERT INTO uploads (idempotency_hash, day, response) VALUES (?, ?, ?)"),
            insertKey: db.prepare(`INSERT OR IGNORE INTO diagnosis_keys
                (region, key_data, rolling_start, rolling_period, report_type, days_since_onset, generation)
                VALUES (?, ?, ?, ?, ?, ?, (SELECT value FROM server_state WHERE name = 'publish_generation'))`),
            countKeys: db.prepare("SELECT count(*) AS total, coalesce(sum(published = 0), 0) AS unpublished FROM diagnosis_keys"),
            nextGeneration: db.prepare("UPDATE server_state SET value = value + 1 WHERE name = 'publish_generation' RETURNING value").pluck(),
            publishable: db
                .prepare(
                    `SELECT region, key_data, rolling_start, rolling_period, report_type, days_since_onset
                FROM diagnosis_keys WHERE published = 0 AND generation < ? AND rolling_start + rolling_period <= ?`
                )
                .raw(),
            markPublished: db.prepare(`UPDATE diagnosis_keys SET published = 1
                WHERE published = 0 AND generation < ? AND rolling_start + rolling_period <= ?`),
            insertFile: db.prepare(`INSERT INTO export_files (region, key_day, batch_num, batch_size, key_count, created, zip)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id, region, key_day, batch_num, batch_size, key_count, created`),
            listFiles: db.prepare("SELECT id, region, key_day, batch_num, batch_size, key_count, created FROM export_files WHERE region = ? ORDER BY id"),
            readFile: db.prepare("SELECT zip FROM export_files WHERE region = ? AND id = ?").pluck(),
            lastCreated: db.prepare("SELECT coalesce(max(created), 0) FROM export_files WHERE region = ?").pluck(),
            deleteKeys: db.prepare("DELETE FROM diagnosis_keys WHERE rolling_start < ?"),
            deleteFiles: db.prepare("DELETE FROM export_files WHERE key_day < ?"),
            deleteUploads: db.prepare("DELETE FROM uploads WHERE day < ?"),
            deleteNumbers: db.prepare("DELETE FROM processing_numbers WHERE max(expires_at, coalesce(used_at, 0)) < ?"),
            insertSurvey: db.prepare("INSERT INTO survey_answers (id, day, answers) VALUES (?, ?, ?)"),
            listSurvey: db.prepare("SELECT day, answers FROM survey_answers ORDER BY day, id"),
            // Read on every upload: end of service may be declared by another process at any time.
            endOfService: db.prepare("SELECT value FROM server_state WHERE name = 'end_of_service_at'").pluck(),
            declareEndOfService: db.prepare("INSERT OR IGNORE INTO server_state (name, value) VALUES ('end_of_service_at', ?)"),
        }
    }

    /** Applies the numbered migrations not yet applied, each in one transaction. */
    private migrate(): void {
        this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
        const migrations = loadMigrations("sqlite")
        const current = this.schemaVersion()
        if (current > migrations.length) throw new SchemaTooNewError(current, migrations.length)
        for (const m of migrations.slice(current)) {
            this.db
                .transaction(() => {
                    this.db.exec(m.sql)
                    this.db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now())
                })
                .immediate()
        }
    }

    schemaVersion(): number {
        return this.db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations").pluck().get() as number
    }

    async addKiosk(name: string, apiKeyHash: Uint8Array, now: number): Promise<Kiosk> {
        try {
            return toKiosk(this.stmt.addKiosk.get(name, apiKeyHash, now) as KioskRow)
        } catch (err) {
            if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new DuplicateNameError(`kiosk "${name}"`)
            throw err
        }
    }

    async findKioskByApiKeyHash(apiKeyHash: Uint8Array): Promise<Kiosk | undefined> {
        const row = this.stmt.kioskByHash.get(apiKeyHash) as KioskRow | undefined
        return row && toKiosk(row)
    }

    async listKiosks(): Promise<Kiosk[]> {
        return (this.stmt.listKiosks.all() as KioskRow[]).map(toKiosk)
    }

    async revokeKiosk(name: string, now: number): Promise<boolean> {
        return this.stmt.revokeKiosk.run(now, name).changes === 1
    }

    async addProcessingNumbers(numbers: string[], issuedAt: number, expiresAt: number): Promise<string[]> {
        return this.db.transaction(() => numbers.filter(n => this.stmt.addNumber.run(n, issuedAt, expiresAt).changes === 1)).immediate()
    }

    async checkProcessingNumber(number: string, now: number): Promise<ProcessingNumberState> {
        const row = this.stmt.getNumber.get(number) as { expires_at: number; used_at: number | null } | undefined
        if (!row) return "unknown"
        if (row.used_at !== null) return "used"
        return row.expires_at <= now ? "expired" : "valid"
    }

    async findUploadResponse(idempotencyHash: Uint8Array): Promise<string | undefined> {
        return this.stmt.findUpload.get(idempotencyHash) as string | undefined
    }

    async saveUpload(u: NewUpload): Promise<void> {
        this.db
            .transaction(() => {
                const spend = u.spendProcessingNumber
                if (spend && this.stmt.spendNumber.run(spend.now, spend.number, spend.now).changes !== 1) throw new ProcessingNumberSpentError()
                this.stmt.insertUpload.run(u.idempotencyHash, u.day, u.response)
                for (const k of u.keys) {
                    this.stmt.insertKey.run(k.region, k.keyData, k.rollingStartIntervalNumber, k.rollingPeriod, k.reportType, k.daysSinceOnsetOfSymptoms)
                }
            })
            .immediate()
    }

    async countKeys(): Promise<{ total: number; unpublished: number }> {
        return this.stmt.countKeys.get() as { total: number; unpublished: number }
    }

    async readPublishableKeys(releasedBy: number): Promise<PublishableKeys> {
        // Start a new generation (a short write), then read the keys of the earlier ones: uploads
        // from now on belong to the new generation and are left for the next run.
        const generation = this.db.transaction(() => this.stmt.nextGeneration.get() as number).immediate()
        const rows = this.stmt.publishable.all(generation, releasedBy) as [string, Buffer, number, number, number, number][]
        const keys = rows.map(([region, keyData, rollingStartIntervalNumber, rollingPeriod, reportType, daysSinceOnsetOfSymptoms]) => ({
            region,
            keyData,
            rollingStartIntervalNumber,
            rollingPeriod,
            reportType,
            daysSinceOnsetOfSymptoms,
        }))
        return { keys, snapshot: { generation, releasedBy, count: keys.length } }
    }

    async savePublication(snapshot: PublishableKeys["snapshot"], files: NewExportFile[]): Promise<ExportFileInfo[]> {
        return this.db
            .transaction(() => {
                // Later uploads carry a later generation, so the same predicate selects the same set,
                // unless another publisher or the retention job got there first: then roll back.
                const marked = this.stmt.markPublished.run(snapshot.generation, snapshot.releasedBy).changes
                if (marked !== snapshot.count) throw new PublishConflictError()
                return files.map(f =>
                    toFileInfo(this.stmt.insertFile.get(f.region, f.newestKeyDay, f.batchNum, f.batchSize, f.keyCount, f.created, f.zip) as FileRow)
                )
            })
            .immediate()
    }

    async listExportFiles(region: string): Promise<ExportFileInfo[]> {
        return (this.stmt.listFiles.all(region) as FileRow[]).map(toFileInfo)
    }

    async readExportFile(region: string, id: number): Promise<Uint8Array | undefined> {
        return this.stmt.readFile.get(region, id) as Buffer | undefined
    }

    async lastExportCreated(region: string): Promise<number> {
        return this.stmt.lastCreated.get(region) as number
    }

    async recordWrongNumber(kioskId: number, at: number, forgetBefore: number): Promise<void> {
        this.db
            .transaction(() => {
                this.stmt.forgetWrongNumbers.run(forgetBefore)
                this.stmt.insertWrongNumber.run(kioskId, at)
            })
            .immediate()
    }

    async countWrongNumbers(kioskId: number, since: number): Promise<WrongNumberCounts> {
        const r = this.stmt.countWrongNumbers.get({ kiosk: kioskId, since }) as {
            kiosk: number
            kioskOldest: number | null
            all: number
            allOldest: number | null
        }
        return { kiosk: r.kiosk, kioskOldest: r.kioskOldest ?? undefined, all: r.all, allOldest: r.allOldest ?? undefined }
    }

    async deleteExpired(oldestDay: number) {
        return this.db
            .transaction(() => ({
                keys: this.stmt.deleteKeys.run(oldestDay * TEK_ROLLING_PERIOD).changes,
                files: this.stmt.deleteFiles.run(oldestDay).changes,
                uploads: this.stmt.deleteUploads.run(oldestDay).changes,
                processingNumbers: this.stmt.deleteNumbers.run(oldestDay * DAY_MS).changes,
            }))
            .immediate()
    }

    async saveSurveyAnswer(a: { day: number; answers: string }): Promise<void> {
        this.stmt.insertSurvey.run(randomUUID(), a.day, a.answers)
    }

    async listSurveyAnswers(): Promise<{ day: number; answers: string }[]> {
        return this.stmt.listSurvey.all() as { day: number; answers: string }[]
    }

    /**
     * A consistent copy of the database while the server runs (SQLite's online backup API): a plain
     * file copy of a WAL database can miss committed writes still in the -wal file.
     */
    async backupTo(file: string): Promise<void> {
        await this.db.backup(file)
    }

    async endOfServiceAt(): Promise<number | undefined> {
        return this.stmt.endOfService.get() as number | undefined
    }

    async declareEndOfService(at: number): Promise<number> {
        this.stmt.declareEndOfService.run(at)
        return (await this.endOfServiceAt())!
    }

    async close(): Promise<void> {
        if (this.db.open) this.db.close()
    }
}
