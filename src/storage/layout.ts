// Every number that fixes how the token uses its flash lives here, so that the firmware, the tests,
// the benchmark and the documentation (docs/storage.md) agree. Byte layouts are documented next to
// their encoders: log sector header and key store in docs/storage.md, the contact record in
// contact-record.ts. GAEN's own numbers come from gaen/constants.ts.
import { EN_INTERVAL_SECONDS, RETENTION_DAYS, TEK_ROLLING_PERIOD } from "../gaen/constants"

// ---- Flash geometry of the token --------------------------------------------------------------
// On ESP32 the "gaenlog" data partition: 1 MiB = 256 erase sectors of 4 KiB (services/flash.md),
// encrypted (boards/partitions.csv): every write is whole 32-byte rows, each written at most once
// per erase (docs/storage.md, "Encrypted flash").

/** Erase sector size of the token's flash, bytes. */
export const SECTOR_SIZE = 4096
/** Sectors in the token's flash region (1 MiB in total, keys, secrets and log together). */
export const FLASH_SECTOR_COUNT = 256
/** Largest read or program the flash service accepts in one command (fits one Jacdac packet). */
export const MAX_TRANSFER = 224
/**
 * The flash service's write unit (its `row_size` register): 32 bytes, the original ESP32's flash
 * encryption block (the C3/S3 encrypt 16-byte blocks, which divide it). Programs cover whole rows,
 * each row is programmed at most once after its sector is erased, and `destroy` zeros whole rows.
 */
export const ROW_SIZE = 32
/** Most rows one destroy or row_states request of the flash service covers (services/flash.md). */
export const MAX_ROWS_PER_REQUEST = 128

// ---- Partition plan: which sectors hold what ---------------------------------------------------

/** The key store's two ping-pong sectors come first. */
export const KEY_STORE_FIRST_SECTOR = 0
export const KEY_STORE_SECTOR_COUNT = 2
/** The token's own secrets (token id, Bluetooth link key): one sector after the key store. */
export const SECRETS_SECTOR = KEY_STORE_FIRST_SECTOR + KEY_STORE_SECTOR_COUNT
/** The contact log takes every other sector: 253 × 4 KiB. */
export const LOG_FIRST_SECTOR = SECRETS_SECTOR + 1
export const LOG_SECTOR_COUNT = FLASH_SECTOR_COUNT - LOG_FIRST_SECTOR

// ---- Retention ----------------------------------------------------------------------------------

/** Contacts and own keys are kept RETENTION_DAYS (14, GAEN), then erased. */
export const MINUTES_PER_DAY = 24 * 60
export const RETENTION_MINUTES = RETENTION_DAYS * MINUTES_PER_DAY
/** GAEN's time unit: an ENIntervalNumber is a 10-minute interval since the Unix epoch. */
export const MINUTES_PER_EN_INTERVAL = EN_INTERVAL_SECONDS / 60

// ---- Time encoding in flash -------------------------------------------------------------------
// The storage API speaks Unix minutes (Math.floor(unixSeconds / 60)). The log stores minutes since
// 2020-01-01T00:00Z in 3 bytes, which lasts until 2051-11; 0xFFFFFF means "no time".

/** 2020-01-01T00:00:00Z in Unix minutes (1577836800 s / 60). */
export const LOG_EPOCH_UNIX_MINUTES = 26297280
export const NO_TIME_U24 = 0xffffff
/** Last Unix minute a u24 log time can hold. */
export const LOG_LAST_UNIX_MINUTE = LOG_EPOCH_UNIX_MINUTES + NO_TIME_U24 - 1
/**
 * The latest token time (Unix seconds) the log can hold (a record's times, a sector's openedAt:
 * u24 minutes, until 2051-11-25). The clock must refuse later times (set_time); the log throws for
 * them rather than drop records silently.
 */
export const MAX_RECORD_TIME = LOG_LAST_UNIX_MINUTE * 60 + 59
/** The earliest: the log's epoch, 2020-01-01T00:00Z. */
export const MIN_RECORD_TIME = LOG_EPOCH_UNIX_MINUTES * 60

/** True when the log can store records made at `unixSeconds` (see MAX_RECORD_TIME). */
export function canStoreTime(unixSeconds: number) {
    return typeof unixSeconds === "number" && unixSeconds >= MIN_RECORD_TIME && unixSeconds <= MAX_RECORD_TIME
}

/** Throws a RangeError naming `what` when the log cannot hold Unix minute `minutes`. */
export function checkStorableMinute(minutes: number, what: string) {
    if (!canStoreTime(minutes * 60))
        throw new RangeError(`log: ${what} (Unix minute ${minutes}) is outside 2020-01-01..2051-11-25, the times a record can hold`)
}

