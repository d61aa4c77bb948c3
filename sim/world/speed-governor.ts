// How fast the world's simulated clock runs. Two speeds: "calm" while the world acts on tokens
// (boot, set time, button, power) so that a person's 30-second windows stay 30 seconds, and "fast"
// through the quiet stretches between. Tokens run on virtual time and the clock waits for the
// slowest (sim/clock/virtual-time.ts), so a busy machine slows the world rather than breaking
// the tokens' timing; the fast speed still follows the measured CPU use of the token processes,
// backing off when they take more than CPU_TARGET_SHARE of the cores so the machine stays usable.
import { availableParallelism } from "node:os"
import type { SimClock } from "../clock/sim-clock.js"
import { CALM_SCALE, CPU_TARGET_SHARE, DEFAULT_MAX_SCALE, GOVERNOR_PERIOD_REAL_MS } from "./constants.js"
import { cpuSeconds, residentBytes } from "./process-stats.js"

export interface SpeedGovernorOptions {
    /** Upper bound of the fast speed. */
    maxScale?: number
    /** Processes whose CPU use counts (the token processes); re-read at every look. */
    pids: () => number[]
}

export class SpeedGovernor {
    private fastScale: number
    private maxScale: number
    private readonly targetCores = availableParallelism() * CPU_TARGET_SHARE
    private mode: "calm" | "fast" = "calm"
    private timer: ReturnType<typeof setInterval> | undefined
    private lastCpu = new Map<number, number>()
    private lastLookReal = performance.now()
    /** Largest total resident memory seen (this process and the token processes), bytes. */
    peakMemoryBytes = 0

    constructor(
        private readonly clock: SimClock,
        private readonly options: SpeedGovernorOptions
    ) {
        this.maxScale = Math.max(1, options.maxScale ?? DEFAULT_MAX_SCALE)
        this.fastScale = this.maxScale
    }

    private clamp(scale: number) {
        return Math.max(1, Math.min(this.maxScale, scale))
    }

    /** The speed the world runs at in quiet stretches now. */
    get currentFastScale(): number {
        return this.fastScale
    }

    /** Changes the upper bound (a person at the `up` prompt asks for another speed). */
    setMaxScale(scale: number): void {
        this.maxScale = Math.max(1, scale)
        this.fastScale = this.clamp(scale)
        if (this.mode === "fast") this.fast()
        else this.calm()
    }

    get calmScale(): number {
        return Math.min(CALM_SCALE, this.maxScale)
    }

    fast(): void {
        this.mode = "fast"
        if (this.clock.scale !== this.fastScale) this.clock.setScale(this.fastScale)
    }

    calm(): void {
        this.mode = "calm"
        if (this.clock.scale !== this.calmScale) this.clock.setScale(this.calmScale)
    }

    start(): void {
        this.look()
        this.timer = setInterval(() => this.look(), GOVERNOR_PERIOD_REAL_MS)
        this.timer.unref()
    }

    stop(): void {
        clearInterval(this.timer)
    }

    /** Measures CPU use since the last look and adjusts the fast speed towards the target. */
    private look(): void {
        const now = performance.now()
        const elapsed = (now - this.lastLookReal) / 1000
        this.lastLookReal = now
        let used = 0
        let known = false
        let complete = true // every process was also measured last time
        let memory = process.memoryUsage.rss()
        const seen = new Map<number, number>()
        for (const pid of this.options.pids()) {
            const cpu = cpuSeconds(pid)
            memory += residentBytes(pid) ?? 0
            if (cpu === undefined) continue
            known = true
            seen.set(pid, cpu)
            const before = this.lastCpu.get(pid)
            if (before !== undefined) used += cpu - before
            else complete = false
        }
        this.lastCpu = seen
        this.peakMemoryBytes = Math.max(this.peakMemoryBytes, memory)
        // Only fast stretches tell what the fast speed costs.
        if (!known || !complete || this.mode !== "fast" || elapsed <= 0 || this.clock.scale !== this.fastScale) return
        const cores = used / elapsed
        if (cores > this.targetCores) this.fastScale = this.clamp(this.fastScale * Math.max(0.5, this.targetCores / cores))
        else if (cores < 0.7 * this.targetCores) this.fastScale = this.clamp(this.fastScale * 1.25)
        if (this.clock.scale !== this.fastScale) this.clock.setScale(this.fastScale)
    }
}
