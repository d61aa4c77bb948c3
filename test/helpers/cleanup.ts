// Undo-list for tests: whatever a test starts or creates is registered as it is made and torn down
// in reverse, in one place, even when the test fails halfway.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Undo-list for a test file: everything started is registered here and torn down in reverse. */
export class Cleanup {
    private steps: (() => unknown)[] = []
    add<T>(thing: T, undo: (thing: T) => unknown): T {
        this.steps.push(() => undo(thing))
        return thing
    }
    /** A fresh directory under the OS temp dir, removed (with its contents) on `run()`. */
    tempDir(prefix: string): string {
        return this.add(mkdtempSync(join(tmpdir(), prefix)), d => rmSync(d, { recursive: true, force: true }))
    }
    async run(): Promise<void> {
        const errors: unknown[] = []
        for (const step of this.steps.reverse()) {
            try {
                await step()
            } catch (e) {
                errors.push(e)
            }
        }
        this.steps = []
        if (errors.length) throw errors[0]
    }
}
