// Every number that fixes how the token uses its flash lives here, so that the firmware, the tests,
// the benchmark and the documentation (docs/storage.md) agree. Byte layouts are documented next to
// their encoders: log sector header and key store in docs/storage.md, the contact record in
// contact-record.ts. GAEN's own numbers come from gaen/constants.ts.
import { EN_INTERVAL_SECONDS, RETENTION_DAYS, TEK_ROLLING_PERIOD } from "../gaen/constants"

// ---- Flash geometry of the token --------------------------------------------------------------
// On ESP32 the "gaenlog" data partition: 1 MiB = 256 erase sectors of 4 KiB (services/flash.md).

/** Erase sector size of the token's flash, bytes. */
export const SECTOR_SIZE = 4096
/** Sectors in the token's flash region (1 MiB in total, keys and log together). */
export const FLASH_SECTOR_COUNT = 256
/** Largest read or program the flash service accepts in one command (fits one Jacdac packet). */
export const MAX_TRANSFER = 224

// ---- Partition plan: which sectors hold what ---------------------------------------------------

/** The key store's two ping-pong sectors come first. */
export const KEY_STORE_FIRST_SECTOR = 0
export const KEY_STORE_SECTOR_COUNT = 2
/** The contact log takes every other sector: 254 × 4 KiB. */
export const LOG_FIRST_SECTOR = KEY_STORE_FIRST_SECTOR + KEY_STORE_SECTOR_COUNT
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

// ---- Checked slots (shared by every structure in flash) ---------------------------------------
// A "checked slot" is a body followed by its 2-byte CRC-16, programmed in two steps (body first):
// until the CRC is there the slot reads as uncommitted, whatever a power cut left in the body.

export const CHECK_SIZE = 2

// ---- Contact log sector -------------------------------------------------------------------------
// Sector = 16-byte header + slots of 30-byte records. See docs/storage.md.

/** Magic of a log sector header, bytes "CL" in flash. */
export const LOG_MAGIC = 0x4c43
export const LOG_FORMAT_VERSION = 1
/** Header body: magic u16, version u8, sequence u32, openedAt u24, previous sector's newest u24. */
export const LOG_HEADER_BODY_SIZE = 13
/** Byte after the header CRC: 0xFF while the sector is live, programmed to 0x00 just before erase. */
export const LOG_HEADER_RETIRE_OFFSET = LOG_HEADER_BODY_SIZE + CHECK_SIZE
export const LOG_HEADER_SIZE = 16
/** Contact record: 28-byte body + CRC-16 (contact-record.ts). */
export const RECORD_BODY_SIZE = 28
export const RECORD_SIZE = RECORD_BODY_SIZE + CHECK_SIZE

/** How many records fit in one log sector of the given size. */
export function recordsPerSector(sectorSize: number) {
    return Math.idiv(sectorSize - LOG_HEADER_SIZE, RECORD_SIZE)
}

/** Records per 4 KiB sector: (4096 − 16) / 30 = 136. */
export const LOG_RECORDS_PER_SECTOR = recordsPerSector(SECTOR_SIZE)
/** Records held when every log sector is full: 254 × 136 = 34,544. */
export const LOG_MAX_RECORDS = LOG_SECTOR_COUNT * LOG_RECORDS_PER_SECTOR
/**
 * Records always held once the log has wrapped: the oldest sector is erased to make room, so one
 * sector's worth is gone at that moment: 253 × 136 = 34,408 (≥ 32,768, the goal; Sendrato: 32,512).
 */
export const LOG_GUARANTEED_RECORDS = (LOG_SECTOR_COUNT - 1) * LOG_RECORDS_PER_SECTOR

// ---- Key store ------------------------------------------------------------------------------------
// Two sectors used in turn (ping-pong). Sector = 16-byte header + 32-byte key entries.

/** Magic of a key store sector header, bytes "KS" in flash. */
export const KEY_MAGIC = 0x534b
export const KEY_FORMAT_VERSION = 1
/** Header body: magic u16, version u8, generation u32. */
export const KEY_HEADER_BODY_SIZE = 7
export const KEY_HEADER_SIZE = 16
/** Entry body: TEK (16), rolling start interval u32, rolling period u8, reserved u8. */
export const KEY_ENTRY_BODY_SIZE = 22
/** Byte after the entry CRC: 0xFF until the key was released, then 0x00 (any other value counts as released). */
export const KEY_RELEASED_OFFSET = KEY_ENTRY_BODY_SIZE + CHECK_SIZE
/** Byte after the released mark: how many intervals of the key were used before it was released
 *  mid-day (0xFF: the whole period). Programmed together with the mark, mark first. */
export const KEY_PERIOD_USED_OFFSET = KEY_RELEASED_OFFSET + 1
export const KEY_ENTRY_SIZE = 32
/** A key's rolling period unless given: GAEN's TEK_ROLLING_PERIOD (144 intervals, one day).
 *  Kept under this name for the key store's callers and tests. */
export const DEFAULT_ROLLING_PERIOD = TEK_ROLLING_PERIOD

/** How many key entries fit in one key store sector of the given size (127 for 4 KiB). */
export function keyEntriesPerSector(sectorSize: number) {
    return Math.idiv(sectorSize - KEY_HEADER_SIZE, KEY_ENTRY_SIZE)
}

// ---- Cooperative scheduling ---------------------------------------------------------------------

/**
 * How far (minutes) a record's lastSeen may lie before its sector's openedAt and still be found by
 * expiry after a reboot: boot assumes a sector holds nothing older than openedAt − this. A record
 * older than that (the clock was set back) goes into a new sector instead.
 */
export const LOG_OUT_OF_ORDER_MINUTES = MINUTES_PER_DAY

/**
 * How late (minutes) expiry may program an expired record to zeros: a sector is scanned once its
 * oldest record is this much past 14 days, and then every expired record in it goes. Reading hides
 * a record at exactly 14 days anyway; this keeps a busy owner's oldest sector from being re-read at
 * every housekeeping run (once per 12 h instead), and flash still holds nothing past 14.5 days.
 */
export const LOG_EXPUNGE_GRACE_MINUTES = 12 * 60

/** Loops over slots or sectors yield (ds.sleep(0)) this often, to stay far below the VM's ~128K-opcode slice. */
export const YIELD_EVERY = 16
