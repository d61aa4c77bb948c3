// The flash core on the RAM NOR flash, through command bytes as a Jacdac frame carries them.
// Mirrors test/sim/flash-server.test.ts (its rules; the host port is unencrypted), plus what only a
// board has: a chip error and `busy`.
#include "check.h"
#include "core/bytes.h"
#include "core/nor_flash_core.h"
#include "gen/nor_flash.h"
#include "port/host/host_port.h"

#define SECTOR 256
#define SECTORS 8
#define ROW NOR_FLASH_ROW_SIZE

static nor_flash_core_t fc;
static uint8_t report[NOR_FLASH_REPORT_MAX];
static size_t report_len;
static uint16_t next_tag = 100;

static void setup(void) {
    ram_flash_reset(SECTOR, SECTORS, 7);
    nor_flash_core_init(&fc);
}
static uint8_t status(void) {
    return report_len >= 8 ? report[2] : 0xee;
}
static uint8_t cmd_read(uint32_t offset, uint16_t len) {
    uint8_t c[8];
    put_le16(c, ++next_tag);
    put_le16(c + 2, len);
    put_le32(c + 4, offset);
    report_len = nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_READ, c, sizeof c, report);
    CHECK(report_len >= 8 && le16(report) == next_tag && le32(report + 4) == offset);
    return status();
}
static uint8_t cmd_program(uint32_t offset, const uint8_t *data, size_t len) {
    uint8_t c[8 + 300];
    put_le16(c, ++next_tag);
    put_le16(c + 2, 0);
    put_le32(c + 4, offset);
    memcpy(c + 8, data, len);
    report_len = nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_PROGRAM, c, 8 + len, report);
    CHECK(report_len == 8 && le16(report) == next_tag && le32(report + 4) == offset);
    return status();
}
/** destroy or row_states: {tag, rows, offset}. */
static uint8_t cmd_rows(uint16_t cmd, uint32_t offset, uint16_t rows) {
    uint8_t c[8];
    put_le16(c, ++next_tag);
    put_le16(c + 2, rows);
    put_le32(c + 4, offset);
    report_len = nor_flash_core_command(&fc, cmd, c, sizeof c, report);
    CHECK(report_len >= 8 && le16(report) == next_tag && le32(report + 4) == offset);
    return status();
}
/** The state of row `i` of the last row_states report. */
static int state_of(uint32_t i) {
    return (report[8 + i / 4] >> (2 * (i % 4))) & 3;
}
/** Starts an erase; returns its status if answered at once, else 0xff (it runs). */
static uint8_t cmd_erase_start(uint32_t sector) {
    uint8_t c[8];
    put_le16(c, ++next_tag);
    put_le16(c + 2, 0);
    put_le32(c + 4, sector);
    report_len = nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_ERASE_SECTOR, c, sizeof c, report);
    return report_len ? status() : 0xff;
}
static uint8_t cmd_erase(uint32_t sector) {
    uint8_t s = cmd_erase_start(sector);
    if (s != 0xff)
        return s;
    uint16_t tag = next_tag;
    report_len = nor_flash_core_poll(&fc, report);
    CHECK(report_len == 8 && le16(report) == tag && le32(report + 4) == sector);
    return status();
}
static int all_of(const uint8_t *p, size_t n, uint8_t v) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}
static int all_ff(const uint8_t *p, size_t n) {
    return all_of(p, n, 0xff);
}
/** Recognisable rows, never all 0xFF or all 0x00. */
static void fill_rows(uint8_t *p, size_t n, uint8_t seed) {
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 37 + i * 11 + 1) ? (uint8_t)(seed * 37 + i * 11 + 1) : 0x5a;
}

static void geometry_and_registers(void) {
    setup();
    CHECK_EQ(fc.sector_size, SECTOR);
    CHECK_EQ(fc.sector_count, SECTORS);
    uint8_t v[4];
    CHECK_EQ(nor_flash_core_register(&fc, JD_NOR_FLASH_REG_ROW_SIZE, v), 2);
    CHECK_EQ(le16(v), 32);
    CHECK_EQ(nor_flash_core_register(&fc, JD_NOR_FLASH_REG_ENCRYPTED, v), 1);
    CHECK_EQ(v[0], 0); // the host port is plain RAM
    CHECK_EQ(nor_flash_core_register(&fc, JD_NOR_FLASH_REG_MAX_TRANSFER, v), 2);
    CHECK_EQ(le16(v), 224);
    CHECK_EQ(nor_flash_core_register(&fc, 0x185, v), 0);
}

