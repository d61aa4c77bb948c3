// The flash core on the RAM NOR flash, through command bytes as a Jacdac frame carries them.
// Mirrors test/sim/flash-server.test.ts, plus what only a board has: a chip error and `busy`.
#include "check.h"
#include "core/bytes.h"
#include "core/nor_flash_core.h"
#include "gen/nor_flash.h"
#include "port/host/host_port.h"

#define SECTOR 256
#define SECTORS 8

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
static int all_ff(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xff)
            return 0;
    return 1;
}

static void geometry(void) {
    setup();
    CHECK_EQ(fc.sector_size, SECTOR);
    CHECK_EQ(fc.sector_count, SECTORS);
}

static void nor_semantics(void) {
    setup();
    CHECK_EQ(cmd_program(300, (const uint8_t[]){0x0f, 0xf0, 0xaa}, 3), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_program(300, (const uint8_t[]){0xf0, 0xff, 0x0f}, 3), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(cmd_read(299, 5), JD_NOR_FLASH_STATUS_OK);
    CHECK_EQ(report_len, 8 + 5);
    CHECK_BYTES(report + 8, ((const uint8_t[]){0xff, 0x00, 0xf0, 0x0a, 0xff}), 5);
    cmd_program(10, (const uint8_t[]){0x12}, 1);
    CHECK_EQ(cmd_erase(1), JD_NOR_FLASH_STATUS_OK);
    CHECK(all_ff(ram_flash_image() + SECTOR, SECTOR));
    CHECK_EQ(ram_flash_image()[10], 0x12);
}

static void program_crosses_sectors(void) {
    setup();
    uint8_t zeros[224] = {0};
    CHECK_EQ(cmd_program(SECTOR - 100, zeros, sizeof zeros), JD_NOR_FLASH_STATUS_OK);
    CHECK(ram_flash_image()[SECTOR - 101] == 0xff && ram_flash_image()[SECTOR - 100] == 0);
    CHECK(ram_flash_image()[SECTOR + 123] == 0 && ram_flash_image()[SECTOR + 124] == 0xff);
}

static void refusals_change_nothing(void) {
    setup();
    CHECK_EQ(cmd_read(SECTOR * SECTORS - 2, 3), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(report_len, 8); // no data on a refusal
    CHECK_EQ(cmd_read(0, 225), JD_NOR_FLASH_STATUS_TOO_LONG);
    CHECK_EQ(cmd_program(SECTOR * SECTORS, (const uint8_t[]){0}, 1), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    uint8_t zeros[225] = {0};
    CHECK_EQ(cmd_program(0, zeros, sizeof zeros), JD_NOR_FLASH_STATUS_TOO_LONG);
    CHECK_EQ(cmd_erase(SECTORS), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_read(SECTOR * SECTORS - 2, 2), JD_NOR_FLASH_STATUS_OK);
    CHECK(all_ff(ram_flash_image(), ram_flash_image_size()));
}

static void offsets_never_wrap(void) {
    setup();
    // 0xFFFFFFF0 + 32 wraps to 16 in 32-bit arithmetic: it must be out of range, not offset 16.
    uint8_t zeros[32] = {0};
    CHECK_EQ(cmd_program(0xfffffff0u, zeros, sizeof zeros), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_read(0xfffffff0u, 32), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK_EQ(cmd_erase(0xffffffffu), JD_NOR_FLASH_STATUS_OUT_OF_RANGE);
    CHECK(all_ff(ram_flash_image(), ram_flash_image_size()));
}

static void busy_during_erase(void) {
    setup();
    cmd_program(SECTOR * 3, (const uint8_t[]){0}, 1);
    ram_flash_hold_erase(true);
    CHECK_EQ(cmd_erase_start(3), 0xff);
    uint16_t erase_tag = next_tag;
    CHECK_EQ(nor_flash_core_poll(&fc, report), 0); // still erasing: no report yet
    CHECK_EQ(cmd_read(0, 4), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(report_len, 8);
    CHECK_EQ(cmd_program(0, (const uint8_t[]){0}, 1), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(cmd_erase_start(2), JD_NOR_FLASH_STATUS_BUSY);
    CHECK_EQ(ram_flash_image()[0], 0xff); // the busy program changed nothing
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
    ram_flash_fail_next_read();
    CHECK_EQ(cmd_read(0, 4), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    CHECK_EQ(report_len, 8);
    ram_flash_fail_next_write();
    CHECK_EQ(cmd_program(0, (const uint8_t[]){0}, 1), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    CHECK_EQ(fc.hardware_errors, 2);
    CHECK(all_ff(ram_flash_image(), ram_flash_image_size()));
    CHECK_EQ(cmd_read(0, 4), JD_NOR_FLASH_STATUS_OK); // the server carries on
}

static void power_cut_in_program(void) {
    setup();
    ram_flash_arm_power_cut(5);
    const uint8_t data[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_EQ(cmd_program(20, data, sizeof data), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    const uint8_t *img = ram_flash_image();
    CHECK_BYTES(img + 20, data, 5);
    CHECK_EQ(img[25] & 5, 5);
    CHECK(all_ff(img + 26, 4));
    CHECK(ram_flash_power_is_off());
    CHECK_EQ(cmd_read(0, 4), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    ram_flash_power_on();
    CHECK_EQ(cmd_read(20, 5), JD_NOR_FLASH_STATUS_OK);
}

static void power_cut_in_erase(void) {
    setup();
    uint8_t zeros[SECTOR] = {0};
    for (int i = 0; i < SECTOR; i += 128)
        cmd_program(SECTOR * 2 + i, zeros, 128);
    ram_flash_arm_power_cut(SECTOR / 2);
    CHECK_EQ(cmd_erase(2), JD_NOR_FLASH_STATUS_HARDWARE_ERROR);
    int ones = 0;
    for (int i = 0; i < SECTOR; i++)
        ones += __builtin_popcount(ram_flash_image()[SECTOR * 2 + i]);
    CHECK(ones > SECTOR * 8 / 4 && ones < SECTOR * 8 * 3 / 4); // about half: neither state
    CHECK(all_ff(ram_flash_image() + SECTOR * 3, SECTOR));
}

static void power_cut_at_every_byte(void) {
    // For every cut point of a 12-byte program over a pattern: bytes before it programmed, bytes
    // after it untouched, the byte at it between old and new (only 1 → 0 changes, some of them).
    const uint8_t old = 0xf5, data[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    for (uint32_t cut = 0; cut <= sizeof data; cut++) {
        setup();
        ram_flash_reset(SECTOR, SECTORS, cut + 1);
        uint8_t pattern[sizeof data];
        memset(pattern, old, sizeof pattern);
        cmd_program(40, pattern, sizeof pattern);
        ram_flash_arm_power_cut(cut);
        uint8_t s = cmd_program(40, data, sizeof data);
        const uint8_t *img = ram_flash_image() + 40;
        CHECK_EQ(s, cut < sizeof data ? JD_NOR_FLASH_STATUS_HARDWARE_ERROR : JD_NOR_FLASH_STATUS_OK);
        for (uint32_t i = 0; i < sizeof data; i++) {
            uint8_t done = old & data[i];
            if (i < cut)
                CHECK_EQ(img[i], done);
            else if (i > cut)
                CHECK_EQ(img[i], old);
            else
                CHECK((img[i] & done) == done && (img[i] | old) == old);
        }
        CHECK_EQ(img[-1], 0xff);
        CHECK_EQ(img[sizeof data], 0xff);
    }
}

static void short_frames(void) {
    setup();
    const uint8_t c[7] = {1, 0, 4, 0, 0, 0, 0};
    CHECK_EQ(nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_READ, c, sizeof c, report), 0);
    CHECK_EQ(nor_flash_core_command(&fc, JD_NOR_FLASH_CMD_PROGRAM, c, 3, report), 0);
    CHECK_EQ(fc.malformed, 2);
    CHECK(all_ff(ram_flash_image(), ram_flash_image_size()));
}

const test_case_t flash_tests[] = {
    {"flash: takes the geometry of its partition from the port", geometry},
    {"flash: program only clears bits, erase sets a sector to 0xFF", nor_semantics},
    {"flash: a program may cross a sector boundary", program_crosses_sectors},
    {"flash: out-of-range and oversized requests fail with a status and change nothing", refusals_change_nothing},
    {"flash: an offset near 4 GiB is out of range, never wrapped", offsets_never_wrap},
    {"flash: commands during an erase are answered busy; the erase reports when it ends", busy_during_erase},
    {"flash: a chip error is a hardware_error report, counted, and the server carries on", chip_errors},
    {"flash: a power cut inside a program keeps the prefix", power_cut_in_program},
    {"flash: a power cut inside an erase leaves the sector part-erased", power_cut_in_erase},
    {"flash: a power cut at any byte of a program leaves a prefix and one partial byte", power_cut_at_every_byte},
    {"flash: frames too short for their fields get no report and are counted", short_frames},
    {NULL, NULL},
};
