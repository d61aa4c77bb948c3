// One worker thread of the native matcher (kiosk/matching/fast-match.ts ScanPool): it stays between
// scans, so a check that scans its keys in several parts (candidates.ts CandidatePipeline) starts no
// thread per part. For each task it takes chunks of the task's packed keys from a shared counter until
// none are left, and posts each chunk's sightings back. Plain JavaScript so it loads the same way
// under tsx, vitest and plain node.
import { createRequire } from "node:module"
import { parentPort, workerData } from "node:worker_threads"

const addon = createRequire(import.meta.url)(workerData.addonPath)
parentPort.on("message", task => {
    const { id, packedKeys, observedRpis, compareBytes, windows, nextKey, chunkKeys, useShaExtensions } = task
    try {
        addon.useShaExtensions(useShaExtensions)
        const keys = new Uint8Array(packedKeys)
        const count = keys.length / 24
        const next = new Int32Array(nextKey)
        const index = addon.createIndex(new Uint8Array(observedRpis), compareBytes, windows)
        for (;;) {
            const from = Atomics.add(next, 0, chunkKeys)
            if (from >= count) break
            const to = Math.min(count, from + chunkKeys)
            const hits = addon.scanKeys(index, keys, from, to)
            parentPort.postMessage({ id, from, to, hits }, [hits.buffer])
        }
        parentPort.postMessage({ id, end: true })
    } catch (e) {
        parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) })
    }
})