static void programs_whole_rows_once(void) {
    setup();
    uint8_t data[7 * ROW];
    fill_rows(data, sizeof data, 1);
    CHECK_EQ(cmd_program(SECTOR - 2 * ROW, data, sizeof data), JD_NOR_FLASH_STATUS_OK); // crosses a sector
    CHECK_BYTES(ram_flash_image() + SECTOR - 2 * ROW, data, sizeof data);
    CHECK_EQ(cmd_read(SECTOR - 2 * ROW + 5, 100), JD_NOR_FLASH_STATUS_OK);
    CHECK_BYTES(report + 8, data + 5, 100);
    CHECK_EQ(report_len, 108);
    CHECK(all_ff(ram_flash_image(), SECTOR - 2 * ROW));
    CHECK(all_ff(ram_flash_image() + SECTOR + 5 * ROW, SECTOR * SECTORS - SECTOR - 5 * ROW));
}

static void refusals_change_nothing(void) {
    setup();
    uint8_t row[ROW], big[8 * ROW];
    fill_rows(row, sizeof row, 2);
    fill_rows(big, sizeof big, 3);
    CHECK_EQ(cmd_program(ROW, row, ROW), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, 3 * ROW, 1), JD_NOR_FLASH_STATUS_OK);
    static uint8_t before[SECTOR * SECTORS];
    memcpy(before, ram_flash_image(), sizeof before);
    CHECK_EQ(cmd_program(4 * ROW + 1, big, ROW), JD_NOR_FLASH_STATUS_UNALIGNED);
    CHECK_EQ(cmd_program(4 * ROW, big, ROW - 1), JD_NOR_FLASH_STATUS_UNALIGNED);
    CHECK_EQ(cmd_program(4 * ROW, big, ROW + ROW / 2), JD_NOR_FLASH_STATUS_UNALIGNED);
    CHECK_EQ(cmd_program(4 * ROW, big, 0), JD_NOR_FLASH_STATUS_UNALIGNED);
    CHECK_EQ(cmd_program(ROW, row, ROW), JD_NOR_FLASH_STATUS_NOT_ERASED);     // no AND programming
    CHECK_EQ(cmd_program(0, big, 2 * ROW), JD_NOR_FLASH_STATUS_NOT_ERASED);   // erased, then written
    CHECK_EQ(cmd_program(3 * ROW, big, ROW), JD_NOR_FLASH_STATUS_NOT_ERASED); // destroyed
    CHECK_EQ(cmd_program(SECTOR * SECTORS, big, ROW), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_program(SECTOR * SECTORS - ROW + 1, big, ROW), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_program(0, big, 228), JD_NOR_FLASH_STATUS_TOO_LONG);
    CHECK_EQ(cmd_read(SECTOR * SECTORS - 2, 3), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(report_len, 8); // no data with a refusal
    CHECK_EQ(cmd_read(0, 225), JD_NOR_FLASH_STATUS_TOO_LONG);
    CHECK_EQ(cmd_erase(SECTORS), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    for (uint16_t cmd = JD_NOR_FLASH_CMD_DESTROY; cmd <= JD_NOR_FLASH_CMD_ROW_STATES; cmd++) {
        CHECK_EQ(cmd_rows(cmd, 0, 0), JD_NOR_FLASH_STATUS_UNALIGNED);
        CHECK_EQ(cmd_rows(cmd, 0, 129), JD_NOR_FLASH_STATUS_UNALIGNED);
        CHECK_EQ(cmd_rows(cmd, 16, 1), JD_NOR_FLASH_STATUS_UNALIGNED);
        CHECK_EQ(cmd_rows(cmd, SECTOR * SECTORS - ROW, 2), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
        CHECK_EQ(report_len, 8);
    }
    CHECK_BYTES(ram_flash_image(), before, sizeof before);
}

static void destroy_and_row_states(void) {
    setup();
    uint8_t data[3 * ROW];
    fill_rows(data, sizeof data, 4);
    CHECK_EQ(cmd_program(0, data, sizeof data), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, ROW, 3), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, ROW, 3), JD_NOR_FLASH_STATUS_OK); // idempotent
    CHECK(all_of(ram_flash_image() + ROW, 3 * ROW, 0));
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_ROW_STATES, 0, 6), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(report_len, 8 + 2);
    CHECK_EQ(state_of(0), NOR_FLASH_ROW_WRITTEN);
    CHECK_EQ(state_of(1), NOR_FLASH_ROW_DESTROYED);
    CHECK_EQ(state_of(3), NOR_FLASH_ROW_DESTROYED);
    CHECK_EQ(state_of(4), NOR_FLASH_ROW_ERASED);
    CHECK_EQ(report[9] >> 4, 0); // unused bits of the last byte
    CHECK_EQ(cmd_erase(0), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_program(ROW, data, ROW), JD_NOR_FLASH_STATUS_OK); // writable again
}

