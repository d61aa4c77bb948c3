// The real notification server for tests and benches: its command line started as its own process,
// as an operator starts it, and COCOA-shaped uploads built from the repository's example request.
import { spawn, type ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { randomBytes, randomUUID } from "node:crypto"
import { root, TSX } from "./repo.js"

export const DAY_MS = 86_400_000
/** The environment the server's CLI runs in: the operator's own HERSYS_URL / GAEN_SERVER_DATA must not leak in. */
export const cliEnv = { ...process.env, HERSYS_URL: "", GAEN_SERVER_DATA: "", GAEN_DATABASE_URL: "" }

/**
 * `server/cli.ts start <args>` as its own process, as an operator starts it; resolves once it prints
 * the URL it listens on. `output()` is everything it printed (stdout and stderr) so far.
 */
export function startServerCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
    const child = spawn(process.execPath, [TSX, "server/cli.ts", "start", ...args], { cwd: root, env: cliEnv, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000)
        const onData = (d: Buffer) => {
            out += d
            const m = /listening on (http:\/\/\S+)/.exec(out)
            if (m) {
                clearTimeout(timer)
                resolve({ child, url: m[1], output: () => out })
            }
        }
        child.stdout!.on("data", onData)
        child.stderr!.on("data", onData)
        child.once("exit", code => {
            clearTimeout(timer) // an early exit must not leave a 30-second timer holding the process open
            reject(new Error(`server exited with ${code}:\n${out}`))
        })
    })
}

/** The rolling start number of the UTC day `daysAgo` days before `now`. */
export function dayStart(now: number, daysAgo: number): number {
    return (Math.floor(now / DAY_MS) - daysAgo) * 144
}

export function key(rollingStartNumber: number, extra: Record<string, unknown> = {}) {
    return { keyData: randomBytes(16).toString("base64"), rollingStartNumber, rollingPeriod: 144, reportType: 1, ...extra }
}

/** A COCOA v3 upload: onset `onsetDaysAgo` days ago (symptomatic), one key per day for `days` days ending yesterday. */
export function upload(processingNumber: string, opts: { now?: number; days?: number; onsetDaysAgo?: number; hasSymptom?: boolean } = {}) {
    const now = opts.now ?? Date.now()
    const onset = new Date((Math.floor(now / DAY_MS) - (opts.onsetDaysAgo ?? 3)) * DAY_MS).toISOString().slice(0, 10)
    const example = JSON.parse(readFileSync(join(root, "data/diagnosis_v3_request.example.json"), "utf8"))
    delete example._comment
    return {
        ...example,
        hasSymptom: opts.hasSymptom ?? true,
        onsetOfSymptomOrTestDate: `${onset}T00:00:00.000+09:00`,
        keys: Array.from({ length: opts.days ?? 5 }, (_, i) => key(dayStart(now, i + 1))),
        verificationPayload: processingNumber,
        idempotency_key: randomUUID(),
        deviceVerificationPayload: "kiosk",
        padding: randomBytes(900).toString("base64"),
    }
}
