// Controls of the host port for the tests: a RAM NOR flash with fault and power-cut injection, and
// a radio that records what would go on air. Not part of any board build.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A blank (all 0xFF) flash of `sector_count` sectors; `seed` is the damage seed of its power cuts
 *  (common/flash-damage.ts: the simulator's FlashServer with the same damageSeed damages the same bytes). */
void ram_flash_reset(uint32_t sector_size, uint32_t sector_count, uint32_t seed);
uint8_t *ram_flash_image(void);
uint32_t ram_flash_image_size(void);
/** Cut power after `bytes` more bytes of work (a program or destroy byte is 1, an erase is one sector), as
 *  sim/hardware/flash-server.ts does; afterwards every port call fails until ram_flash_power_on(). */
void ram_flash_arm_power_cut(uint32_t bytes);
bool ram_flash_power_is_off(void);
void ram_flash_power_on(void);
/** Make the next port call of this kind fail (a chip error), once. */
void ram_flash_fail_next_read(void);
void ram_flash_fail_next_write(void);
/** While held, a started erase does not end (to see `busy`); erases run when released. */
void ram_flash_hold_erase(bool hold);

/** What the radio did: advertising started or stopped (per instance), a scan, and on the sync link a
 *  notification sent or the connection ended by the token. */
typedef enum { AIR_START, AIR_STOP, AIR_SCAN, LINK_NOTIFY, LINK_DISCONNECT } radio_call_kind_t;
typedef struct {
    radio_call_kind_t kind;
    uint8_t instance;
    uint8_t address[6];
    uint8_t len;
    uint8_t data[236]; // advertising data (at most 31) or a notification (at most MTU - 3)
    uint32_t duration_ms;
} radio_call_t;

#define RADIO_FAKE_MAX_CALLS 64
void radio_fake_reset(bool address_change_while_scanning);
size_t radio_fake_call_count(void);
const radio_call_t *radio_fake_call(size_t i);
/** Make the next advertising start, scan start or notification fail, once. */
void radio_fake_fail_next(void);
