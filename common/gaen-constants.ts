// Every Exposure Notification (GAEN v1.2) protocol constant, in one place for both runtimes: the
// token's firmware (src/gaen/) and the host tools (lib/gaen/) import this file, so the two ends cannot
// drift apart. Nothing but constants here, in TypeScript that DeviceScript and Node both compile.
// Sources, cited per constant:
//   [crypto]  Apple & Google, "Exposure Notification - Cryptography Specification", v1.2 (April 2020)
//   [ble]     Apple & Google, "Exposure Notification - Bluetooth Specification", v1.2 (April 2020)
//   [android] google/exposure-notifications-internals (the Android reference implementation)
//   [css]     Bluetooth Core Specification Supplement v10, Part A (advertising data types)
//   [rfc5869] HKDF, RFC 5869

// ---- Time ------------------------------------------------------------------------------------

/** Length of one EN interval in seconds: ENIntervalNumber = floor(unix seconds / 600). [crypto] */
export const EN_INTERVAL_SECONDS = 600
/** TEKRollingPeriod: a TEK is valid for 144 intervals (24 h), rolling at 00:00 UTC. [crypto] */
export const TEK_ROLLING_PERIOD = 144
/** Largest EN interval number: it is sent as a uint32. [crypto] */
export const MAX_EN_INTERVAL_NUMBER = 0xffffffff
/** TEKs and observed identifiers are kept this many days, then deleted. [crypto] */
export const RETENTION_DAYS = 14
/** Receivers accept an RPI only within +/- this many intervals (2 h) of its own interval. [android] */
export const RPI_ACCEPTANCE_WINDOW_INTERVALS = 12

// ---- Keys and identifiers -----------------------------------------------------------------------

/** Temporary Exposure Key length in bytes (16 bytes from a CSPRNG). [crypto] */
export const TEK_BYTES = 16
/** RPIK and AEMK are the first 16 bytes of HKDF-SHA256 output. [crypto] */
export const DERIVED_KEY_BYTES = 16
/** HKDF "no salt" means HashLen (32) zero bytes for SHA-256. [crypto], [rfc5869] section 2.2 */
export const HKDF_SALT_BYTES = 32
/** HKDF info string for the Rolling Proximity Identifier Key. [crypto] */
export const RPIK_INFO = "EN-RPIK"
/** HKDF info string for the Associated Encrypted Metadata Key. [crypto] */
export const AEMK_INFO = "EN-AEMK"
/** PaddedData = "EN-RPI" || 6 zero bytes || ENIN (uint32 little-endian), 16 bytes. [crypto] */
export const RPI_PAD_PREFIX = "EN-RPI"
/** Offset of the little-endian ENIN inside PaddedData (after "EN-RPI" and 6 zero bytes). [crypto] */
export const RPI_PAD_ENIN_OFFSET = 12
/** Rolling Proximity Identifier length (one AES block). [crypto] */
export const RPI_BYTES = 16
/** Associated Encrypted Metadata length (= metadata length, AES-CTR keeps it). [crypto] */
export const AEM_BYTES = 4

// ---- Metadata ---------------------------------------------------------------------------------

/** Metadata length: version, TX power, 2 reserved bytes. [ble] */
export const METADATA_BYTES = 4
/** Metadata byte 0: bits 7:6 major version 01, bits 5:4 minor 00 (v1.0). [ble] */
export const METADATA_VERSION_BYTE = 0x40
/** TX power is one signed byte, so it must fit -128...127 dBm. [ble] */
export const TX_POWER_MIN_DBM = -128
export const TX_POWER_MAX_DBM = 127
/** Receivers reject a decrypted TX power outside -50...+20 dBm. [android] */
export const ACCEPTED_TX_POWER_MIN_DBM = -50
export const ACCEPTED_TX_POWER_MAX_DBM = 20

// ---- Advertisement ----------------------------------------------------------------------------

/** Exposure Notification 16-bit service UUID (sent little-endian: 6F FD). [ble] */
export const SERVICE_UUID16 = 0xfd6f
/** AD type "Flags". [css] */
export const AD_TYPE_FLAGS = 0x01
/** AD type "Incomplete List of 16-bit Service UUIDs". [css] */
export const AD_TYPE_INCOMPLETE_UUID16_LIST = 0x02
/** AD type "Complete List of 16-bit Service UUIDs". [css] */
export const AD_TYPE_COMPLETE_UUID16_LIST = 0x03
/** AD type "Service Data - 16-bit UUID". [css] */
export const AD_TYPE_SERVICE_DATA_UUID16 = 0x16
/** Flags value: LE General Discoverable, simultaneous LE + BR/EDR (controller, host). [ble] */
export const AD_FLAGS_VALUE = 0x1a
/** A legacy advertisement carries at most 31 bytes of AD structures; GAEN uses all 31. [ble] */
export const LEGACY_ADVERTISEMENT_BYTES = 31
/** Recommended advertising interval range in ms; the Android reference uses about 250 ms. [ble] */
export const ADVERTISING_INTERVAL_MIN_MS = 200
export const ADVERTISING_INTERVAL_MAX_MS = 270
export const ADVERTISING_INTERVAL_TYPICAL_MS = 250
/** RPI and random address change together at a random time 10-20 min after the last change
 *  (about 15 min on average); one RPI must never stay on air longer than 20 min. [ble], [android] */
export const ROTATION_MIN_SECONDS = 10 * 60
export const ROTATION_MAX_SECONDS = 20 * 60

// ---- Scanning ---------------------------------------------------------------------------------

/** The reference scans every 3.5-5 min, for about 4 s; nearby advertisers must be found within
 *  5 min. [ble], [android] */
export const SCAN_PERIOD_MIN_SECONDS = 210
export const SCAN_PERIOD_MAX_SECONDS = 300
export const SCAN_DURATION_SECONDS = 4
