// A token restarted with a full log counts its records in the background (services/token-sync.md,
// records_held): until the count ends, records_held is an estimate. Benches that boot a token from a
// written log wait here until it says exactly what was written.
import type { TokenSyncClient } from "../../lib/token-sync/sync-client.js"

/** Real ms a count of a full log may take: 253 sectors at the runtime's pace, on a loaded machine. */
const COUNT_BACKSTOP_MS = 180_000

/** Waits until the token answers its status with `n` records (and no bad one); its firmware version. */
export async function recordsHeldReach(client: TokenSyncClient, n: number): Promise<string> {
    let answer = "no answer"
    for (const deadline = Date.now() + COUNT_BACKSTOP_MS; Date.now() < deadline;) {
        const status = await client.status().catch(e => {
            answer = (e as Error).message
        })
        if (status?.recordsHeld === n && status.badRecords === 0) return status.firmwareVersion
        if (status) answer = `${status.recordsHeld} records (${status.badRecords} bad)`
    }
    throw new Error(`the token holds ${answer}, expected ${n} records`)
}