static void many_rows_at_once(void) {
    ram_flash_reset(4096, 2, 7);
    nor_flash_core_init(&fc);
    uint8_t row[ROW];
    fill_rows(row, sizeof row, 5);
    CHECK_EQ(cmd_program(4096 + 127 * ROW, row, ROW), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_ROW_STATES, 4096, 128), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(report_len, 8 + 32);
    CHECK(all_of(report + 8, 31, 0));
    CHECK_EQ(report[39], NOR_FLASH_ROW_WRITTEN << 6);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, 0, 128), JD_NOR_FLASH_STATUS_OK);
    CHECK(all_of(ram_flash_image(), 4096, 0));
    CHECK_EQ(ram_flash_image()[4096], 0xff);
}

static void offsets_never_wrap(void) {
    setup();
    uint8_t zeros[32] = {0};
    CHECK_EQ(cmd_program(0xffffffe0u, zeros, sizeof zeros), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_read(0xfffffff0u, 32), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_erase(0xffffffffu), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, 0xffffffe0u, 1), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_ROW_STATES, 0xffffffe0u, 128), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK(all_ff(ram_flash_image(), ram_flash_image_size()));
}

/** read_rows: sends the command and collects every part (the first from the command, the rest as a
 *  board's loop sends them); returns the first report's status. Parts land back to back in `parts`. */
static uint8_t parts[NOR_FLASH_MAX_ROWS * (6 + ROW)];
static size_t part_count, parts_len;
static uint8_t cmd_read_rows(uint32_t offset, uint16_t rows) {
    uint8_t c[8];
    put_le16(c, ++next_tag);
    put_le16(c + 2, rows);
    put_le32(c + 4, offset);
    part_count = parts_len = 0;
    size_t len = nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_READ_ROWS, c, sizeof c, report);
    CHECK(len >= 6 && le16(report) == next_tag);
    uint8_t first_status = report[2];
    while (len) {
        CHECK(len <= JD_SERVICE_PAYLOAD_MAX); // one packet of one Jacdac frame
        CHECK_EQ(le16(report), next_tag);
        CHECK_EQ(report[3], part_count);
        memcpy(parts + parts_len, report, len);
        parts_len += len;
        part_count++;
        len = nor_flash_core_next_part(&fc, report);
    }
    return first_status;
}

