// A throwaway (or kept) PostgreSQL server for tests, benchmarks and local development: Debian's
// `postgresql` binaries, a data directory of our own, listening only on a unix socket inside it (no
// TCP port, so parallel test runs cannot collide). PostgreSQL refuses to run as root, so as root the
// binaries run as the `postgres` user (runuser) on a directory it owns.
import { execFile } from "node:child_process"
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"

const run = promisify(execFile)

export interface PostgresCluster {
    /** The cluster's directory: data/, the socket, server.log. */
    dir: string
    /** A connection string for `database`, e.g. for --database-url. */
    url(database: string): string
    stop(): Promise<void>
}

/** The directory with initdb and pg_ctl: $PG_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
export function postgresBinDir(): string {
    const fromEnv = process.env.PG_BIN
    if (fromEnv) return fromEnv
    const base = "/usr/lib/postgresql"
    const versions = existsSync(base)
        ? readdirSync(base)
              .filter(v => existsSync(join(base, v, "bin", "initdb")))
              .sort((a, b) => Number(b) - Number(a))
        : []
    if (versions.length === 0) {
        throw new Error(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `apt-get install postgresql` or scripts/install-system-deps.sh, or set PG_BIN"
        )
    }
    return join(base, versions[0], "bin")
}

const isRoot = () => process.getuid?.() === 0

async function asOwner(bin: string, args: string[]): Promise<void> {
    const [cmd, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args]
    try {
        await run(cmd, argv, { maxBuffer: 1 << 24 })
    } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string }
        throw new Error(`${bin.split("/").pop()} failed: ${e.stderr || e.stdout || e.message}`)
    }
}

/**
 * Starts a cluster in `dir` (created and initialised if empty; a temp directory if not given).
 * `durable: false` (tests, benchmarks) turns fsync off: faster, and nothing there must survive a crash.
 */
export async function startPostgresCluster(opts: { dir?: string; durable?: boolean } = {}): Promise<PostgresCluster> {
    const bin = postgresBinDir()
    const dir = opts.dir ? resolve(opts.dir) : mkdtempSync(join(tmpdir(), "gaen-pg-"))
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    if (isRoot()) {
        const { stdout } = await run("id", ["-u", "postgres"]).catch(() => {
            throw new Error("running as root, PostgreSQL needs the `postgres` system user (created by Debian's postgresql package)")
        })
        const { stdout: gid } = await run("id", ["-g", "postgres"])
        chownSync(dir, Number(stdout), Number(gid))
    }
    const data = join(dir, "data")
    if (!existsSync(join(data, "PG_VERSION"))) {
        await asOwner(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", ...(opts.durable ? [] : ["--no-sync"])])
    }
    const serverOptions = `-k ${dir} -c listen_addresses= -c max_connections=200${opts.durable ? "" : " -F -c synchronous_commit=off -c full_page_writes=off"}`
    await asOwner(join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "server.log"), "-w", "-t", "120", "-o", serverOptions, "start"])
    let stopped = false
    return {
        dir,
        url: database => clusterUrl(dir, database),
        async stop() {
            if (stopped) return
            stopped = true
            await asOwner(join(bin, "pg_ctl"), ["-D", data, "-m", opts.durable ? "fast" : "immediate", "-w", "-t", "120", "stop"])
            if (!opts.dir) rmSync(dir, { recursive: true, force: true })
        },
    }
}

/** The connection string of `database` in the cluster in `dir` (its unix socket). */
export const clusterUrl = (dir: string, database: string) => `postgresql://postgres@localhost/${encodeURIComponent(database)}?host=${encodeURIComponent(dir)}`
