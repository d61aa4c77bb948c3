// Mutual exclusion between fibers (the scanner appending, a sync reading, a wipe): every store
// operation awaits flash I/O, so without a lock another fiber could see a half-updated index.
import * as ds from "@devicescript/core"

export class Mutex {
    private locked = false
    private readonly waiting: ds.Fiber[] = []

    async lock() {
        while (this.locked) {
            this.waiting.push(ds.Fiber.self())
            await ds.suspend()
        }
        this.locked = true
    }

    unlock() {
        this.locked = false
        while (this.waiting.length) {
            const next = this.waiting.shift()
            if (next.suspended) {
                next.resume(undefined)
                return
            }
        }
    }
}
