// The GAEN Radio service's logic (services/gaen-radio.md), independent of NimBLE and of Jacdac's
// runtime: command validation, the per-address table of one scan window (mean RSSI, packets,
// payload), paging it into one frame per report, and rotation (address and payload together;
// deferred to the end of a scan where the controller refuses an address change while scanning),
// and the sync link (commands 0x84-0x87): a connectable advertisement, one host at a time, its
// writes queued for the Jacdac loop as link_event reports, notifications sent back.
// The Bluetooth stack is reached only through port/radio_port.h.
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "frame.h"

#define GAEN_RADIO_ADDRESS_BYTES 6
#define GAEN_RADIO_MAX_ADV_DATA 31
#define GAEN_RADIO_MIN_SCAN_MS 100
#define GAEN_RADIO_MAX_SCAN_MS 30000
/** Addresses kept per window (44 bytes each); more are counted in `heard_dropped`. */
#ifndef GAEN_RADIO_MAX_HEARD
#define GAEN_RADIO_MAX_HEARD 200
#endif
#define GAEN_RADIO_REPORT_MAX JD_SERVICE_PAYLOAD_MAX
/** ATT MTU bounds of the sync link: BLE 4.0's minimum, and the largest whose value (MTU - 3) and
 *  the link_event byte fit one Jacdac packet (services/gaen-radio.md). */
#define GAEN_RADIO_LINK_MIN_MTU 23
#define GAEN_RADIO_LINK_MAX_MTU 238
/** link_event reports waiting for the Jacdac loop (236 bytes each). While a host is connected one
 *  slot is always kept for its disconnection, so that the firmware never misses it. */
#ifndef GAEN_RADIO_LINK_QUEUE
#define GAEN_RADIO_LINK_QUEUE 4
#endif
#define GAEN_RADIO_LINK_EVENT_CONNECTED 1
#define GAEN_RADIO_LINK_EVENT_DISCONNECTED 2
#define GAEN_RADIO_LINK_EVENT_VALUE 3

typedef struct {
    uint8_t address[GAEN_RADIO_ADDRESS_BYTES];
    uint8_t payload_len;
    uint8_t payload[GAEN_RADIO_MAX_ADV_DATA];
    uint16_t packets; // saturating
    int32_t rssi_sum; // dBm, over `packets` (saturation stops the sum too, so the mean stays right)
} gaen_radio_heard_t;

/** An advertisement: address then data, as the advertise command carries it. */
typedef struct {
    uint8_t len; // 0: none
    uint8_t bytes[GAEN_RADIO_ADDRESS_BYTES + GAEN_RADIO_MAX_ADV_DATA];
} gaen_radio_adv_t;

/** One link_event report waiting to be sent. */
typedef struct {
    uint8_t len;
    uint8_t bytes[GAEN_RADIO_REPORT_MAX];
} gaen_radio_link_event_t;

typedef struct {
    bool advertising; // the register: something is (or is about to be) on air
    bool scanning;
    gaen_radio_adv_t pending; // waits for the end of the scan (legacy controllers only)
    uint16_t heard_count;
    gaen_radio_heard_t heard[GAEN_RADIO_MAX_HEARD];
    // The sync link. Changed by the Bluetooth task (connect, write, disconnect) and the Jacdac
    // loop (commands): always under the port's lock.
    bool sync_advertising;
    bool connected;
    uint16_t mtu;
    uint8_t host[GAEN_RADIO_ADDRESS_BYTES];
    uint8_t events_head, events_count;
    gaen_radio_link_event_t events[GAEN_RADIO_LINK_QUEUE];
    /** Counters a board can log. */
    uint32_t heard_dropped; // addresses beyond the table, or payloads over 31 bytes
    uint32_t port_errors;
    uint32_t refused;      // commands with bad sizes or values, which change nothing
    uint32_t link_refused; // connections outside a sync advertisement, writes too long or with no room
} gaen_radio_core_t;

void gaen_radio_core_init(gaen_radio_core_t *rc);

/**
 * Handles one command frame. Writes a report into `report` (GAEN_RADIO_REPORT_MAX bytes) and returns
 * its length; only scan_results has one. Malformed commands change nothing.
 */
size_t gaen_radio_core_command(gaen_radio_core_t *rc, uint16_t cmd, const uint8_t *data, size_t size, uint8_t *report);

/** Call from the loop: puts a rotation deferred by a scan on air once the scan has ended. */
void gaen_radio_core_process(gaen_radio_core_t *rc);

/** From the port, for every legacy advertising packet heard while scanning. */
void gaen_radio_core_heard(gaen_radio_core_t *rc, const uint8_t address[6], int8_t rssi, const uint8_t *data,
                           size_t len);
/** From the port when the scan window has ended (or was cut short). */
void gaen_radio_core_scan_done(gaen_radio_core_t *rc);

/**
 * From the port when a host has connected to the sync advertisement and the ATT MTU is agreed.
 * Returns false when the connection is refused (no sync advertisement on air, a host already
 * connected): the port must then end it. Accepted: the sync advertisement stops.
 */
bool gaen_radio_core_link_connected(gaen_radio_core_t *rc, uint16_t mtu, const uint8_t host[6]);
typedef enum {
    GAEN_RADIO_LINK_TAKEN,
    GAEN_RADIO_LINK_NOT_CONNECTED,
    GAEN_RADIO_LINK_TOO_LONG,  // more than MTU - 3 bytes
    GAEN_RADIO_LINK_QUEUE_FULL // the loop has not sent the earlier ones yet
} gaen_radio_link_write_t;
/** From the port for each GATT write of the connected host. A value not taken is lost to the
 *  firmware: the port answers the write with an ATT error, so the host knows. */
gaen_radio_link_write_t gaen_radio_core_link_written(gaen_radio_core_t *rc, const uint8_t *value, size_t len);
/** From the port when the connection has ended (either side). */
void gaen_radio_core_link_disconnected(gaen_radio_core_t *rc);
/** The next link_event report to send unasked (written into `report`), or 0: none. Call from the
 *  loop until it returns 0. */
size_t gaen_radio_core_next_link_event(gaen_radio_core_t *rc, uint8_t *report);

/** The mean of `packets` RSSI values summing to `sum`, rounded as the simulator rounds, in -127..20. */
int8_t gaen_radio_mean_rssi(int32_t sum, uint16_t packets);