/** Writes a little-endian u24 (a log time) at `at`: Buffer.setAt has no 3-byte format. */
export function setU24(buf: Buffer, at: number, v: number) {
    buf.setAt(at, "u16", v & 0xffff)
    buf.setAt(at + 2, "u8", v >> 16)
}

/** Reads the little-endian u24 at `at`. */
export function getU24(buf: Buffer, at: number) {
    return buf.getAt(at, "u16") + (buf.getAt(at + 2, "u8") << 16)
}

// ---- Checked rows (shared by every structure in flash) ----------------------------------------
// Every structure is made of "checked rows": a body and its CRC-32 in the row's last 4 bytes,
// programmed in one command, so a row commits atomically (a power cut leaves it torn: state
// "written", check value wrong). Whether a row is erased or destroyed comes from the flash
// service's row_states, never from the bytes read (encrypted flash decrypts both to noise).

/** Bytes of the CRC-32 at the end of a checked row. */
export const ROW_CHECK_SIZE = 4
/** Body bytes of a one-row checked record: 28. */
export const ROW_BODY_SIZE = ROW_SIZE - ROW_CHECK_SIZE

// ---- Contact log sector -------------------------------------------------------------------------
// Sector = header row + 127 record rows. See docs/storage.md.

/** Magic of a log sector header, bytes "CL" in flash. */
export const LOG_MAGIC = 0x4c43
export const LOG_FORMAT_VERSION = 2
/** Header body: magic u16, version u8, sequence u32, openedAt u24, previous sector's newest u24. */
export const LOG_HEADER_BODY_SIZE = 13
/** The header is the sector's first row. */
export const LOG_HEADER_SIZE = ROW_SIZE
/** Contact record body (contact-record.ts): 28 bytes, one row with its CRC-32 in flash. */
export const RECORD_BODY_SIZE = ROW_BODY_SIZE
/** The record as read_log sends it (services/token-sync.md): body + CRC-16, 30 bytes. */
export const CHECK_SIZE = 2
export const RECORD_SIZE = RECORD_BODY_SIZE + CHECK_SIZE

/** How many records fit in one log sector of the given size: one per row after the header row. */
export function recordsPerSector(sectorSize: number) {
    return Math.idiv(sectorSize, ROW_SIZE) - 1
}

/** Records per 4 KiB sector: 128 rows − the header = 127. */
export const LOG_RECORDS_PER_SECTOR = recordsPerSector(SECTOR_SIZE)
/** Records held when every log sector is full: 253 × 127 = 32,131. */
export const LOG_MAX_RECORDS = LOG_SECTOR_COUNT * LOG_RECORDS_PER_SECTOR
/**
 * Records always held once the log has wrapped: the oldest sector is erased to make room, so one
 * sector's worth is gone at that moment: 252 × 127 = 32,004 (≥ 32,000, the goal).
 */
export const LOG_GUARANTEED_RECORDS = (LOG_SECTOR_COUNT - 1) * LOG_RECORDS_PER_SECTOR

// ---- Key store ------------------------------------------------------------------------------------
// Two sectors used in turn (ping-pong). Sector = header row + journal rows (key-store.ts).

/** Magic of a key store sector header, bytes "KS" in flash. */
export const KEY_MAGIC = 0x534b
export const KEY_FORMAT_VERSION = 2
/** A key store sector's rows after its header row: 127 journal rows. */
export function keyRowsPerSector(sectorSize: number) {
    return Math.idiv(sectorSize, ROW_SIZE) - 1
}
/** A key's rolling period unless given: GAEN's TEK_ROLLING_PERIOD (144 intervals, one day).
 *  Kept under this name for the key store's callers and tests. */
export const DEFAULT_ROLLING_PERIOD = TEK_ROLLING_PERIOD

// ---- Secrets sector -------------------------------------------------------------------------------

/** Magic of the identity record (token id + link key) in the secrets sector, bytes "ID". */
export const SECRETS_MAGIC = 0x4449
export const SECRETS_FORMAT_VERSION = 1

// ---- Cooperative scheduling ---------------------------------------------------------------------

/**
 * How far (minutes) a record's lastSeen may lie before its sector's openedAt and still be found by
 * expiry after a reboot: boot assumes a sector holds nothing older than openedAt − this. A record
 * older than that (the clock was set back) goes into a new sector instead.
 */
export const LOG_OUT_OF_ORDER_MINUTES = MINUTES_PER_DAY

/** Loops over slots or sectors yield (ds.sleep(0)) this often, to stay far below the VM's ~128K-opcode slice. */
export const YIELD_EVERY = 16
