// A Bluetooth LE central (the kiosk's radio) as the sync link needs it: find the token whose sync
// advertisement the sticker's key recognises, and connect to its sync characteristic.
// Back ends: the simulator's radio (sim/harness/ble-central.ts); a real adapter is not built yet.
import type { GattConnection } from "./host-session.js"

export interface BleCentral {
    /** Waits (real time) for the token with this link key to be open for sync, and connects. */
    connect(linkKey: Uint8Array, timeoutMs?: number): Promise<GattConnection>
}
