// Start-up of the ESP32 port, called once from the jd/ glue before the servers take commands.
#pragma once
#include "core/gaen_radio_core.h"

/** Finds the "gaenlog" partition and starts the erase task; `wake` wakes the Jacdac loop (the
 *  runtime's jdesp_wake_main) when an erase has ended. Returns 0, or -1 without a usable partition
 *  (the flash server then reports a region of 0 sectors: every command is out_of_range). */
int flash_port_esp32_init(void (*wake)(void));

/** Starts NimBLE (controller and host task); scan reports and window ends go to `rc`. */
int radio_port_esp32_init(gaen_radio_core_t *rc);
