// What the radio core needs from the Bluetooth stack. port/esp32/radio_port.c (NimBLE: legacy
// advertising on the ESP32, extended advertising with legacy PDUs on the C3/S3) and
// port/host/radio_port.c (a recording fake for the host tests) implement it.
// The port delivers what it hears with gaen_radio_core_heard() and the end of a window with
// gaen_radio_core_scan_done(), from the Bluetooth task; the core guards its state with the lock.
#pragma once
#include <stdbool.h>
#include <stdint.h>

typedef int radio_port_err_t;

/** One advertising set per instance: the GAEN beacon (ADV_NONCONN_IND) is instance 0, the sync
 *  link's connectable advertisement (ADV_IND) instance 1. Where the controller has one set only
 *  (ESP32), the port time-shares it between the two; neither instance ever changes the other. */
#define RADIO_PORT_BEACON_INSTANCE 0
#define RADIO_PORT_SYNC_INSTANCE 1

/** Stop, set the random address, set the data, start: address and payload change together. */
radio_port_err_t radio_port_adv_start(uint8_t instance, const uint8_t address[6], const uint8_t *data, uint8_t len);
radio_port_err_t radio_port_adv_stop(uint8_t instance);
/** Passive scan for duration_ms, every packet reported (no duplicate filter); restarts a running one. */
radio_port_err_t radio_port_scan_start(uint32_t duration_ms);
/** One GATT notification of the sync link's notify characteristic to the connected host. */
radio_port_err_t radio_port_link_notify(const uint8_t *value, uint16_t len);
/** Ends the sync link's connection (if any); the port then reports nothing more of it. */
radio_port_err_t radio_port_link_disconnect(void);
/** The core queued a link_event report: wake the loop that sends it (gaen_radio_core_next_link_event). */
void radio_port_link_event_queued(void);
/** False where the controller may refuse a random address change during a scan (ESP32, BLE 4.2). */
bool radio_port_address_change_while_scanning(void);

void radio_port_lock(void);
void radio_port_unlock(void);
