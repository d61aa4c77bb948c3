// What the flash core needs from the hardware: one data partition, read and write through the flash
// encryption (when the partition is encrypted), raw read and write past it, and a sector erase that
// runs in the background. port/esp32/flash_port.c (esp_partition) and port/host/flash_port.c (a RAM
// NOR flash with power-cut injection, unencrypted) implement it; the build picks one folder.
#pragma once
#include <stdbool.h>
#include <stdint.h>

/** 0 on success; any other value is a hardware error (its code is only logged). */
typedef int flash_port_err_t;

/** Bytes of the region and its erase sector (4096 on ESP32); 0 when there is no region. */
uint32_t flash_port_size(void);
uint32_t flash_port_sector_size(void);

/** Whether reads and writes go through flash encryption (the `encrypted` register). */
bool flash_port_encrypted(void);

/** Read, decrypted when encrypted. Any offset and length. */
flash_port_err_t flash_port_read(uint32_t offset, uint8_t *dst, uint32_t len);
/** Write whole rows into erased rows (the core checks both), encrypted when encrypted. */
flash_port_err_t flash_port_write(uint32_t offset, const uint8_t *src, uint32_t len);
/** The bytes as the chip holds them, never decrypted. */
flash_port_err_t flash_port_read_raw(uint32_t offset, uint8_t *dst, uint32_t len);
/** Write the bytes as they are, never encrypted (the chip only clears bits: zeros destroy a row). */
flash_port_err_t flash_port_write_raw(uint32_t offset, const uint8_t *src, uint32_t len);
/** Starts erasing one sector away from the caller's loop; flash_port_erase_poll says when it ended. */
flash_port_err_t flash_port_erase_start(uint32_t sector);
/** True once the erase started last has ended; then *err is its result. */
bool flash_port_erase_poll(flash_port_err_t *err);
