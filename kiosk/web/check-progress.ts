// One progress bar across a check's steps, with the time left: download, the log's digest (every
// record's summary: the longest step, about 20 s for a full log over the cable), matching (finding the
// candidates among the digest: what is left of it once the read ends, about a second), and reading the candidates' whole records (a few
// dozen). Each step's time left comes from its own pace; the steps after it are estimated from the
// measured costs below (bench/countercheck.bench.ts), so the figure shown covers the whole check.
import type { KioskProgress } from "../progress.js"

export interface ProgressView {
    /** 0–100 across the whole check. */
    percent: number
    /** Estimated seconds until the result; null until the log read has shown its pace. */
    secondsLeft: number | null
    step: "download" | "read-log" | "match" | "read-candidates"
    /** Of the log's records (read-log) or of the candidates (read-candidates): how many are read. */
    count?: { done: number; total: number }
}

// Shares of the bar, by the time each step takes.
const SPAN = { download: [0, 5], "read-log": [5, 80], match: [80, 90], "read-candidates": [90, 100] } as const
/** The key scan after the digest read: scanning 3.5 million keys takes about 2 s on the kiosk (2
 *  cores), but the keys of each day the read has passed are scanned during it (matching/candidates.ts
 *  CandidatePipeline): the last day or two are left, and the matching of the candidates' records. */
const MATCH_SECONDS = 1
/** Candidates per record of the log (≈ 0.2 % against 3.5 million keys, services/token-sync.md). */
const CANDIDATES_PER_RECORD = 0.002
/** One candidate's record: a read_log round trip, two of the token's packets at 50 a second. */
const SECONDS_PER_CANDIDATE = 0.05

export class CheckProgress {
    private view: ProgressView = { percent: 0, secondsLeft: null, step: "download" }
    /** Where the pace of the current step is measured from. */
    private paceStart?: { step: ProgressView["step"]; at: number; done: number }
    private recordsInLog = 0

    constructor(private readonly now: () => number = Date.now) {}

    update(p: KioskProgress): void {
        if (p.step === "download") this.set("download", p.total ? p.done / p.total : 0, null)
        else if (p.step === "read-log") {
            this.recordsInLog = p.total
            const left = this.secondsLeftAt("read-log", p.read, p.total)
            this.set("read-log", p.total ? p.read / p.total : 0, left === null ? null : left + MATCH_SECONDS + this.candidatesEstimate(), {
                done: p.read,
                total: p.total,
            })
        } else if (p.step === "token-unplugged")
            this.view = { ...this.view, secondsLeft: null } // unknown until it is back
        else if (p.step === "token-back")
            this.paceStart = undefined // the pace starts again after a re-plug
        else if (p.step === "match") {
            const left = this.secondsLeftAt("match", p.keysDone, p.keysTotal)
            this.set("match", p.keysTotal ? p.keysDone / p.keysTotal : 1, (left ?? MATCH_SECONDS) + this.candidatesEstimate())
        } else if (p.step === "read-candidates") {
            const left = this.secondsLeftAt("read-candidates", p.done, p.total)
            this.set("read-candidates", p.total ? p.done / p.total : 1, left ?? Math.ceil((p.total - p.done) * SECONDS_PER_CANDIDATE), {
                done: p.done,
                total: p.total,
            })
        }
    }

    current(): ProgressView {
        return { ...this.view }
    }

    /** Seconds until `done` reaches `total` at the pace since the step began; null until it shows. */
    private secondsLeftAt(step: ProgressView["step"], done: number, total: number): number | null {
        const at = this.now()
        if (this.paceStart?.step !== step) this.paceStart = { step, at, done }
        const rate = (done - this.paceStart.done) / Math.max(1, at - this.paceStart.at) // per ms
        return rate > 0 ? Math.ceil((total - done) / rate / 1000) : null
    }

    private candidatesEstimate(): number {
        return Math.ceil(this.recordsInLog * CANDIDATES_PER_RECORD * SECONDS_PER_CANDIDATE)
    }

    private set(step: ProgressView["step"], fraction: number, secondsLeft: number | null, count?: ProgressView["count"]): void {
        const [from, to] = SPAN[step]
        const percent = Math.min(100, Math.floor(from + (to - from) * Math.min(1, fraction)))
        this.view = { step, percent: Math.max(percent, this.view.percent), secondsLeft, ...(count ? { count } : {}) }
    }
}
