// Numbered schema migrations, one folder per back end (migrations/sqlite, migrations/postgres):
// `0001_initial.sql`, `0002_….sql`, … applied in order, each in its own transaction, and recorded in
// `schema_migrations`. A migration file is never edited once released; a change is a new file.
import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export interface Migration {
    version: number
    name: string
    sql: string
}

/** The migrations of one back end, in version order. */
export function loadMigrations(backend: "sqlite" | "postgres"): Migration[] {
    const dir = fileURLToPath(new URL(`./migrations/${backend}/`, import.meta.url))
    const migrations = readdirSync(dir)
        .filter(f => f.endsWith(".sql"))
        .sort()
        .map(file => {
            const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file)
            if (!m) throw new Error(`migration file name ${file}: expected NNNN_name.sql`)
            return { version: Number(m[1]), name: m[2], sql: readFileSync(dir + file, "utf8") }
        })
    migrations.forEach((m, i) => {
        if (m.version !== i + 1) throw new Error(`migrations/${backend}: expected version ${i + 1}, found ${m.version} (${m.name})`)
    })
    return migrations
}

export class SchemaTooNewError extends Error {
    constructor(found: number, known: number) {
        super(`the database's schema version is ${found} but this server knows only up to ${known}: run the newer server version (or restore a backup)`)
        this.name = "SchemaTooNewError"
    }
}
