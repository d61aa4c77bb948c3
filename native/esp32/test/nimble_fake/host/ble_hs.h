// For the host tests only: the few NimBLE declarations port/esp32/gap_events.c uses, written from
// NimBLE's documented API (field names as in host/ble_gap.h), so that the event feeder can drive
// the real event handler. Values of the constants are this fake's own; the board build uses NimBLE's.
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

struct ble_gap_event {
    uint8_t type;
    union {
        struct ble_gap_disc_desc disc;
        struct ble_gap_ext_disc_desc ext_disc;
        struct {
            int reason;
        } disc_complete;
    };
};
