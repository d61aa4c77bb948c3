// Polling in real time, for tests that wait on something outside their control (a process exiting,
// a server's own schedule).

/** Polls `cond` every `stepMs` (real time) until it holds or `realMs` has passed; returns whether it held. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, realMs: number, stepMs = 50): Promise<boolean> {
    const end = Date.now() + realMs
    while (!(await cond())) {
        if (Date.now() >= end) return false
        await new Promise(r => setTimeout(r, stepMs))
    }
    return true
}
