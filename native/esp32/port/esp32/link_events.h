// The sync link's NimBLE side that needs no board: the connection's GAP events (connect, ATT MTU,
// disconnect) and the GATT write callback, turned into the radio core's calls. One connection at a
// time; it is reported to the core only once its ATT MTU is agreed, since the connected event
// carries it. Host-tested with test/nimble_fake (test/link_tests.c).
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "core/gaen_radio_core.h"

struct ble_gap_event;
struct ble_gatt_access_ctxt;

/** BLE_GAP_EVENT_CONNECT, _DISCONNECT and _MTU of the sync link (from gaen_radio_gap_event). */
void gaen_radio_link_gap_event(struct ble_gap_event *event, gaen_radio_core_t *rc);

/** The write characteristic's access callback (a ble_gatt_access_fn); `arg` is the core. Answers
 *  0, or an ATT error the host sees: not connected, value too long, or the queue full. */
int gaen_radio_link_access(uint16_t conn_handle, uint16_t attr_handle, struct ble_gatt_access_ctxt *ctxt, void *arg);

/** Whether any host is connected, reported to the core or not yet (the sync advertisement then
 *  stays off the air in the time-shared set). */
bool gaen_radio_link_busy(void);

/** The connection the core knows of (BLE_HS_CONN_HANDLE_NONE: none), for notify and terminate. */
uint16_t gaen_radio_link_conn(void);
