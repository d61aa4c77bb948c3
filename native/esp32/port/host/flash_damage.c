// The power-cut damage rule of common/flash-damage.ts, in C. The TypeScript works on 32-bit signed
// integers (Math.imul, `| 0`, `>>>`); every step here is the same on uint32_t: multiplication and
// addition wrap modulo 2^32 in both, and the bits are the same whichever way they are read.
#include "flash_damage.h"

uint32_t flash_damage_bits(uint32_t seed, uint32_t offset) {
    // lowbias32 (Chris Wellons, hash prospector) of the seed and the offset times the golden ratio.
    uint32_t x = seed ^ ((offset + 1u) * 0x9e3779b9u);
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

uint8_t flash_damage_cut_program_byte(uint8_t current, uint8_t want, uint32_t seed, uint32_t offset) {
    // Of the byte's 1 → 0 changes, those whose bit in the low byte of the damage bits is 1 happen.
    uint8_t clears = (uint8_t)(current & ~want);
    return (uint8_t)(current & ~(clears & flash_damage_bits(seed, offset)));
}

uint32_t flash_damage_erase_step(uint32_t bytes_done, uint32_t sector_size) {
    return (uint32_t)(((uint64_t)bytes_done * FLASH_DAMAGE_ERASE_STEPS) / sector_size);
}

uint8_t flash_damage_cut_erase_byte(uint8_t current, uint32_t seed, uint32_t offset, uint32_t step) {
    if (current == 0xff)
        return current;
    // Bit b rises when nibble b of the damage bits is below the step: probability step / 16.
    uint32_t d = flash_damage_bits(seed, offset);
    uint8_t raised = 0;
    for (unsigned bit = 0; bit < 8; bit++)
        if (((d >> (4 * bit)) & 15u) < step)
            raised |= (uint8_t)(1u << bit);
    return (uint8_t)(current | raised);
}

uint32_t flash_damage_cut_seed(uint32_t damage_seed, uint32_t cut) {
    return damage_seed + cut * 0x6d2b79f5u;
}
