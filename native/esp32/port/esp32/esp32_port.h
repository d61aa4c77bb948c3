// Start-up of the ESP32 port, called once from the jd/ glue before the servers take commands.
#pragma once
#include "core/gaen_radio_core.h"

/** Finds the "gaenlog" partition and starts the erase task; `wake` wakes the Jacdac loop (the
 *  runtime's jdesp_wake_main) when an erase has ended. Returns 0, or -1 without a usable partition
 *  (the flash server then reports a region of 0 sectors: every command is out_of_range). */
int flash_port_esp32_init(void (*wake)(void));

/** Starts NimBLE (controller, the sync link's GATT service, host task); scan reports, window ends
 *  and the sync link's events go to `rc`; `wake` wakes the Jacdac loop when a link_event waits.
 *  Returns -1 when the radio or the sync link could not start (the beacon may still work). */
int radio_port_esp32_init(gaen_radio_core_t *rc, void (*wake)(void));
