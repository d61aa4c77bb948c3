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

export interface RadioMedium {
    /** The token's advertisement changed (or stopped: null) at simulated time `atMs`. */
    advertisingChanged(ad: Advertisement | null, atMs: number): void
    /** What the token heard while scanning from `fromMs` to `toMs` (simulated Unix ms). */
    scanWindow(fromMs: number, toMs: number): Promise<HeardAdvertisement[]>
}
