// The project's one power-cut damage rule (common/flash-damage.ts, docs/storage.md "Power cuts") in
// C, for the host port's RAM flash: the same seed gives the same damaged bytes as the simulator's
// flash server and the VM's RAM flash. test/native/conformance.test.ts runs the shared power-cut
// cases (conformance/nor-flash.json) on both and compares every byte.
#pragma once
#include <stdint.h>

/** An interrupted erase is resolved in this many steps of progress (sixteenths of the sector). */
#define FLASH_DAMAGE_ERASE_STEPS 16u

/** 32 pseudo-random bits for the byte at flash `offset` in the cut with seed `seed` (lowbias32). */
uint32_t flash_damage_bits(uint32_t seed, uint32_t offset);
/** A program (or destroy) cut at the byte at `offset` holding `current`, being written with `want`. */
uint8_t flash_damage_cut_program_byte(uint8_t current, uint8_t want, uint32_t seed, uint32_t offset);
/** How far an erase got when cut after `bytes_done` of its `sector_size` bytes: 0 … ERASE_STEPS - 1. */
uint32_t flash_damage_erase_step(uint32_t bytes_done, uint32_t sector_size);
/** An erase cut at `step` for the byte at `offset` holding `current`: some 0 bits rise to 1. */
uint8_t flash_damage_cut_erase_byte(uint8_t current, uint32_t seed, uint32_t offset, uint32_t step);
/** The seed of cut number `cut` (0, 1, …) of a flash made with `damage_seed`. */
uint32_t flash_damage_cut_seed(uint32_t damage_seed, uint32_t cut);
