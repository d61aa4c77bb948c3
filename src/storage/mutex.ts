// Mutual exclusion between fibers (the scanner appending, a sync reading, a wipe): every store
// operation awaits flash I/O, so without a lock another fiber could see a half-updated index.
// Fair: unlock hands the lock straight to the fiber that has waited longest, so a fiber that
// unlocks and locks again in a loop (a count going sector by sector) cannot starve the others.
import * as ds from "@devicescript/core"

export class Mutex {
    private locked = false
    private readonly waiting: ds.Fiber[] = []

    async lock() {
        if (!this.locked) {
            this.locked = true
            return
        }
        this.waiting.push(ds.Fiber.self())
        // Resumed by unlock() only, already holding the lock.
        await ds.suspend()
    }

    unlock() {
        while (this.waiting.length) {
            const next = this.waiting.shift()
            if (next.suspended) {
                next.resume(undefined)
                return
            }
        }
        this.locked = false
    }
}
