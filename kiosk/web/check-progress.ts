// One progress bar across a check's three steps (download, log read, matching) with the time left.
// The log read dominates (about 3½ minutes for a full log), so the estimate comes from its pace.
import type { KioskProgress } from "../progress.js"

export interface ProgressView {
    /** 0–100 across the whole check. */
    percent: number
    /** Estimated seconds until the result; null until the log read has shown its pace. */
    secondsLeft: number | null
    step: "download" | "read-log" | "match"
}

// Shares of the bar; the log read gets most as it takes most of the time.
const SPAN = { download: [0, 10], "read-log": [10, 95], match: [95, 100] } as const

export class CheckProgress {
    private view: ProgressView = { percent: 0, secondsLeft: null, step: "download" }
    private readStart?: { at: number; read: number }

    constructor(private readonly now: () => number = Date.now) {}

    update(p: KioskProgress): void {
        if (p.step === "download") this.set("download", p.total ? p.done / p.total : 0, null)
        else if (p.step === "read-log") {
            const at = this.now()
            this.readStart ??= { at, read: p.read }
            const rate = (p.read - this.readStart.read) / Math.max(1, at - this.readStart.at) // records per ms
            const left = rate > 0 ? Math.ceil((p.total - p.read) / rate / 1000) : null
            this.set("read-log", p.total ? p.read / p.total : 0, left)
        } else if (p.step === "token-unplugged")
            this.view = { ...this.view, secondsLeft: null } // unknown until it is back
        else if (p.step === "token-back")
            this.readStart = undefined // the pace starts again after a re-plug
        else if (p.step === "match") this.set("match", p.keysTotal ? p.keysDone / p.keysTotal : 1, 0)
    }

    current(): ProgressView {
        return { ...this.view }
    }

    private set(step: ProgressView["step"], fraction: number, secondsLeft: number | null): void {
        const [from, to] = SPAN[step]
        const percent = Math.min(100, Math.floor(from + (to - from) * Math.min(1, fraction)))
        this.view = { step, percent: Math.max(percent, this.view.percent), secondsLeft }
    }
}
