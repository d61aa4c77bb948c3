#include "link_events.h"
#include "host/ble_hs.h"

// Written on NimBLE's host task only; the Jacdac loop only reads `conn` (one aligned 16-bit word).
static uint16_t conn = BLE_HS_CONN_HANDLE_NONE;
static bool reported; // the core has been told of `conn` (accepted or refused)

/** Tells the core once the MTU is agreed; a refused connection is ended at once. */
static void report_connected(gaen_radio_core_t *rc, uint16_t handle, uint16_t mtu) {
    if (handle != conn || reported)
        return;
    reported = true;
    struct ble_gap_conn_desc desc;
    if (ble_gap_conn_find(handle, &desc) != 0 || !gaen_radio_core_link_connected(rc, mtu, desc.peer_ota_addr.val))
        ble_gap_terminate(handle, BLE_ERR_REM_USER_CONN_TERM);
}

static int mtu_exchanged(uint16_t handle, const struct ble_gatt_error *error, uint16_t mtu, void *arg) {
    // Success also comes as BLE_GAP_EVENT_MTU; a host that does not answer keeps the default MTU.
    report_connected(arg, handle, error->status == 0 ? mtu : ble_att_mtu(handle));
    return 0;
}

void gaen_radio_link_gap_event(struct ble_gap_event *event, gaen_radio_core_t *rc) {
    switch (event->type) {
    case BLE_GAP_EVENT_CONNECT:
        if (event->connect.status != 0)
            return; // no connection was made
        if (conn != BLE_HS_CONN_HANDLE_NONE) {
            ble_gap_terminate(event->connect.conn_handle, BLE_ERR_REM_USER_CONN_TERM); // one host only
            return;
        }
        conn = event->connect.conn_handle;
        reported = false;
        // Ask for the largest MTU (ble_att_set_preferred_mtu caps it at 238) ourselves, so that the
        // connection is reported even when the host never asks.
        if (ble_gattc_exchange_mtu(conn, mtu_exchanged, rc) != 0)
            report_connected(rc, conn, ble_att_mtu(conn));
        return;
    case BLE_GAP_EVENT_MTU:
        report_connected(rc, event->mtu.conn_handle, event->mtu.value);
        return;
    case BLE_GAP_EVENT_DISCONNECT:
        if (event->disconnect.conn.conn_handle != conn)
            return;
        conn = BLE_HS_CONN_HANDLE_NONE;
        if (reported)
            gaen_radio_core_link_disconnected(rc); // nothing when the core refused or ended it
        return;
    default:
        return;
    }
}

int gaen_radio_link_access(uint16_t conn_handle, uint16_t attr_handle, struct ble_gatt_access_ctxt *ctxt, void *arg) {
    (void)attr_handle;
    if (ctxt->op != BLE_GATT_ACCESS_OP_WRITE_CHR || conn_handle != conn || !reported)
        return BLE_ATT_ERR_WRITE_NOT_PERMITTED;
    // One byte more than any MTU allows, so that a value too long is seen as too long, not cut.
    uint8_t value[GAEN_RADIO_LINK_MAX_MTU - 3 + 1];
    uint16_t len = 0;
    if (ble_hs_mbuf_to_flat(ctxt->om, value, sizeof value, &len) != 0)
        return BLE_ATT_ERR_UNLIKELY;
    switch (gaen_radio_core_link_written(arg, value, len)) {
    case GAEN_RADIO_LINK_TAKEN:
        return 0;
    case GAEN_RADIO_LINK_TOO_LONG:
        return BLE_ATT_ERR_INVALID_ATTR_VALUE_LEN;
    case GAEN_RADIO_LINK_QUEUE_FULL:
        return BLE_ATT_ERR_INSUFFICIENT_RES;
    default:
        return BLE_ATT_ERR_WRITE_NOT_PERMITTED;
    }
}

uint16_t gaen_radio_link_conn(void) {
    return reported ? conn : BLE_HS_CONN_HANDLE_NONE;
}

bool gaen_radio_link_busy(void) {
    return conn != BLE_HS_CONN_HANDLE_NONE;
}
