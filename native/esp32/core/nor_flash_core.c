#include "nor_flash_core.h"
#include "bytes.h"
#include "gen/nor_flash.h"
#include "port/flash_port.h"
#include "mem.h"

// Command layouts (services/flash.md): read {tag u16, length u16, offset u32};
// program {tag u16, reserved u16, offset u32, data}; erase_sector {tag u16, reserved u16, sector u32}.
// Every report: {tag u16, status u8, reserved u8, offset-or-sector u32}, then a read's data.
#define CMD_HEADER 8
#define REPORT_HEADER 8

void nor_flash_core_init(nor_flash_core_t *fc) {
    memset(fc, 0, sizeof(*fc));
    fc->sector_size = flash_port_sector_size();
    fc->sector_count = fc->sector_size ? flash_port_size() / fc->sector_size : 0;
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

static uint8_t read_cmd(nor_flash_core_t *fc, uint32_t offset, uint16_t len, uint8_t *dst) {
    if (len > NOR_FLASH_MAX_TRANSFER)
        return JD_NOR_FLASH_STATUS_TOO_LONG;
    if (!in_range(fc, offset, len))
        return JD_NOR_FLASH_STATUS_OUT_OF_RANGE;
    if (len && flash_port_read(offset, dst, len) != 0) {
        fc->hardware_errors++;
        return JD_NOR_FLASH_STATUS_HARDWARE_ERROR;
    }
    return JD_NOR_FLASH_STATUS_OK;
}

static uint8_t program_cmd(nor_flash_core_t *fc, uint32_t offset, const uint8_t *src, size_t len) {
    // The order of the checks is the simulator's: too_long before out_of_range.
    if (len > NOR_FLASH_MAX_TRANSFER)
        return JD_NOR_FLASH_STATUS_TOO_LONG;
    if (!in_range(fc, offset, (uint32_t)len))
        return JD_NOR_FLASH_STATUS_OUT_OF_RANGE;
    if (!len)
        return JD_NOR_FLASH_STATUS_OK;
    // AND explicitly: bits only go 1 → 0 whatever the chip or its write-verify option does.
    uint8_t merged[NOR_FLASH_MAX_TRANSFER];
    if (flash_port_read(offset, merged, (uint32_t)len) != 0) {
        fc->hardware_errors++;
        return JD_NOR_FLASH_STATUS_HARDWARE_ERROR;
    }
    for (size_t i = 0; i < len; i++)
        merged[i] &= src[i];
    if (flash_port_write(offset, merged, (uint32_t)len) != 0) {
        fc->hardware_errors++;
        return JD_NOR_FLASH_STATUS_HARDWARE_ERROR;
    }
    return JD_NOR_FLASH_STATUS_OK;
}

size_t nor_flash_core_command(nor_flash_core_t *fc, uint16_t cmd, const uint8_t *data, size_t size,
                              uint8_t *report) {
    if (cmd != JD_NOR_FLASH_CMD_READ && cmd != JD_NOR_FLASH_CMD_PROGRAM &&
        cmd != JD_NOR_FLASH_CMD_ERASE_SECTOR)
        return 0;
    if (size < CMD_HEADER) {
        fc->malformed++;
        return 0;
    }
    uint16_t tag = le16(data);
    uint32_t where = le32(data + 4);
    if (fc->erasing)
        return report_header(report, tag, JD_NOR_FLASH_STATUS_BUSY, where);

    switch (cmd) {
    case JD_NOR_FLASH_CMD_READ: {
        uint16_t len = le16(data + 2);
        uint8_t status = read_cmd(fc, where, len, report + REPORT_HEADER);
        report_header(report, tag, status, where);
        return REPORT_HEADER + (status == JD_NOR_FLASH_STATUS_OK ? len : 0);
    }
    case JD_NOR_FLASH_CMD_PROGRAM:
        return report_header(report, tag,
                             program_cmd(fc, where, data + CMD_HEADER, size - CMD_HEADER), where);
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
    return report_header(report, fc->erase_tag,
                         err ? JD_NOR_FLASH_STATUS_HARDWARE_ERROR : JD_NOR_FLASH_STATUS_OK,
                         fc->erase_sector);
}
