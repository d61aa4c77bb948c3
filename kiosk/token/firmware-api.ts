// The parts of the token's sync service that arrived after the first firmware (read log,
// decommission, scan period). Older firmware lacks them; the kiosk checks before calling, so an old
// token gets a clear "firmware too old" instead of a crash.
import type { TokenStatus, TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { KioskError } from "../errors.js"
import type { EncounterRecord } from "./encounter-record.js"

export type DecommissionResult =
    | { state: "done"; bytesChecked: number; bytesNotErased: number }
    | { state: "waiting-for-button" | "not-requested" | "refused" }

interface LaterSyncApi {
    readLog(opts?: { onProgress?(read: number, total: number): void }): Promise<EncounterRecord[]>
    requestDecommission(): Promise<boolean>
    decommission(): Promise<DecommissionResult>
}

function later(client: TokenSyncClient, what: keyof LaterSyncApi): LaterSyncApi {
    const c = client as unknown as Partial<LaterSyncApi>
    if (typeof c[what] !== "function")
        throw new KioskError("firmware-too-old", `this kiosk's token-sync client has no ${what}(): the token firmware or kiosk is too old for this step`)
    return c as LaterSyncApi
}

export const readLog = (client: TokenSyncClient, onProgress?: (read: number, total: number) => void) =>
    later(client, "readLog").readLog({ onProgress })
export const requestDecommission = (client: TokenSyncClient) => later(client, "requestDecommission").requestDecommission()
export const decommission = (client: TokenSyncClient) => later(client, "decommission").decommission()

/** Seconds between the token's scans: each scan that heard an RPI stands for this much exposure. */
export function scanPeriodSeconds(status: TokenStatus): number {
    const s = (status as TokenStatus & { scanPeriodSeconds?: number }).scanPeriodSeconds
    if (typeof s !== "number" || !(s > 0))
        throw new KioskError("firmware-too-old", "the token does not report its scan period (scanPeriodSeconds): firmware too old for an exposure check")
    return s
}
