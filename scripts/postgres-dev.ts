// `npm run postgres-dev -- [dir]`: a PostgreSQL server for development or a small installation,
// kept in `dir` (default ./postgres-data), listening on a unix socket inside it only. Prints the
// --database-url for the server and runs until Ctrl-C (the data stays; run again to continue).
// A production installation uses the distribution's own cluster (pg_createcluster) instead.
import pg from "pg"
import { startPostgresCluster } from "./postgres-cluster.js"

const DATABASE = "gaen"

async function main(): Promise<void> {
    const cluster = await startPostgresCluster({ dir: process.argv[2] ?? "postgres-data", durable: true })
    const admin = new pg.Client({ connectionString: cluster.url("postgres") })
    await admin.connect()
    try {
        const exists = (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE])).rowCount === 1
        if (!exists) await admin.query(`CREATE DATABASE ${DATABASE}`)
    } finally {
        await admin.end()
    }
    console.log(`PostgreSQL is running in ${cluster.dir} (unix socket only). Start the server with:`)
    console.log(`  npm run server -- start --database-url '${cluster.url(DATABASE)}'`)
    console.log("Ctrl-C stops it (the data stays in that directory).")
    const stop = () =>
        cluster.stop().then(
            () => process.exit(0),
            err => {
                console.error(`stopping PostgreSQL failed: ${(err as Error).message}`)
                process.exit(1)
            }
        )
    process.once("SIGINT", stop)
    process.once("SIGTERM", stop)
    setInterval(() => undefined, 1 << 30) // keep running until a signal
}

main().catch(err => {
    console.error(`error: ${(err as Error).message}`)
    process.exit(1)
})
