#include "nor_flash_core.h"
#include "bytes.h"
#include "gen/nor_flash.h"
#include "port/flash_port.h"
#include "mem.h"

// Command layouts (services/flash.md): read {tag u16, length u16, offset u32};
// program {tag u16, reserved u16, offset u32, data}; erase_sector {tag u16, reserved u16, sector u32};
// destroy, row_states and read_rows {tag u16, rows u16, offset u32}.
// Every report but read_rows': {tag u16, status u8, reserved u8, offset-or-sector u32}, then a
// read's data or the row states. A read_rows part: {tag u16, status u8, part u8, states u16}, then
// its rows.
#define CMD_HEADER 8
#define REPORT_HEADER 8
#define PART_HEADER 6
/** Rows handled per port call by destroy and row_states (a stack buffer of 256 bytes). */
#define ROWS_PER_CHUNK 8

void nor_flash_core_init(nor_flash_core_t *fc) {
    memset(fc, 0, sizeof(*fc));
    fc->sector_size = flash_port_sector_size();
    fc->sector_count = fc->sector_size ? flash_port_size() / fc->sector_size : 0;
    fc->encrypted = flash_port_encrypted();
}

static size_t report_header(uint8_t *report, uint16_t tag, uint8_t status, uint32_t where) {
    put_le16(report, tag);
    report[2] = status;
    report[3] = 0;
    put_le32(report + 4, where);
    return REPORT_HEADER;
}

/** Whether [offset, offset + len) lies in the region, without overflowing 32 bits. */
static bool in_range(const nor_flash_core_t *fc, uint32_t offset, uint32_t len) {
    uint64_t size = (uint64_t)fc->sector_size * fc->sector_count;
    return (uint64_t)offset + len <= size;
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t value) {
    for (size_t i = 0; i < len; i++)
        if (p[i] != value)
            return false;
    return true;
}

/** A row's raw state: all 0xFF erased, all 0x00 destroyed, anything else (data, torn) written. */
static uint8_t row_state(const uint8_t *raw) {
    if (all_bytes(raw, NOR_FLASH_ROW_SIZE, 0xff))
        return NOR_FLASH_ROW_ERASED;
    if (all_bytes(raw, NOR_FLASH_ROW_SIZE, 0x00))
        return NOR_FLASH_ROW_DESTROYED;
    return NOR_FLASH_ROW_WRITTEN;
}

static uint8_t port_failed(nor_flash_core_t *fc) {
    fc->hardware_errors++;
    return JD_NOR_FLASH_STATUS_HARDWARE_ERROR;
}

static uint8_t read_cmd(nor_flash_core_t *fc, uint32_t offset, uint16_t len, uint8_t *dst) {
    if (len > NOR_FLASH_MAX_TRANSFER)
        return JD_NOR_FLASH_STATUS_TOO_LONG;
    if (!in_range(fc, offset, len))
        return JD_NOR_FLASH_STATUS_OUT_OF_RANGE;
    if (len && flash_port_read(offset, dst, len) != 0)
        return port_failed(fc);
    return JD_NOR_FLASH_STATUS_OK;
}

static uint8_t program_cmd(nor_flash_core_t *fc, uint32_t offset, const uint8_t *src, size_t len) {
    // The order of the checks is the spec's (and the simulator's).
    if (len > NOR_FLASH_MAX_TRANSFER)
        return JD_NOR_FLASH_STATUS_TOO_LONG;
    if (!in_range(fc, offset, (uint32_t)len))
        return JD_NOR_FLASH_STATUS_OUT_OF_RANGE;
    if (offset % NOR_FLASH_ROW_SIZE || len == 0 || len % NOR_FLASH_ROW_SIZE)
        return JD_NOR_FLASH_STATUS_UNALIGNED;
    // Every target row must be erased, told raw: through the encryption an erased row is noise.
    uint8_t raw[NOR_FLASH_MAX_TRANSFER];
    if (flash_port_read_raw(offset, raw, (uint32_t)len) != 0)
        return port_failed(fc);
    for (size_t at = 0; at < len; at += NOR_FLASH_ROW_SIZE)
        if (row_state(raw + at) != NOR_FLASH_ROW_ERASED)
            return JD_NOR_FLASH_STATUS_NOT_ERASED;
    if (flash_port_write(offset, src, (uint32_t)len) != 0)
        return port_failed(fc);
    return JD_NOR_FLASH_STATUS_OK;
}

