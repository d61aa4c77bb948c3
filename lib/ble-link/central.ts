// A Bluetooth LE central (the kiosk's radio) as the sync link needs it: find the token whose sync
// advertisement the sticker's key recognises, and connect to its sync characteristic.
// Back ends: the simulator's radio next to a token (sim/harness/ble-central.ts), a kiosk radio in a
// simulated world (sim/world/kiosk-radio.ts, also over TCP from `npm run sim -- up`:
// kiosk/transport/sim-radio.ts); a real adapter is not built yet.
import type { GattConnection } from "./host-session.js"
import { LinkError, isSyncAdvertisementOf } from "./protocol.js"

export interface BleCentral {
    /** Waits (real time) for the token with this link key to be open for sync, and connects. */
    connect(linkKey: Uint8Array, timeoutMs?: number): Promise<GattConnection>
}

/** An advertisement the radio heard (address and payload as on air). */
export interface HeardAdvertisement {
    address: Uint8Array
    payload: Uint8Array
}

/** A radio that reports what it hears and connects to an address it heard. */
export interface BleScanner {
    /** Advertisements heard lately (the last scan). */
    heard(): Promise<HeardAdvertisement[]>
    connect(address: Uint8Array): Promise<GattConnection>
}

const SCAN_PAUSE_MS = 50

export const NOT_HEARD_MESSAGE =
    "no token with this sticker is open for Bluetooth sync within the kiosk's range: ask the owner to press its button, and to come closer to the kiosk"

/** Scans until the sticker's key recognises a sync advertisement (its address is fresh and random:
 *  only the key tells the token), then connects to it. */
export async function connectWhenHeard(scanner: BleScanner, linkKey: Uint8Array, timeoutMs: number): Promise<GattConnection> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
        const ad = (await scanner.heard()).find(a => isSyncAdvertisementOf(linkKey, a.payload))
        if (ad) return await scanner.connect(ad.address)
        if (Date.now() > deadline) throw new LinkError(NOT_HEARD_MESSAGE)
        await new Promise(r => setTimeout(r, SCAN_PAUSE_MS))
    }
}
