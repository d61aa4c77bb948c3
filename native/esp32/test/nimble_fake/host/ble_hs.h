// For the host tests only: the few NimBLE declarations port/esp32/gap_events.c and link_events.c
// use, written from NimBLE's documented API (field names as in host/ble_gap.h), so that the event
// feeder can drive the real event handlers. Values of the constants are this fake's own; the board build uses NimBLE's.
#pragma once
#include <stdint.h>
#include "syscfg/syscfg.h"

typedef struct {
    uint8_t type;
    uint8_t val[6];
} ble_addr_t;

#define BLE_HCI_ADV_RPT_EVTYPE_ADV_IND 0
#define BLE_HCI_ADV_RPT_EVTYPE_NONCONN_IND 3
#define BLE_HCI_ADV_RPT_EVTYPE_SCAN_RSP 4
#define BLE_HCI_ADV_LEGACY_MASK 0x10
#define BLE_GAP_EXT_ADV_DATA_STATUS_COMPLETE 0
#define BLE_GAP_EXT_ADV_DATA_STATUS_TRUNCATED 2

#define BLE_GAP_EVENT_DISC 3
#define BLE_GAP_EVENT_DISC_COMPLETE 8
#define BLE_GAP_EVENT_EXT_DISC 19

struct ble_gap_disc_desc {
    uint8_t event_type;
    uint8_t length_data;
    ble_addr_t addr;
    int8_t rssi;
    const uint8_t *data;
    ble_addr_t direct_addr;
};

struct ble_gap_ext_disc_desc {
    uint8_t props;
    uint8_t data_status;
    uint8_t legacy_event_type;
    ble_addr_t addr;
    int8_t rssi;
    int8_t tx_power;
    uint8_t sid;
    uint8_t prim_phy;
    uint8_t sec_phy;
    uint8_t length_data;
    const uint8_t *data;
    uint16_t periodic_adv_itvl;
    ble_addr_t direct_addr;
};

struct ble_gap_conn_desc {
    ble_addr_t peer_ota_addr;
    uint16_t conn_handle;
};

struct ble_gap_event {
    uint8_t type;
    union {
        struct {
            int status;
            uint16_t conn_handle;
        } connect;
        struct {
            int reason;
            struct ble_gap_conn_desc conn;
        } disconnect;
        struct {
            uint16_t conn_handle;
            uint16_t channel_id;
            uint16_t value;
        } mtu;
        struct ble_gap_disc_desc disc;
        struct ble_gap_ext_disc_desc ext_disc;
        struct {
            int reason;
        } disc_complete;
    };
};

// The sync link (port/esp32/link_events.c): connection events, the GATT write callback, and the
// few host calls it makes, which test/link_tests.c implements as recording fakes.
#define BLE_GAP_EVENT_CONNECT 0
#define BLE_GAP_EVENT_DISCONNECT 1
#define BLE_GAP_EVENT_MTU 15
#define BLE_HS_CONN_HANDLE_NONE 0xffff
#define BLE_ERR_REM_USER_CONN_TERM 0x13
#define BLE_GATT_ACCESS_OP_READ_CHR 0
#define BLE_GATT_ACCESS_OP_WRITE_CHR 1
#define BLE_ATT_ERR_WRITE_NOT_PERMITTED 0x03
#define BLE_ATT_ERR_INVALID_ATTR_VALUE_LEN 0x0d
#define BLE_ATT_ERR_UNLIKELY 0x0e
#define BLE_ATT_ERR_INSUFFICIENT_RES 0x11

struct ble_gatt_error {
    uint16_t status;
    uint16_t att_handle;
};
struct os_mbuf; // the fake's own (test/link_tests.c)
struct ble_gatt_access_ctxt {
    uint8_t op;
    struct os_mbuf *om;
};
typedef int ble_gatt_mtu_fn(uint16_t conn_handle, const struct ble_gatt_error *error, uint16_t mtu, void *arg);

int ble_gap_conn_find(uint16_t handle, struct ble_gap_conn_desc *out_desc);
int ble_gap_terminate(uint16_t conn_handle, uint8_t hci_reason);
int ble_gattc_exchange_mtu(uint16_t conn_handle, ble_gatt_mtu_fn *cb, void *cb_arg);
uint16_t ble_att_mtu(uint16_t conn_handle);
int ble_hs_mbuf_to_flat(const struct os_mbuf *om, void *flat, uint16_t max_len, uint16_t *out_copy_len);
