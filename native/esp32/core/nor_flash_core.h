// The NOR Flash service's logic (services/flash.md), independent of ESP-IDF and of Jacdac's
// runtime: command bytes in, report bytes out. Validation comes before any flash access; a program
// writes whole rows into erased rows only (told by a raw read), a destroy writes raw zeros,
// row_states classifies raw rows; an erase runs in the background and every other command meanwhile
// is answered `busy`. The hardware is reached only through port/flash_port.h.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "frame.h"

/** Largest data part of a read or program (a read report carries it after an 8-byte header). */
#define NOR_FLASH_MAX_TRANSFER 224
/** The unit of program, destroy and row_states: the ESP32's flash-encryption block (C3/S3: 16 divides it). */
#define NOR_FLASH_ROW_SIZE 32
/** Most rows one destroy or row_states covers (one 4 KiB sector). */
#define NOR_FLASH_MAX_ROWS 128
/** read_rows answers in parts of this many rows: max_transfer / row_size (services/flash.md). */
#define NOR_FLASH_ROWS_PER_PART (NOR_FLASH_MAX_TRANSFER / NOR_FLASH_ROW_SIZE)
/**
 * The most read_rows parts sent in one pass of the Jacdac loop: 7 of them (248-byte frames) always
 * fit the VM's receive queue when it is empty (jacdac-c's 2048-byte rx_queue; services/flash.md).
 */
#define NOR_FLASH_PARTS_PER_PASS 7
/** Room for any report of this service. */
#define NOR_FLASH_REPORT_MAX JD_SERVICE_PAYLOAD_MAX

/** A row's raw state, 2 bits of a row_states report. */
enum { NOR_FLASH_ROW_ERASED = 0, NOR_FLASH_ROW_DESTROYED = 1, NOR_FLASH_ROW_WRITTEN = 2 };

typedef struct {
    uint32_t sector_size;
    uint32_t sector_count;
    bool encrypted;
    bool erasing;
    uint16_t erase_tag;
    uint32_t erase_sector;
    /** A read_rows being answered: its rows as read at its command, and the next part to send. */
    bool rows_pending;
    uint16_t rows_tag;
    uint16_t rows_count;
    uint8_t rows_next_part;
    uint8_t rows_states[NOR_FLASH_MAX_ROWS];
    uint8_t rows_data[NOR_FLASH_MAX_ROWS * NOR_FLASH_ROW_SIZE];
    /** Counters a board can log: port failures, and frames too short to carry their fields. */
    uint32_t hardware_errors;
    uint32_t malformed;
} nor_flash_core_t;

/** Takes the geometry and the encryption from the port. */
void nor_flash_core_init(nor_flash_core_t *fc);

/**
 * Handles one command frame (service command code and its payload). Writes the report into `report`
 * (NOR_FLASH_REPORT_MAX bytes) and returns its length; 0 means no report now: an erase has started
 * (its report comes from nor_flash_core_poll) or the frame was too short to carry a tag.
 */
size_t nor_flash_core_command(nor_flash_core_t *fc, uint16_t cmd, const uint8_t *data, size_t size, uint8_t *report);

/**
 * The next part of the read_rows being answered (nor_flash_core_command wrote its first): writes its
 * report and returns its length, or 0 when every part has been sent. The caller sends at most
 * NOR_FLASH_PARTS_PER_PASS parts per pass of the loop, the next ones once the VM has taken them.
 */
size_t nor_flash_core_next_part(nor_flash_core_t *fc, uint8_t *report);

/** Call from the loop: when the running erase has ended, writes its report and returns its length. */
size_t nor_flash_core_poll(nor_flash_core_t *fc, uint8_t *report);

/** The value of register `reg` (JD_NOR_FLASH_REG_*) as its Jacdac report carries it; 0 for another. */
size_t nor_flash_core_register(const nor_flash_core_t *fc, uint16_t reg, uint8_t *value);
