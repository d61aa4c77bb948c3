// The PostgreSQL Storage, for national scale: several server processes (and `publish` from cron)
// on one database. Same tables and meaning as SQLite's (migrations/postgres). Differences that
// matter:
//   - every multi-statement change goes through inTx (one helper: begin, commit, or roll back);
//   - publishing runs one at a time across all processes (a transaction-level advisory lock);
//   - an upload takes the publishing generation FOR SHARE, so the generation bump of a publishing
//     run waits for uploads in flight and "generation < g" never misses a committed key.
import pg from "pg"
import { randomUUID } from "node:crypto"
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
    type DiagnosisKeyRecord,
    type WrongNumberCounts,
} from "./storage.js"
import { TEK_ROLLING_PERIOD } from "../../lib/gaen/index.js"
import { DAY_MS } from "../protocol.js"
import { loadMigrations, SchemaTooNewError } from "./migrations.js"

/** Held for the whole of a publishing run's write, and while migrating. */
const PUBLISH_LOCK = 0x6761656e // "gaen"
const MIGRATE_LOCK = PUBLISH_LOCK + 1
/** Rows per INSERT when storing many keys (bench setup, large uploads). */
const KEY_INSERT_CHUNK = 1000

// int8 (BIGINT, count(*)) as a JS number: our times are ms and our counts small enough to be exact.
const types = {
    getTypeParser: ((oid: number, format?: string) =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
}

type Queryable = Pick<pg.PoolClient, "query">

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
const FILE_COLUMNS = "id, region, key_day, batch_num, batch_size, key_count, created"

export class PostgresStorage implements Storage {
    private constructor(private readonly pool: pg.Pool) {}

    /** Connects and applies the migrations not yet applied. */
    static async open(connectionString: string, opts: { maxConnections?: number } = {}): Promise<PostgresStorage> {
        const pool = new pg.Pool({ connectionString, types, max: opts.maxConnections ?? 10 })
        // An idle client's error (server restart) must not crash the process; the next query reconnects.
        pool.on("error", () => undefined)
        const storage = new PostgresStorage(pool)
        try {
            await storage.migrate()
        } catch (err) {
            await pool.end()
            throw err
        }
        return storage
    }

    /** Runs `fn` in one transaction: commit when it returns, roll back when it throws. */
    private async inTx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
        const client = await this.pool.connect()
        try {
            await client.query("BEGIN")
            const result = await fn(client)
            await client.query("COMMIT")
            client.release()
            return result
        } catch (err) {
            try {
                await client.query("ROLLBACK")
            } catch (rollbackErr) {
                // The connection is broken: drop it from the pool, and report both.
                client.release(rollbackErr as Error)
                throw new Error(`rolling back failed (${(rollbackErr as Error).message}) after: ${(err as Error).message}`, { cause: err })
            }
            client.release()
            throw err
        }
    }

    private async migrate(): Promise<void> {
        const migrations = loadMigrations("postgres")
        await this.inTx(async q => {
            // Two processes starting at once: the second waits, then sees the work done.
            await q.query("SELECT pg_advisory_xact_lock($1)", [MIGRATE_LOCK])
            await q.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            const current = (await q.query("SELECT coalesce(max(version), 0) AS v FROM schema_migrations")).rows[0].v as number
            if (current > migrations.length) throw new SchemaTooNewError(current, migrations.length)
            for (const m of migrations.slice(current)) {
                await q.query(m.sql)
                await q.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [m.version, m.name, Date.now()])
            }
        })
    }

    async schemaVersion(): Promise<number> {
        return (await this.pool.query("SELECT coalesce(max(version), 0) AS v FROM schema_migrations")).rows[0].v
    }

    async addKiosk(name: string, apiKeyHash: Uint8Array, now: number): Promise<Kiosk> {
        const r = await this.pool.query<KioskRow>(
            "INSERT INTO kiosks (name, api_key_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING *",
            [name, Buffer.from(apiKeyHash), now]
        )
        if (r.rowCount !== 1) throw new DuplicateNameError(`kiosk "${name}"`)
        return toKiosk(r.rows[0])
    }

    async findKioskByApiKeyHash(apiKeyHash: Uint8Array): Promise<Kiosk | undefined> {
        const r = await this.pool.query<KioskRow>("SELECT * FROM kiosks WHERE api_key_hash = $1 AND revoked_at IS NULL", [Buffer.from(apiKeyHash)])
        return r.rows[0] && toKiosk(r.rows[0])
    }

    async listKiosks(): Promise<Kiosk[]> {
        return (await this.pool.query<KioskRow>("SELECT * FROM kiosks ORDER BY id")).rows.map(toKiosk)
    }

    async revokeKiosk(name: string, now: number): Promise<boolean> {
        return (await this.pool.query("UPDATE kiosks SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL", [now, name])).rowCount === 1
    }

    async addProcessingNumbers(numbers: string[], issuedAt: number, expiresAt: number): Promise<string[]> {
        const r = await this.pool.query<{ number: string }>(
            `INSERT INTO processing_numbers (number, issued_at, expires_at) SELECT unnest($1::text[]), $2, $3
             ON CONFLICT DO NOTHING RETURNING number`,
            [numbers, issuedAt, expiresAt]
        )
        return r.rows.map(row => row.number)
    }

    async checkProcessingNumber(number: string, now: number): Promise<ProcessingNumberState> {
        const row = (
            await this.pool.query<{ expires_at: number; used_at: number | null }>("SELECT expires_at, used_at FROM processing_numbers WHERE number = $1", [
                number,
            ])
        ).rows[0]
        if (!row) return "unknown"
        if (row.used_at !== null) return "used"
        return row.expires_at <= now ? "expired" : "valid"
    }

    async findUploadResponse(idempotencyHash: Uint8Array): Promise<string | undefined> {
        return (await this.pool.query<{ response: string }>("SELECT response FROM uploads WHERE idempotency_hash = $1", [Buffer.from(idempotencyHash)])).rows[0]
            ?.response
    }

    async saveUpload(u: NewUpload): Promise<void> {
        await this.inTx(async q => {
            const spend = u.spendProcessingNumber
            if (spend) {
                const spent = await q.query("UPDATE processing_numbers SET used_at = $1 WHERE number = $2 AND used_at IS NULL AND expires_at > $1", [
                    spend.now,
                    spend.number,
                ])
                if (spent.rowCount !== 1) throw new ProcessingNumberSpentError()
            }
            await q.query("INSERT INTO uploads (idempotency_hash, day, response) VALUES ($1, $2, $3)", [Buffer.from(u.idempotencyHash), u.day, u.response])
            const generation = (await q.query("SELECT value FROM server_state WHERE name = 'publish_generation' FOR SHARE")).rows[0].value as number
            await insertKeys(q, u.keys, generation)
        })
    }

    async countKeys(): Promise<{ total: number; unpublished: number }> {
        return (await this.pool.query("SELECT count(*) AS total, count(*) FILTER (WHERE NOT published) AS unpublished FROM diagnosis_keys")).rows[0]
    }

    async readPublishableKeys(releasedBy: number): Promise<PublishableKeys> {
        // The bump waits for uploads holding the generation FOR SHARE; once it commits, every key of
        // an earlier generation is committed and later uploads get the new one.
        const generation = await this.inTx(
            async q => (await q.query("UPDATE server_state SET value = value + 1 WHERE name = 'publish_generation' RETURNING value")).rows[0].value as number
        )
        const r = await this.pool.query({
            text: `SELECT region, key_data, rolling_start, rolling_period, report_type, days_since_onset FROM diagnosis_keys
                   WHERE NOT published AND generation < $1 AND rolling_start + rolling_period <= $2`,
            values: [generation, releasedBy],
            rowMode: "array",
        })
        const keys: DiagnosisKeyRecord[] = r.rows.map(([region, keyData, rollingStartIntervalNumber, rollingPeriod, reportType, daysSinceOnsetOfSymptoms]) => ({
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
        return this.inTx(async q => {
            // One publisher at a time across all server processes; the count check catches the rest.
            await q.query("SELECT pg_advisory_xact_lock($1)", [PUBLISH_LOCK])
            const marked = await q.query(
                `UPDATE diagnosis_keys SET published = true
                WHERE NOT published AND generation < $1 AND rolling_start + rolling_period <= $2`,
                [snapshot.generation, snapshot.releasedBy]
            )
            if (marked.rowCount !== snapshot.count) throw new PublishConflictError()
            const saved: ExportFileInfo[] = []
            for (const f of files) {
                const r = await q.query<FileRow>(
                    `INSERT INTO export_files (region, key_day, batch_num, batch_size, key_count, created, zip)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${FILE_COLUMNS}`,
                    [f.region, f.newestKeyDay, f.batchNum, f.batchSize, f.keyCount, f.created, Buffer.from(f.zip)]
                )
                saved.push(toFileInfo(r.rows[0]))
            }
            return saved
        })
    }

    async listExportFiles(region: string): Promise<ExportFileInfo[]> {
        return (await this.pool.query<FileRow>(`SELECT ${FILE_COLUMNS} FROM export_files WHERE region = $1 ORDER BY id`, [region])).rows.map(toFileInfo)
    }

    async readExportFile(region: string, id: number): Promise<Uint8Array | undefined> {
        return (await this.pool.query<{ zip: Buffer }>("SELECT zip FROM export_files WHERE region = $1 AND id = $2", [region, id])).rows[0]?.zip
    }

    async lastExportCreated(region: string): Promise<number> {
        return (await this.pool.query("SELECT coalesce(max(created), 0) AS c FROM export_files WHERE region = $1", [region])).rows[0].c
    }

    async deleteExpired(oldestDay: number) {
        return this.inTx(async q => ({
            keys: (await q.query("DELETE FROM diagnosis_keys WHERE rolling_start < $1", [oldestDay * TEK_ROLLING_PERIOD])).rowCount ?? 0,
            files: (await q.query("DELETE FROM export_files WHERE key_day < $1", [oldestDay])).rowCount ?? 0,
            uploads: (await q.query("DELETE FROM uploads WHERE day < $1", [oldestDay])).rowCount ?? 0,
            processingNumbers:
                (await q.query("DELETE FROM processing_numbers WHERE greatest(expires_at, coalesce(used_at, 0)) < $1", [oldestDay * DAY_MS])).rowCount ?? 0,
        }))
    }

    async saveSurveyAnswer(a: { day: number; answers: string }): Promise<void> {
        await this.pool.query("INSERT INTO survey_answers (id, day, answers) VALUES ($1, $2, $3)", [randomUUID(), a.day, a.answers])
    }

    async listSurveyAnswers(): Promise<{ day: number; answers: string }[]> {
        return (await this.pool.query("SELECT day, answers FROM survey_answers ORDER BY day, id")).rows
    }

    async recordWrongNumber(kioskId: number, at: number, forgetBefore: number): Promise<void> {
        await this.inTx(async q => {
            await q.query("DELETE FROM wrong_numbers WHERE at < $1", [forgetBefore])
            await q.query("INSERT INTO wrong_numbers (kiosk_id, at) VALUES ($1, $2)", [kioskId, at])
        })
    }

    async countWrongNumbers(kioskId: number, since: number): Promise<WrongNumberCounts> {
        const r = (
            await this.pool.query(
                `SELECT count(*) FILTER (WHERE kiosk_id = $1) AS kiosk, min(at) FILTER (WHERE kiosk_id = $1) AS kiosk_oldest,
            count(*) AS all_count, min(at) AS all_oldest FROM wrong_numbers WHERE at >= $2`,
                [kioskId, since]
            )
        ).rows[0]
        return { kiosk: r.kiosk, kioskOldest: r.kiosk_oldest ?? undefined, all: r.all_count, allOldest: r.all_oldest ?? undefined }
    }

    async endOfServiceAt(): Promise<number | undefined> {
        return (await this.pool.query("SELECT value FROM server_state WHERE name = 'end_of_service_at'")).rows[0]?.value
    }

    async declareEndOfService(at: number): Promise<number> {
        await this.pool.query("INSERT INTO server_state (name, value) VALUES ('end_of_service_at', $1) ON CONFLICT DO NOTHING", [at])
        return (await this.endOfServiceAt())!
    }

    async close(): Promise<void> {
        await this.pool.end()
    }
}

/** Multi-row INSERTs in chunks; a key already stored for its region is skipped. */
async function insertKeys(q: Queryable, keys: DiagnosisKeyRecord[], generation: number): Promise<void> {
    for (let i = 0; i < keys.length; i += KEY_INSERT_CHUNK) {
        const chunk = keys.slice(i, i + KEY_INSERT_CHUNK)
        await q.query(
            `INSERT INTO diagnosis_keys (region, key_data, rolling_start, rolling_period, report_type, days_since_onset, generation)
             SELECT r, k, s, p, t, d, $7::bigint FROM unnest($1::text[], $2::bytea[], $3::int[], $4::int[], $5::int[], $6::int[]) AS u(r, k, s, p, t, d)
             ON CONFLICT DO NOTHING`,
            [
                chunk.map(k => k.region),
                chunk.map(k => Buffer.from(k.keyData)),
                chunk.map(k => k.rollingStartIntervalNumber),
                chunk.map(k => k.rollingPeriod),
                chunk.map(k => k.reportType),
                chunk.map(k => k.daysSinceOnsetOfSymptoms),
                generation,
            ]
        )
    }
}
