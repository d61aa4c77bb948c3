// Everything a beacon sends at one identifier rotation (used by the simulator and kiosk tests to
// play the part of a token). Mirrors src/gaen/rotation.ts.
import { advertisementPayload } from "./advertisement.js"
import { associatedEncryptedMetadata, bluetoothMetadata, rollingProximityIdentifier } from "./identifiers.js"
import type { DailyKeys } from "./keys.js"

export interface RotationIdentifiers {
    /** Rolling Proximity Identifier for the interval (16 bytes). */
    rpi: Buffer
    /** Associated Encrypted Metadata (4 bytes). */
    aem: Buffer
    /** The 31-byte advertising payload carrying both. */
    payload: Buffer
}

/** RPI, AEM and advertising payload for interval `enin` at `txPowerDbm`. Throws on bad input. */
export function identifiersFor(keys: DailyKeys, enin: number, txPowerDbm: number): RotationIdentifiers {
    const metadata = bluetoothMetadata(txPowerDbm)
    const rpi = rollingProximityIdentifier(keys, enin)
    const aem = associatedEncryptedMetadata(keys, rpi, metadata)
    return { rpi, aem, payload: advertisementPayload(rpi, aem) }
}
