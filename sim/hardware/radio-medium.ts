// What a simulated radio transmits into and hears from. The token's process implements it by asking
// its parent (ParentRadioMedium, sim/token/token-hardware.ts): the world answers from its radio
// channel, a lone harness token hears an empty room unless a test passes onScan.

export interface Advertisement {
    /** 6-byte static random address, least significant byte first (as on air). */
    address: Uint8Array
    /** Legacy advertising data, at most 31 bytes. */
    payload: Uint8Array
}

/** One scan-window entry: what was heard from one address, with the mean RSSI of its packets. */
export interface HeardAdvertisement extends Advertisement {
    rssi: number
    /** Packets heard from this address in the window (saturates at 255 on the wire). */
    packets: number
}

/** The RSSI a scan entry reports: the mean of its packets' RSSI in dBm, rounded to whole dBm (halves
 *  up, as Math.round), within a signed byte's -127..20. A native radio does the same (native/esp32). */
export function scanEntryRssi(sumDbm: number, packets: number): number {
    return Math.max(-127, Math.min(20, Math.round(sumDbm / packets)))
}

export interface RadioMedium {
    /** The token's advertisement changed (or stopped: null) at simulated time `atMs`. */
    advertisingChanged(ad: Advertisement | null, atMs: number): void
    /** What the token heard while scanning from `fromMs` to `toMs` (simulated Unix ms). */
    scanWindow(fromMs: number, toMs: number): Promise<HeardAdvertisement[]>
}

/** The sync link's side of the medium (services/gaen-radio.md, commands 0x84-0x87): where the
 *  connectable advertisement goes and what reaches the connected host. */
export interface LinkMedium {
    /** The sync advertisement changed (null: off the air) at simulated time `atMs`. */
    syncAdvertisingChanged(ad: Advertisement | null, atMs: number): void
    /** A GATT notification to the connected host. */
    notify(value: Uint8Array): void
    /** The token's radio ended the connection. */
    closed(): void
}
