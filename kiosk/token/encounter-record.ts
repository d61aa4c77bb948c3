// One entry of a token's encounter log: every scan that heard one RPI, summed up. The firmware's
// read_log command returns these (services/token-sync.md). Same shape as EncounterRecord in
// lib/token-sync/records.ts on the firmware side; the kiosk only reads these fields.
export interface EncounterRecord {
    rpi: Uint8Array
    aem: Uint8Array
    /** Unix minutes of the first and last scan that heard the RPI. */
    firstSeen: number
    lastSeen: number
    /** Number of scans that heard it. */
    scans: number
    /** dBm; per scan the strongest RSSI is kept, then max / mean / min over the scans. */
    rssiMax: number
    rssiMean: number
    rssiMin: number
}
