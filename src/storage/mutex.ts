// Mutual exclusion between fibers (the scanner appending, a sync reading, a wipe): every store
// operation awaits flash I/O, so without a lock another fiber could see a half-updated index.
// Fair: unlock hands the lock straight to the fiber that has waited longest, so a fiber that
// unlocks and locks again in a loop (a count going sector by sector) cannot starve the others. A
// waiting fiber woken by anything else (a report that came after its wait for it ended resumes it
// late) goes on waiting: only the hand-off, by fiber id, gives the lock.
import * as ds from "@devicescript/core"

const NO_FIBER = -1

export class Mutex {
    private locked = false
    private readonly waiting: ds.Fiber[] = []
    /** The id of the fiber the lock was handed to, until it takes it. */
    private handedTo = NO_FIBER

    async lock() {
        if (!this.locked) {
            this.locked = true
            return
        }
        const self = ds.Fiber.self()
        this.waiting.push(self)
        for (;;) {
            await ds.suspend()
            if (this.handedTo === self.id) {
                this.handedTo = NO_FIBER
                return
            }
        }
    }

    unlock() {
        const next = this.waiting.shift()
        if (!next) {
            this.locked = false
            return
        }
        // Still locked: it passes to `next`, which takes it when it runs (it may already have been
        // woken by something else and not be suspended any more).
        this.handedTo = next.id
        if (next.suspended) next.resume(undefined)
    }
}