/** The checks destroy and row_states share, in the spec's order. */
static uint8_t check_rows(const nor_flash_core_t *fc, uint32_t offset, uint16_t rows) {
    if (rows == 0 || rows > NOR_FLASH_MAX_ROWS)
        return JD_NOR_FLASH_STATUS_UNALIGNED;
    if (!in_range(fc, offset, (uint32_t)rows * NOR_FLASH_ROW_SIZE))
        return JD_NOR_FLASH_STATUS_OUT_OF_RANGE;
    if (offset % NOR_FLASH_ROW_SIZE)
        return JD_NOR_FLASH_STATUS_UNALIGNED;
    return JD_NOR_FLASH_STATUS_OK;
}

static uint8_t destroy_cmd(nor_flash_core_t *fc, uint32_t offset, uint16_t rows) {
    uint8_t status = check_rows(fc, offset, rows);
    if (status != JD_NOR_FLASH_STATUS_OK)
        return status;
    uint8_t zeros[ROWS_PER_CHUNK * NOR_FLASH_ROW_SIZE];
    memset(zeros, 0, sizeof zeros);
    for (uint32_t done = 0; done < rows; done += ROWS_PER_CHUNK) {
        uint32_t n = rows - done < ROWS_PER_CHUNK ? rows - done : ROWS_PER_CHUNK;
        if (flash_port_write_raw(offset + done * NOR_FLASH_ROW_SIZE, zeros, n * NOR_FLASH_ROW_SIZE) != 0)
            return port_failed(fc);
    }
    return JD_NOR_FLASH_STATUS_OK;
}

/** Writes the packed states (2 bits per row) to `states`, ⌈rows / 4⌉ bytes. */
static uint8_t row_states_cmd(nor_flash_core_t *fc, uint32_t offset, uint16_t rows, uint8_t *states) {
    uint8_t status = check_rows(fc, offset, rows);
    if (status != JD_NOR_FLASH_STATUS_OK)
        return status;
    uint8_t raw[ROWS_PER_CHUNK * NOR_FLASH_ROW_SIZE];
    memset(states, 0, (rows + 3u) / 4u);
    for (uint32_t done = 0; done < rows; done += ROWS_PER_CHUNK) {
        uint32_t n = rows - done < ROWS_PER_CHUNK ? rows - done : ROWS_PER_CHUNK;
        if (flash_port_read_raw(offset + done * NOR_FLASH_ROW_SIZE, raw, n * NOR_FLASH_ROW_SIZE) != 0)
            return port_failed(fc);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t row = done + i;
            states[row / 4] = (uint8_t)(states[row / 4] | row_state(raw + i * NOR_FLASH_ROW_SIZE) << (2 * (row % 4)));
        }
    }
    return JD_NOR_FLASH_STATUS_OK;
}

/** Reads `rows` rows for read_rows: their raw states, then their bytes (decrypted when encrypted). */
static uint8_t read_rows_cmd(nor_flash_core_t *fc, uint32_t offset, uint16_t rows) {
    uint8_t status = check_rows(fc, offset, rows);
    if (status != JD_NOR_FLASH_STATUS_OK)
        return status;
    uint32_t len = (uint32_t)rows * NOR_FLASH_ROW_SIZE;
    if (flash_port_read_raw(offset, fc->rows_data, len) != 0)
        return port_failed(fc);
    for (uint32_t i = 0; i < rows; i++)
        fc->rows_states[i] = row_state(fc->rows_data + i * NOR_FLASH_ROW_SIZE);
    if (flash_port_read(offset, fc->rows_data, len) != 0)
        return port_failed(fc);
    return JD_NOR_FLASH_STATUS_OK;
}

static size_t part_header(uint8_t *report, uint16_t tag, uint8_t status, uint8_t part, uint16_t states) {
    put_le16(report, tag);
    report[2] = status;
    report[3] = part;
    put_le16(report + 4, states);
    return PART_HEADER;
}

size_t nor_flash_core_next_part(nor_flash_core_t *fc, uint8_t *report) {
    if (!fc->rows_pending)
        return 0;
    uint32_t first = (uint32_t)fc->rows_next_part * NOR_FLASH_ROWS_PER_PART;
    uint32_t n = fc->rows_count - first < NOR_FLASH_ROWS_PER_PART ? fc->rows_count - first : NOR_FLASH_ROWS_PER_PART;
    uint16_t states = 0;
    for (uint32_t j = 0; j < n; j++)
        states = (uint16_t)(states | fc->rows_states[first + j] << (2 * j));
    part_header(report, fc->rows_tag, JD_NOR_FLASH_STATUS_OK, fc->rows_next_part, states);
    memcpy(report + PART_HEADER, fc->rows_data + first * NOR_FLASH_ROW_SIZE, n * NOR_FLASH_ROW_SIZE);
    fc->rows_next_part++;
    if (first + n >= fc->rows_count)
        fc->rows_pending = false;
    return PART_HEADER + n * NOR_FLASH_ROW_SIZE;
}

