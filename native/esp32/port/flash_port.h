// What the flash core needs from the hardware: one data partition, read, write and a sector erase
// that runs in the background. port/esp32/flash_port.c (esp_partition) and port/host/flash_port.c
// (a RAM NOR flash with power-cut injection) implement it; the build picks one folder.
#pragma once
#include <stdbool.h>
#include <stdint.h>

/** 0 on success; any other value is a hardware error (its code is only logged). */
typedef int flash_port_err_t;

/** Bytes of the region and its erase sector (4096 on ESP32); 0 when there is no region. */
uint32_t flash_port_size(void);
uint32_t flash_port_sector_size(void);

flash_port_err_t flash_port_read(uint32_t offset, uint8_t *dst, uint32_t len);
/** Plain NOR program: the chip only clears bits (the core ANDs explicitly beforehand). */
flash_port_err_t flash_port_write(uint32_t offset, const uint8_t *src, uint32_t len);
/** Starts erasing one sector away from the caller's loop; flash_port_erase_poll says when it ended. */
flash_port_err_t flash_port_erase_start(uint32_t sector);
/** True once the erase started last has ended; then *err is its result. */
bool flash_port_erase_poll(flash_port_err_t *err);
