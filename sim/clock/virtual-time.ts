// Virtual time for one token's process: the DeviceScript VM, its jacdac-ts hardware servers and
// the frame hub all read Date/performance and schedule with setTimeout/setInterval; here those run
// on a virtual clock that moves only from one timer to the next.
//
// Why: with plain scaled time, a request and its reply inside the token (VM → simulated flash →
// VM) took real milliseconds, which the scale multiplied into simulated seconds, and firmware
// timeouts of 500 ms fired for replies that were on their way. Here, in-process traffic is
// delivered in memory (frame-hub.ts) and the clock does not move until everything it set off has
// settled, so it takes no virtual time, as on the device.
//
// How far the clock may run is given by the parent ("the horizon": the simulation's SimClock, which
// itself waits for the slowest token). A busy token lags behind the horizon and catches up when
// idle; it never runs ahead of it, so the tokens of one world stay within reach of each other.
/** Where the clock may run to: the simulation's shared time, as last heard from the parent. */
export interface Horizon {
    now(): number
    /** Real milliseconds that `simMs` take at the simulation's current speed. */
    toRealMs(simMs: number): number
}

interface VirtualTimer {
    id: number
    due: number
    interval: number | undefined
    fn: (...args: any[]) => void
    args: any[]
    cancelled: boolean
}

/** Handle returned in place of a Node Timeout; supports the methods Node code calls on one. */
class TimerHandle {
    constructor(readonly timer: VirtualTimer) {}
    ref() {
        return this
    }
    unref() {
        return this
    }
    hasRef() {
        return true
    }
    refresh() {
        return this
    }
    [Symbol.toPrimitive]() {
        return this.timer.id
    }
}

/** Largest single jump of an idle clock: the VM's 32-bit microsecond timer wraps after 71 minutes. */
const MAX_IDLE_JUMP_MS = 10 * 60_000
/** Real milliseconds an idle pump sleeps at most before looking at the horizon again. */
const IDLE_POLL_REAL_MS = 4

export class VirtualTime {
    private now: number
    private timers: VirtualTimer[] = []
    private nextId = 1
    private readonly realSetTimeout = globalThis.setTimeout
    private readonly realClearTimeout = globalThis.clearTimeout
    /** The process's real setInterval, for work that must run on real time (progress reports). */
    readonly realSetInterval = globalThis.setInterval
    private readonly realClearInterval = globalThis.clearInterval

    /**
     * @param stretch may lengthen a timer's delay (virtual ms) by what it runs: how the simulator
     *   trades timing resolution it does not need for speed (see token-process.ts).
     */
    constructor(
        private readonly horizon: Horizon,
        private readonly stretch: (fn: Function, ms: number) => number = (_, ms) => ms
    ) {
        this.now = horizon.now()
    }

    /** Virtual Unix time, ms. */
    time(): number {
        return this.now
    }

    /** Replaces the process's clock and timers, and starts moving time. */
    install(): void {
        const self = this
        const RealDate = Date
        class VirtualDate extends RealDate {
            constructor(...args: any[]) {
                if (args.length === 0) super(Math.floor(self.now))
                else super(...(args as [any]))
            }
            static now(): number {
                return Math.floor(self.now)
            }
        }
        globalThis.Date = VirtualDate as DateConstructor
        const origin = this.now
        performance.now = () => self.now - origin

        globalThis.setTimeout = ((fn: any, ms?: number, ...args: any[]) => self.schedule(fn, ms, undefined, args)) as any
        globalThis.setInterval = ((fn: any, ms?: number, ...args: any[]) => self.schedule(fn, ms, Math.max(1, self.stretch(fn, ms ?? 0)), args)) as any
        globalThis.clearTimeout = ((h: any) => self.cancel(h, self.realClearTimeout)) as any
        globalThis.clearInterval = ((h: any) => self.cancel(h, self.realClearInterval)) as any
        void this.pump()
    }

    private schedule(fn: (...a: any[]) => void, ms: number | undefined, interval: number | undefined, args: any[]) {
        const delay = this.stretch(fn, Number.isFinite(ms) && ms! > 0 ? ms! : 0)
        const timer: VirtualTimer = { id: this.nextId++, due: this.now + delay, interval, fn, args, cancelled: false }
        this.insert(timer)
        return new TimerHandle(timer)
    }

    private insert(timer: VirtualTimer) {
        // Sorted by due time, FIFO among equals (as Node orders timers).
        let i = this.timers.length
        while (i > 0 && this.timers[i - 1].due > timer.due) i--
        this.timers.splice(i, 0, timer)
    }

    private cancel(handle: any, real: (h: any) => void) {
        if (handle instanceof TimerHandle) {
            handle.timer.cancelled = true
            const i = this.timers.indexOf(handle.timer)
            if (i >= 0) this.timers.splice(i, 1)
        } else if (handle !== undefined && handle !== null) real(handle)
    }

    private settle(): Promise<void> {
        return new Promise(r => setImmediate(r))
    }

    private async pump() {
        for (;;) {
            // Let everything the last timer set off run: promises, in-memory frames, socket I/O.
            await this.settle()
            const horizon = this.horizon.now()
            const next = this.timers[0]
            if (next && next.due <= horizon) {
                this.timers.shift()
                if (next.due > this.now) this.now = next.due
                if (next.interval !== undefined) {
                    next.due = this.now + next.interval
                    this.insert(next)
                }
                try {
                    next.fn(...next.args)
                } catch (e) {
                    // As in Node: an exception in a timer is the process's problem, not the clock's.
                    process.nextTick(() => {
                        throw e
                    })
                }
                continue
            }
            // Idle: catch up with the horizon (bounded), then wait for it to move.
            if (horizon > this.now) this.now = Math.min(horizon, this.now + MAX_IDLE_JUMP_MS, next ? next.due : Infinity)
            const realWait = next ? Math.min(IDLE_POLL_REAL_MS, this.horizon.toRealMs(next.due - horizon)) : IDLE_POLL_REAL_MS
            await new Promise(r => this.realSetTimeout(r, Math.max(0, realWait)))
        }
    }
}
