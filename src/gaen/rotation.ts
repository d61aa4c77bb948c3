// Everything the beacon needs at one identifier rotation, from the day's keys.
import { advertisementPayload } from "./advertisement"
import { DailyKeys } from "./keys"
import { associatedEncryptedMetadata, bluetoothMetadata, rollingProximityIdentifier } from "./identifiers"

export interface RotationIdentifiers {
    /** Rolling Proximity Identifier for the interval (16 bytes). */
    rpi: Buffer
    /** Associated Encrypted Metadata (4 bytes). */
    aem: Buffer
    /** The 31-byte advertising payload carrying both. */
    payload: Buffer
}

/** RPI, AEM and advertising payload for interval `enin` at `txPowerDbm`. Two AES blocks:
 *  synchronous (measured: well inside one VM slice). Throws on bad input. */
export function identifiersFor(keys: DailyKeys, enin: number, txPowerDbm: number): RotationIdentifiers {
    const metadata = bluetoothMetadata(txPowerDbm)
    const rpi = rollingProximityIdentifier(keys, enin)
    const aem = associatedEncryptedMetadata(keys, rpi, metadata)
    return { rpi, aem, payload: advertisementPayload(rpi, aem) }
}