static void read_rows_in_parts(void) {
    ram_flash_reset(4096, 2, 7);
    nor_flash_core_init(&fc);
    uint8_t data[10 * ROW];
    fill_rows(data, sizeof data, 9);
    CHECK_EQ(cmd_program(4096 + ROW, data, 7 * ROW), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_program(4096 + 8 * ROW, data + 7 * ROW, 3 * ROW), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, 4096 + 3 * ROW, 2), JD_NOR_FLASH_STATUS_OK);
    // A whole sector: 19 parts of 7 rows (the last 2), each its rows' states and bytes.
    CHECK_EQ(cmd_read_rows(4096, 128), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(part_count, 19);
    CHECK_EQ(parts_len, 19 * 6 + 128 * ROW);
    const uint8_t *p = parts;
    for (uint32_t part = 0; part < 19; part++) {
        uint32_t n = part < 18 ? 7 : 2;
        CHECK_EQ(p[2], JD_NOR_FLASH_STATUS_OK);
        for (uint32_t j = 0; j < n; j++) {
            uint32_t row = part * 7 + j;
            int want = row >= 1 && row <= 10 ? (row == 3 || row == 4 ? NOR_FLASH_ROW_DESTROYED : NOR_FLASH_ROW_WRITTEN)
                                             : NOR_FLASH_ROW_ERASED;
            CHECK_EQ((le16(p + 4) >> (2 * j)) & 3, want);
            CHECK_BYTES(p + 6 + j * ROW, ram_flash_image() + 4096 + row * ROW, ROW);
        }
        CHECK_EQ(le16(p + 4) >> (2 * n), 0); // unused bits
        p += 6 + n * ROW;
    }
    // A run that is not a whole number of parts.
    CHECK_EQ(cmd_read_rows(4096 + ROW, 8), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(part_count, 2);
    CHECK_EQ(parts_len, 2 * 6 + 8 * ROW);
    CHECK_BYTES(parts + 6, data, ROW);
    // A new read_rows replaces one still being sent.
    uint8_t c[8];
    put_le16(c, 1);
    put_le16(c + 2, 128);
    put_le32(c + 4, 0);
    CHECK(nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_READ_ROWS, c, sizeof c, report) > 6);
    CHECK_EQ(cmd_read_rows(4096, 1), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(part_count, 1);
    CHECK_EQ(nor_flash_core_next_part(&fc, report), 0);
}

static void read_rows_refusals(void) {
    ram_flash_reset(4096, 2, 7);
    nor_flash_core_init(&fc);
    struct {
        uint32_t offset;
        uint16_t rows;
        uint8_t status;
    } refused[] = {
        {0, 0, JD_NOR_FLASH_STATUS_UNALIGNED},       {0, 129, JD_NOR_FLASH_STATUS_UNALIGNED},
        {16, 1, JD_NOR_FLASH_STATUS_UNALIGNED},      {8192 - ROW, 2, JD_NOR_FLASH_STATUS_OUT_OF_RANGE},
        {8192, 1, JD_NOR_FLASH_STATUS_OUT_OF_RANGE}, {0xffffffe0u, 1, JD_NOR_FLASH_STATUS_OUT_OF_RANGE},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECK_EQ(cmd_read_rows(refused[i].offset, refused[i].rows), refused[i].status);
        CHECK_EQ(part_count, 1);
        CHECK_EQ(parts_len, 6); // no rows
        CHECK_EQ(le16(parts + 4), 0);
    }
    // A chip error: hardware_error, counted, no rows.
    ram_flash_fail_next_read();
    CHECK_EQ(cmd_read_rows(0, 4), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    CHECK_EQ(parts_len, 6);
    CHECK_EQ(fc.hardware_errors, 1);
    // Power lost in a program: read_rows fails as every command does, and after power is back it
    // shows the torn row as written and the rows after it erased.
    uint8_t data[3 * ROW];
    fill_rows(data, sizeof data, 10);
    ram_flash_arm_power_cut(ROW + 5);
    CHECK_EQ(cmd_program(4096, data, sizeof data), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    CHECK(ram_flash_power_is_off());
    CHECK_EQ(cmd_read_rows(4096, 3), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    CHECK_EQ(parts_len, 6);
    ram_flash_power_on();
    CHECK_EQ(cmd_read_rows(4096, 3), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(le16(parts + 4), NOR_FLASH_ROW_WRITTEN | NOR_FLASH_ROW_WRITTEN << 2 | NOR_FLASH_ROW_ERASED << 4);
    CHECK_BYTES(parts + 6, data, ROW);
    // During an erase: busy, one report.
    ram_flash_hold_erase(true);
    CHECK_EQ(cmd_erase_start(1), 0xff);
    CHECK_EQ(cmd_read_rows(0, 4), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(parts_len, 6);
    ram_flash_hold_erase(false);
    CHECK(nor_flash_core_poll(&fc, report) > 0);
    CHECK_EQ(cmd_read_rows(0, 4), JD_NOR_FLASH_STATUS_OK);
    CHECK(all_ff(ram_flash_image(), 4096));
}

static void busy_during_erase(void) {
    setup();
    uint8_t row[ROW];
    fill_rows(row, sizeof row, 6);
    ram_flash_hold_erase(true);
    CHECK_EQ(cmd_erase_start(3), 0xff);
    uint16_t erase_tag = next_tag;
    CHECK_EQ(nor_flash_core_poll(&fc, report), 0); // still erasing: no report yet
    CHECK_EQ(cmd_read(0, 4), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(report_len, 8);
    CHECK_EQ(cmd_program(0, row, ROW), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, 0, 1), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_ROW_STATES, 0, 1), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(cmd_erase_start(2), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(ram_flash_image()[0], 0xff); // the busy program and destroy changed nothing
    ram_flash_hold_erase(false);
    report_len = nor_flash_core_poll(&fc, report);
    CHECK_EQ(report_len, 8);
    CHECK_EQ(le16(report), erase_tag);
    CHECK_EQ(status(), JD_NOR_FLASH_STATUS_OK);
    CHECK(all_ff(ram_flash_image() + SECTOR * 3, SECTOR));
    CHECK_EQ(cmd_read(0, 4), JD_NOR_FLASH_STATUS_OK);
}

static void chip_errors(void) {
    setup();
    uint8_t row[ROW];
    fill_rows(row, sizeof row, 7);
    ram_flash_fail_next_read();
    CHECK_EQ(cmd_read(0, 4), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    CHECK_EQ(fc.hardware_errors, 1);
    ram_flash_fail_next_read(); // the raw read that checks the rows are erased
    CHECK_EQ(cmd_program(0, row, ROW), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    ram_flash_fail_next_write();
    CHECK_EQ(cmd_program(0, row, ROW), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    ram_flash_fail_next_write();
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, 0, 1), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    ram_flash_fail_next_read();
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_ROW_STATES, 0, 1), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    CHECK_EQ(report_len, 8);
    CHECK_EQ(fc.hardware_errors, 5);
    CHECK(all_ff(ram_flash_image(), ram_flash_image_size()));
    CHECK_EQ(cmd_program(0, row, ROW), JD_NOR_FLASH_STATUS_OK); // the server carries on
}

static void power_cut_in_program(void) {
    setup();
    uint8_t data[4 * ROW];
    fill_rows(data, sizeof data, 8);
    ram_flash_arm_power_cut(2 * ROW + 7);
    CHECK_EQ(cmd_program(SECTOR, data, sizeof data), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    CHECK(ram_flash_power_is_off());
    CHECK_EQ(cmd_read(0, 4), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    ram_flash_power_on();
    const uint8_t *img = ram_flash_image() + SECTOR;
    CHECK_BYTES(img, data, 2 * ROW + 7);
    CHECK(all_ff(img + 2 * ROW + 8, 2 * ROW - 8));
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_ROW_STATES, SECTOR, 4), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(state_of(0), NOR_FLASH_ROW_WRITTEN);
    CHECK_EQ(state_of(2), NOR_FLASH_ROW_WRITTEN); // torn
    CHECK_EQ(state_of(3), NOR_FLASH_ROW_ERASED);
    CHECK_EQ(cmd_program(SECTOR + 2 * ROW, data, ROW), JD_NOR_FLASH_STATUS_NOT_ERASED);
}

static void power_cut_in_destroy(void) {
    setup();
    uint8_t data[3 * ROW];
    fill_rows(data, sizeof data, 9);
    CHECK_EQ(cmd_program(0, data, sizeof data), JD_NOR_FLASH_STATUS_OK);
    ram_flash_arm_power_cut(ROW + 10);
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, 0, 3), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    ram_flash_power_on();
    const uint8_t *img = ram_flash_image();
    CHECK(all_of(img, ROW + 10, 0));
    CHECK_EQ(img[ROW + 10] & ~data[ROW + 10], 0);
    CHECK_BYTES(img + ROW + 11, data + ROW + 11, 2 * ROW - 11);
}

static void power_cut_in_erase(void) {
    setup();
    CHECK_EQ(cmd_rows(JD_NOR_FLASH_CMD_DESTROY, SECTOR * 2, SECTOR / ROW), JD_NOR_FLASH_STATUS_OK);
    ram_flash_arm_power_cut(SECTOR / 2);
    CHECK_EQ(cmd_erase(2), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    int ones = 0;
    for (int i = 0; i < SECTOR; i++)
        ones += __builtin_popcount(ram_flash_image()[SECTOR * 2 + i]);
    CHECK(ones > SECTOR * 8 / 4 && ones < SECTOR * 8 * 3 / 4); // about half: neither state
    CHECK(all_ff(ram_flash_image() + SECTOR * 3, SECTOR));
}

static void power_cut_at_every_byte(void) {
    // For every cut point of a two-row program into erased rows: bytes before it programmed, bytes
    // after it erased, the byte at it between 0xFF and the data (only some 1 → 0 changes).
    uint8_t data[2 * ROW];
    fill_rows(data, sizeof data, 10);
    for (uint32_t cut = 0; cut <= sizeof data; cut++) {
        ram_flash_reset(SECTOR, SECTORS, cut + 1);
        nor_flash_core_init(&fc);
        ram_flash_arm_power_cut(cut);
        uint8_t s = cmd_program(2 * ROW, data, sizeof data);
        const uint8_t *img = ram_flash_image() + 2 * ROW;
        CHECK_EQ(s, cut < sizeof data ? JD_NOR_FLASH_STATUS_HARDWARE_ERROR : JD_NOR_FLASH_STATUS_OK);
        for (uint32_t i = 0; i < sizeof data; i++) {
            if (i < cut)
                CHECK_EQ(img[i], data[i]);
            else if (i > cut)
                CHECK_EQ(img[i], 0xff);
            else
                CHECK((img[i] & data[i]) == data[i]);
        }
        CHECK(all_ff(ram_flash_image(), 2 * ROW));
        CHECK(all_ff(img + sizeof data, ROW));
    }
}

static void short_frames(void) {
    setup();
    const uint8_t c[7] = {1, 0, 4, 0, 0, 0, 0};
    CHECK_EQ(nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_READ, c, sizeof c, report), 0);
    CHECK_EQ(nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_PROGRAM, c, 3, report), 0);
    CHECK_EQ(nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_DESTROY, c, sizeof c, report), 0);
    CHECK_EQ(nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_ROW_STATES, c, sizeof c, report), 0);
    CHECK_EQ(fc.malformed, 4);
    CHECK(all_ff(ram_flash_image(), ram_flash_image_size()));
}

const test_case_t flash_tests[] = {
    {"flash: takes the geometry of its partition from the port; row size and encryption registers",
     geometry_and_registers},
    {"flash: programs whole rows into erased rows, across a sector boundary; reads any bytes",
     programs_whole_rows_once},
    {"flash: unaligned, partial, empty, second and destroyed-row programs, out-of-range and oversized requests are "
     "refused and change nothing",
     refusals_change_nothing},
    {"flash: destroy zeroes rows raw (idempotent); row_states tells erased, destroyed, written",
     destroy_and_row_states},
    {"flash: destroy and row_states of 128 rows (a 4 KiB sector) at once", many_rows_at_once},
    {"flash: an offset near 4 GiB is out of range, never wrapped", offsets_never_wrap},
    {"flash: read_rows answers a whole sector in 19 parts of 7 rows, states with the bytes", read_rows_in_parts},
    {"flash: read_rows refuses bad runs, a chip error and a command during an erase with one report and no rows",
     read_rows_refusals},
    {"flash: commands during an erase are answered busy; the erase reports when it ends", busy_during_erase},
    {"flash: a chip error is a hardware_error report, counted, and the server carries on", chip_errors},
    {"flash: a power cut inside a program: rows before written, the row at the cut torn, later rows erased",
     power_cut_in_program},
    {"flash: a power cut inside a destroy zeroes a prefix and leaves later bytes", power_cut_in_destroy},
    {"flash: a power cut inside an erase leaves the sector part-erased", power_cut_in_erase},
    {"flash: a power cut at any byte of a program leaves a prefix and one partial byte", power_cut_at_every_byte},
    {"flash: frames too short for their fields get no report and are counted", short_frames},
    {NULL, NULL},
};
