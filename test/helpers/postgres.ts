// PostgreSQL for tests: one throwaway cluster (scripts/postgres-cluster.ts), a template database
// migrated once, and a fresh clone of it per caller (`CREATE DATABASE … TEMPLATE`), as Google's
// exposure-notifications-server tests do. A missing PostgreSQL is an error, never a skip.
import pg from "pg"
import { randomBytes } from "node:crypto"
import { startPostgresCluster, clusterUrl, type PostgresCluster } from "../../scripts/postgres-cluster.js"
import { PostgresStorage } from "../../server/storage/postgres.js"

const TEMPLATE = "gaen_template"

export interface TestPostgres {
    cluster: PostgresCluster
    /** A new, migrated, empty database; returns its connection string. */
    newDatabase(): Promise<string>
    stop(): Promise<void>
}

export async function startTestPostgres(): Promise<TestPostgres> {
    const cluster = await startPostgresCluster()
    try {
        await adminQuery(cluster, `CREATE DATABASE ${TEMPLATE}`)
        await (await PostgresStorage.open(cluster.url(TEMPLATE), { maxConnections: 1 })).close()
    } catch (err) {
        await cluster.stop()
        throw err
    }
    return { cluster, newDatabase: () => newTestDatabase(cluster.dir), stop: () => cluster.stop() }
}

/** A new database cloned from the migrated template of the cluster in `clusterDir`. */
export async function newTestDatabase(clusterDir: string): Promise<string> {
    const cluster = { url: (database: string) => clusterUrl(clusterDir, database) }
    const name = `test_${randomBytes(6).toString("hex")}`
    await adminQuery(cluster, `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`)
    return cluster.url(name)
}

async function adminQuery(cluster: Pick<PostgresCluster, "url">, sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: cluster.url("postgres") })
    await client.connect()
    try {
        await client.query(sql)
    } finally {
        await client.end()
    }
}
