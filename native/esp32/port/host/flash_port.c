// The host's flash: RAM with NOR physics (a write only clears bits; the row rules are the core's),
// unencrypted (raw and plain access are the same bytes, as the simulator's flash with encryption
// "off"), fault injection, and the simulator's power-cut model (sim/hardware/flash-server.ts) with
// the project's one damage rule (flash_damage.c, from common/flash-damage.ts).
#include "flash_damage.h"
#include "host_port.h"
#include "port/flash_port.h"
#include <stdlib.h>
#include <string.h>

static uint8_t *image;
static uint32_t sector_size, sector_count;
static uint32_t damage_seed;
static uint32_t cuts;       // power cuts so far: each cut's damage has its own seed
static int64_t cut_in = -1; // bytes of work before the armed cut; -1: none
static bool power_off, fail_read, fail_write, hold_erase;
static int64_t erase_sector = -1;
static bool erase_ended;
static flash_port_err_t erase_err;

#define ERR_CHIP -1
#define ERR_POWER -2

static uint32_t next_cut_seed(void) {
    return flash_damage_cut_seed(damage_seed, cuts++);
}

void ram_flash_reset(uint32_t ssize, uint32_t count, uint32_t seed) {
    free(image);
    sector_size = ssize;
    sector_count = count;
    image = malloc((size_t)ssize * count);
    memset(image, 0xff, (size_t)ssize * count);
    damage_seed = seed;
    cuts = 0;
    cut_in = -1;
    power_off = fail_read = fail_write = hold_erase = false;
    erase_sector = -1;
    erase_ended = false;
}
uint8_t *ram_flash_image(void) {
    return image;
}
uint32_t ram_flash_image_size(void) {
    return sector_size * sector_count;
}
void ram_flash_arm_power_cut(uint32_t bytes) {
    cut_in = bytes;
}
bool ram_flash_power_is_off(void) {
    return power_off;
}
void ram_flash_power_on(void) {
    power_off = false;
    cut_in = -1;
}
void ram_flash_fail_next_read(void) {
    fail_read = true;
}
void ram_flash_fail_next_write(void) {
    fail_write = true;
}

uint32_t flash_port_size(void) {
    return sector_size * sector_count;
}
uint32_t flash_port_sector_size(void) {
    return sector_size;
}
bool flash_port_encrypted(void) {
    return false;
}

flash_port_err_t flash_port_read(uint32_t offset, uint8_t *dst, uint32_t len) {
    if (power_off)
        return ERR_POWER;
    if (fail_read) {
        fail_read = false;
        return ERR_CHIP;
    }
    if ((uint64_t)offset + len > flash_port_size())
        abort(); // the core validates first: reaching here is a core defect
    memcpy(dst, image + offset, len);
    return 0;
}

flash_port_err_t flash_port_read_raw(uint32_t offset, uint8_t *dst, uint32_t len) {
    return flash_port_read(offset, dst, len);
}

flash_port_err_t flash_port_write(uint32_t offset, const uint8_t *src, uint32_t len) {
    if (power_off)
        return ERR_POWER;
    if (fail_write) {
        fail_write = false;
        return ERR_CHIP;
    }
    if ((uint64_t)offset + len > flash_port_size())
        abort();
    for (uint32_t i = 0; i < len; i++) {
        if (cut_in == 0) {
            // Only some of the 1 → 0 changes of the byte at the cut point happen.
            image[offset + i] = flash_damage_cut_program_byte(image[offset + i], src[i], next_cut_seed(), offset + i);
            cut_in = -1;
            power_off = true;
            return ERR_POWER;
        }
        image[offset + i] &= src[i];
        if (cut_in > 0)
            cut_in--;
    }
    return 0;
}

flash_port_err_t flash_port_write_raw(uint32_t offset, const uint8_t *src, uint32_t len) {
    return flash_port_write(offset, src, len);
}

static void run_erase(void) {
    uint32_t offset = (uint32_t)erase_sector * sector_size;
    uint8_t *sector = image + offset;
    if (cut_in >= 0 && cut_in < sector_size) {
        uint32_t step = flash_damage_erase_step((uint32_t)cut_in, sector_size), seed = next_cut_seed();
        for (uint32_t i = 0; i < sector_size; i++)
            sector[i] = flash_damage_cut_erase_byte(sector[i], seed, offset + i, step);
        cut_in = -1;
        power_off = true;
        erase_err = ERR_POWER;
    } else {
        if (cut_in > 0)
            cut_in -= sector_size;
        memset(sector, 0xff, sector_size);
        erase_err = 0;
    }
    erase_ended = true;
}

flash_port_err_t flash_port_erase_start(uint32_t sector) {
    if (power_off)
        return ERR_POWER;
    if (sector >= sector_count)
        abort();
    erase_sector = sector;
    erase_ended = false;
    if (!hold_erase)
        run_erase();
    return 0;
}

void ram_flash_hold_erase(bool hold) {
    hold_erase = hold;
    if (!hold && erase_sector >= 0 && !erase_ended)
        run_erase();
}

bool flash_port_erase_poll(flash_port_err_t *err) {
    if (!erase_ended)
        return false;
    erase_ended = false;
    erase_sector = -1;
    *err = erase_err;
    return true;
}