size_t nor_flash_core_command(nor_flash_core_t *fc, uint16_t cmd, const uint8_t *data, size_t size, uint8_t *report) {
    if (cmd != JD_NOR_FLASH_CMD_READ && cmd != JD_NOR_FLASH_CMD_PROGRAM && cmd != JD_NOR_FLASH_CMD_ERASE_SECTOR &&
        cmd != JD_NOR_FLASH_CMD_DESTROY && cmd != JD_NOR_FLASH_CMD_ROW_STATES && cmd != JD_NOR_FLASH_CMD_READ_ROWS)
        return 0;
    if (size < CMD_HEADER) {
        fc->malformed++;
        return 0;
    }
    uint16_t tag = le16(data);
    uint16_t count = le16(data + 2); // read: length; destroy, row_states: rows
    uint32_t where = le32(data + 4);
    if (cmd == JD_NOR_FLASH_CMD_READ_ROWS) {
        // A new read_rows replaces one still being sent: its client has given up on it.
        fc->rows_pending = false;
        uint8_t status = fc->erasing ? JD_NOR_FLASH_STATUS_BUSY : read_rows_cmd(fc, where, count);
        if (status != JD_NOR_FLASH_STATUS_OK)
            return part_header(report, tag, status, 0, 0);
        fc->rows_pending = true;
        fc->rows_tag = tag;
        fc->rows_count = count;
        fc->rows_next_part = 0;
        return nor_flash_core_next_part(fc, report);
    }
    if (fc->erasing)
        return report_header(report, tag, JD_NOR_FLASH_STATUS_BUSY, where);

    switch (cmd) {
    case JD_NOR_FLASH_CMD_READ: {
        uint8_t status = read_cmd(fc, where, count, report + REPORT_HEADER);
        report_header(report, tag, status, where);
        return REPORT_HEADER + (status == JD_NOR_FLASH_STATUS_OK ? count : 0);
    }
    case JD_NOR_FLASH_CMD_PROGRAM:
        return report_header(report, tag, program_cmd(fc, where, data + CMD_HEADER, size - CMD_HEADER), where);
    case JD_NOR_FLASH_CMD_DESTROY:
        return report_header(report, tag, destroy_cmd(fc, where, count), where);
    case JD_NOR_FLASH_CMD_ROW_STATES: {
        uint8_t status = row_states_cmd(fc, where, count, report + REPORT_HEADER);
        report_header(report, tag, status, where);
        return REPORT_HEADER + (status == JD_NOR_FLASH_STATUS_OK ? (count + 3u) / 4u : 0);
    }
    default: // erase_sector
        if (where >= fc->sector_count)
            return report_header(report, tag, JD_NOR_FLASH_STATUS_OUT_OF_RANGE, where);
        if (flash_port_erase_start(where) != 0) {
            fc->hardware_errors++;
            return report_header(report, tag, JD_NOR_FLASH_STATUS_HARDWARE_ERROR, where);
        }
        fc->erasing = true;
        fc->erase_tag = tag;
        fc->erase_sector = where;
        return 0;
    }
}

size_t nor_flash_core_poll(nor_flash_core_t *fc, uint8_t *report) {
    flash_port_err_t err;
    if (!fc->erasing || !flash_port_erase_poll(&err))
        return 0;
    fc->erasing = false;
    if (err != 0)
        fc->hardware_errors++;
    return report_header(report, fc->erase_tag, err ? JD_NOR_FLASH_STATUS_HARDWARE_ERROR : JD_NOR_FLASH_STATUS_OK,
                         fc->erase_sector);
}

size_t nor_flash_core_register(const nor_flash_core_t *fc, uint16_t reg, uint8_t *value) {
    switch (reg) {
    case JD_NOR_FLASH_REG_SECTOR_SIZE:
        put_le32(value, fc->sector_size);
        return 4;
    case JD_NOR_FLASH_REG_SECTOR_COUNT:
        put_le32(value, fc->sector_count);
        return 4;
    case JD_NOR_FLASH_REG_MAX_TRANSFER:
        put_le16(value, NOR_FLASH_MAX_TRANSFER);
        return 2;
    case JD_NOR_FLASH_REG_ROW_SIZE:
        put_le16(value, NOR_FLASH_ROW_SIZE);
        return 2;
    case JD_NOR_FLASH_REG_ENCRYPTED:
        value[0] = fc->encrypted ? 1 : 0;
        return 1;
    default:
        return 0;
    }
}
