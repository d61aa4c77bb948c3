// radio_port.h on NimBLE (ESP-IDF 5.0). Two paths, chosen by NimBLE's own build switch:
// - ESP32 (BLE 4.2, CONFIG_BT_NIMBLE_EXT_ADV off): legacy advertising with the host's one random
//   address; the controller may refuse an address change while scanning, so the core defers it.
// - ESP32-C3/S3 (CONFIG_BT_NIMBLE_EXT_ADV on): there the legacy calls return BLE_HS_ENOTSUP, so an
//   extended advertising instance with legacy PDUs and its own address; scan reports come as
//   BLE_GAP_EVENT_EXT_DISC (both events are handled in gap_events.c).
// Every ble_gap_* result is checked and returned; nothing is allocated per packet.
#include "port/radio_port.h"
#include "esp32_port.h"
#include "gap_events.h"
#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "host/ble_hs.h"
#include "nimble/nimble_port.h"
#include "nimble/nimble_port_freertos.h"
#include <string.h>

#define TAG "gaen_radio"
/** 250 ms, as the firmware reports in advertising_interval (GAEN asks for 200–270 ms). */
#define ADV_INTERVAL_MS 250
/** Scan interval = window: listen all the time during a window. */
#define SCAN_ITVL_MS 60

static gaen_radio_core_t *core;
static portMUX_TYPE core_lock = portMUX_INITIALIZER_UNLOCKED;

void radio_port_lock(void) {
    portENTER_CRITICAL(&core_lock);
}
void radio_port_unlock(void) {
    portEXIT_CRITICAL(&core_lock);
}

bool radio_port_address_change_while_scanning(void) {
    return MYNEWT_VAL(BLE_EXT_ADV) != 0;
}

static int logged(const char *what, int rc) {
    if (rc != 0)
        ESP_LOGE(TAG, "%s failed: %d", what, rc);
    return rc;
}

#if MYNEWT_VAL(BLE_EXT_ADV)

radio_port_err_t radio_port_adv_start(uint8_t instance, const uint8_t address[6], const uint8_t *data,
                                      uint8_t len) {
    if (ble_gap_ext_adv_active(instance) && logged("ext_adv_stop", ble_gap_ext_adv_stop(instance)))
        return -1;
    struct ble_gap_ext_adv_params params = {
        .legacy_pdu = 1, // ADV_NONCONN_IND: not connectable, not scannable
        .own_addr_type = BLE_OWN_ADDR_RANDOM,
        .itvl_min = BLE_GAP_ADV_ITVL_MS(ADV_INTERVAL_MS),
        .itvl_max = BLE_GAP_ADV_ITVL_MS(ADV_INTERVAL_MS),
        .primary_phy = BLE_HCI_LE_PHY_1M,
        .secondary_phy = BLE_HCI_LE_PHY_1M,
        .tx_power = 127, // the controller's default; the firmware reports the calibrated value
        .sid = instance,
    };
    int rc = logged("ext_adv_configure",
                    ble_gap_ext_adv_configure(instance, &params, NULL, gaen_radio_gap_event, core));
    if (rc)
        return rc;
    ble_addr_t addr = {.type = BLE_ADDR_RANDOM};
    memcpy(addr.val, address, 6);
    if ((rc = logged("ext_adv_set_addr", ble_gap_ext_adv_set_addr(instance, &addr))))
        return rc;
    struct os_mbuf *buf = os_msys_get_pkthdr(len, 0);
    if (!buf)
        return logged("adv data buffer", BLE_HS_ENOMEM);
    if (os_mbuf_append(buf, data, len) != 0) {
        os_mbuf_free_chain(buf);
        return logged("adv data append", BLE_HS_ENOMEM);
    }
    if ((rc = logged("ext_adv_set_data", ble_gap_ext_adv_set_data(instance, buf))))
        return rc;
    return logged("ext_adv_start", ble_gap_ext_adv_start(instance, 0, 0));
}

radio_port_err_t radio_port_adv_stop(uint8_t instance) {
    if (!ble_gap_ext_adv_active(instance))
        return 0;
    return logged("ext_adv_stop", ble_gap_ext_adv_stop(instance));
}

radio_port_err_t radio_port_scan_start(uint32_t duration_ms) {
    if (ble_gap_disc_active() && logged("disc_cancel", ble_gap_disc_cancel()))
        return -1;
    struct ble_gap_ext_disc_params uncoded = {
        .itvl = BLE_GAP_SCAN_ITVL_MS(SCAN_ITVL_MS),
        .window = BLE_GAP_SCAN_WIN_MS(SCAN_ITVL_MS),
        .passive = 1,
    };
    // Duration in units of 10 ms; duplicates are reported so that packets can be counted.
    return logged("ext_disc", ble_gap_ext_disc(BLE_OWN_ADDR_PUBLIC, (uint16_t)((duration_ms + 9) / 10), 0,
                                               0, 0, 0, &uncoded, NULL, gaen_radio_gap_event, core));
}

#else // legacy advertising (ESP32)

radio_port_err_t radio_port_adv_start(uint8_t instance, const uint8_t address[6], const uint8_t *data,
                                      uint8_t len) {
    (void)instance; // one advertising set only: a second one would have to time-share
    int rc;
    if (ble_gap_adv_active() && (rc = logged("adv_stop", ble_gap_adv_stop())))
        return rc;
    if ((rc = logged("id_set_rnd", ble_hs_id_set_rnd(address))))
        return rc;
    if ((rc = logged("adv_set_data", ble_gap_adv_set_data(data, len))))
        return rc;
    struct ble_gap_adv_params params = {
        .conn_mode = BLE_GAP_CONN_MODE_NON,
        .disc_mode = BLE_GAP_DISC_MODE_NON,
        .itvl_min = BLE_GAP_ADV_ITVL_MS(ADV_INTERVAL_MS),
        .itvl_max = BLE_GAP_ADV_ITVL_MS(ADV_INTERVAL_MS),
    };
    return logged("adv_start", ble_gap_adv_start(BLE_OWN_ADDR_RANDOM, NULL, BLE_HS_FOREVER, &params,
                                                 gaen_radio_gap_event, core));
}

radio_port_err_t radio_port_adv_stop(uint8_t instance) {
    (void)instance;
    if (!ble_gap_adv_active())
        return 0;
    return logged("adv_stop", ble_gap_adv_stop());
}

radio_port_err_t radio_port_scan_start(uint32_t duration_ms) {
    if (ble_gap_disc_active() && logged("disc_cancel", ble_gap_disc_cancel()))
        return -1;
    struct ble_gap_disc_params params = {
        .itvl = BLE_GAP_SCAN_ITVL_MS(SCAN_ITVL_MS),
        .window = BLE_GAP_SCAN_WIN_MS(SCAN_ITVL_MS),
        .passive = 1,
        .filter_duplicates = 0,
    };
    return logged("disc", ble_gap_disc(BLE_OWN_ADDR_PUBLIC, (int32_t)duration_ms, &params,
                                       gaen_radio_gap_event, core));
}

#endif

static void host_task(void *arg) {
    (void)arg;
    nimble_port_run(); // returns only when nimble_port_stop() is called
    nimble_port_freertos_deinit();
}

int radio_port_esp32_init(gaen_radio_core_t *rc) {
    core = rc;
    // ESP-IDF 5.0: nimble_port_init() also starts the controller (no esp_nimble_hci_and_controller_init).
    esp_err_t err = nimble_port_init();
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "NimBLE did not start: %s", esp_err_to_name(err));
        return -1;
    }
    nimble_port_freertos_init(host_task);
    return 0;
}
