// radio_port.h on NimBLE (ESP-IDF 5.0). Two paths, chosen by NimBLE's own build switch:
// - ESP32 (BLE 4.2, CONFIG_BT_NIMBLE_EXT_ADV off): legacy advertising with the host's one random
//   address; the controller may refuse an address change while scanning, so the core defers it.
//   One advertising set: while the sync advertisement is on, beacon and sync time-share it.
// - ESP32-C3/S3 (CONFIG_BT_NIMBLE_EXT_ADV on): there the legacy calls return BLE_HS_ENOTSUP, so
//   extended advertising instances with legacy PDUs, each with its own address: 0 the beacon
//   (ADV_NONCONN_IND), 1 the sync advertisement (ADV_IND); scan reports come as
//   BLE_GAP_EVENT_EXT_DISC (both events are handled in gap_events.c).
// The sync link's GATT service is here too: one write characteristic (host → token) and one
// notify characteristic (token → host); its events are handled in link_events.c.
// Every ble_gap_* result is checked and returned; nothing is allocated per packet.
#include "port/radio_port.h"
#include "esp32_port.h"
#include "gap_events.h"
#include "link_events.h"
#include "esp_log.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/semphr.h"
#include "host/ble_hs.h"
#include "nimble/nimble_port.h"
#include "nimble/nimble_port_freertos.h"
#include "services/gap/ble_svc_gap.h"
#include "services/gatt/ble_svc_gatt.h"
#include <string.h>

#define TAG "gaen_radio"
/** 250 ms, as the firmware reports in advertising_interval (GAEN asks for 200–270 ms). */
#define ADV_INTERVAL_MS 250
/** The sync advertisement is short-lived and waits for a host: advertise it often. */
#define SYNC_ADV_INTERVAL_MS 100
/** Scan interval = window: listen all the time during a window. */
#define SCAN_ITVL_MS 60

static gaen_radio_core_t *core;
static void (*wake_loop)(void);
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

void radio_port_link_event_queued(void) {
    if (wake_loop)
        wake_loop();
}

// ---- the sync link's GATT service (services/gaen-radio.md: 0xFFF5, write 0xFFF6, notify 0xFFF7) ----

static uint16_t notify_handle;

static int notify_access(uint16_t conn_handle, uint16_t attr_handle, struct ble_gatt_access_ctxt *ctxt, void *arg) {
    (void)conn_handle, (void)attr_handle, (void)ctxt, (void)arg;
    return BLE_ATT_ERR_READ_NOT_PERMITTED; // notify only: nothing to read
}

static struct ble_gatt_chr_def link_characteristics[] = {
    {.uuid = BLE_UUID16_DECLARE(0xfff6), .access_cb = gaen_radio_link_access, .flags = BLE_GATT_CHR_F_WRITE},
    {.uuid = BLE_UUID16_DECLARE(0xfff7),
     .access_cb = notify_access,
     .flags = BLE_GATT_CHR_F_NOTIFY,
     .val_handle = &notify_handle},
    {0},
};
static struct ble_gatt_svc_def link_service[] = {
    {.type = BLE_GATT_SVC_TYPE_PRIMARY, .uuid = BLE_UUID16_DECLARE(0xfff5), .characteristics = link_characteristics},
    {0},
};

radio_port_err_t radio_port_link_notify(const uint8_t *value, uint16_t len) {
    uint16_t conn = gaen_radio_link_conn();
    if (conn == BLE_HS_CONN_HANDLE_NONE)
        return 0; // ended meanwhile: dropped, as for no host
    struct os_mbuf *om = ble_hs_mbuf_from_flat(value, len);
    if (!om)
        return logged("notify buffer", BLE_HS_ENOMEM);
    return logged("notify", ble_gatts_notify_custom(conn, notify_handle, om)); // frees om
}

radio_port_err_t radio_port_link_disconnect(void) {
    uint16_t conn = gaen_radio_link_conn();
    if (conn == BLE_HS_CONN_HANDLE_NONE)
        return 0;
    int rc = ble_gap_terminate(conn, BLE_ERR_REM_USER_CONN_TERM);
    return rc == BLE_HS_ENOTCONN ? 0 : logged("terminate", rc);
}

#if MYNEWT_VAL(BLE_EXT_ADV)

radio_port_err_t radio_port_adv_start(uint8_t instance, const uint8_t address[6], const uint8_t *data, uint8_t len) {
    if (ble_gap_ext_adv_active(instance) && logged("ext_adv_stop", ble_gap_ext_adv_stop(instance)))
        return -1;
    bool sync = instance == RADIO_PORT_SYNC_INSTANCE;
    uint32_t interval = BLE_GAP_ADV_ITVL_MS(sync ? SYNC_ADV_INTERVAL_MS : ADV_INTERVAL_MS);
    struct ble_gap_ext_adv_params params = {
        .legacy_pdu = 1, // beacon ADV_NONCONN_IND; sync ADV_IND (legacy: connectable and scannable)
        .connectable = sync,
        .scannable = sync,
        .own_addr_type = BLE_OWN_ADDR_RANDOM,
        .itvl_min = interval,
        .itvl_max = interval,
        .primary_phy = BLE_HCI_LE_PHY_1M,
        .secondary_phy = BLE_HCI_LE_PHY_1M,
        .tx_power = 127, // the controller's default; the firmware reports the calibrated value
        .sid = instance,
    };
    int rc =
        logged("ext_adv_configure", ble_gap_ext_adv_configure(instance, &params, NULL, gaen_radio_gap_event, core));
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
    return logged("ext_disc", ble_gap_ext_disc(BLE_OWN_ADDR_PUBLIC, (uint16_t)((duration_ms + 9) / 10), 0, 0, 0, 0,
                                               &uncoded, NULL, gaen_radio_gap_event, core));
}

#else // legacy advertising (ESP32)

// One advertising set and one random address: beacon and sync advertisement take turns of
// SHARE_SLOT_MS while both are on (the beacon then airs every other slot, about every 500 ms,
// only during a sync window). Each turn is a whole stop, set address, set data, start, so a
// packet never pairs one's address with the other's payload. No address changes while scanning
// (the controller may refuse them): turns and waiting changes resume after the scan, and the scan
// starts on the beacon's turn. A connected host ends the sync advertisement's turns.
#define SHARE_SLOT_MS 250

typedef struct {
    bool on;
    uint8_t address[6];
    uint8_t len;
    uint8_t data[31];
} share_slot_t;

static share_slot_t slots[2];        // by instance
static int airing = -1;              // the instance the set carries, -1: none
static bool stale;                   // the carried instance's address or data changed since it went on air
static SemaphoreHandle_t share_lock; // the Jacdac loop, the host task and the timer task all switch
static esp_timer_handle_t share_timer;

/** The sync advertisement stops counting once a host is connected (the controller ended it). */
static bool eligible(int instance) {
    return slots[instance].on && (instance != RADIO_PORT_SYNC_INSTANCE || !gaen_radio_link_busy());
}

static int air(int instance) {
    int rc;
    if (ble_gap_adv_active() && (rc = logged("adv_stop", ble_gap_adv_stop())))
        return rc;
    airing = -1;
    stale = false;
    if (instance < 0)
        return 0;
    const share_slot_t *slot = &slots[instance];
    bool sync = instance == RADIO_PORT_SYNC_INSTANCE;
    if ((rc = logged("id_set_rnd", ble_hs_id_set_rnd(slot->address))))
        return rc;
    if ((rc = logged("adv_set_data", ble_gap_adv_set_data(slot->data, slot->len))))
        return rc;
    uint16_t interval = BLE_GAP_ADV_ITVL_MS(sync ? SYNC_ADV_INTERVAL_MS : ADV_INTERVAL_MS);
    struct ble_gap_adv_params params = {
        .conn_mode = sync ? BLE_GAP_CONN_MODE_UND : BLE_GAP_CONN_MODE_NON,
        .disc_mode = sync ? BLE_GAP_DISC_MODE_GEN : BLE_GAP_DISC_MODE_NON,
        .itvl_min = interval,
        .itvl_max = interval,
    };
    rc = logged("adv_start",
                ble_gap_adv_start(BLE_OWN_ADDR_RANDOM, NULL, BLE_HS_FOREVER, &params, gaen_radio_gap_event, core));
    if (rc == 0)
        airing = instance;
    return rc;
}

/** What should be on air now (`turn`: the other one's turn has come, if both are eligible). */
static int next_on_air(bool turn) {
    bool beacon = eligible(RADIO_PORT_BEACON_INSTANCE), sync = eligible(RADIO_PORT_SYNC_INSTANCE);
    if (beacon && sync) {
        if (airing < 0 || turn)
            return airing == RADIO_PORT_BEACON_INSTANCE ? RADIO_PORT_SYNC_INSTANCE : RADIO_PORT_BEACON_INSTANCE;
        return airing;
    }
    return beacon ? RADIO_PORT_BEACON_INSTANCE : sync ? RADIO_PORT_SYNC_INSTANCE : -1;
}

/** Puts what should be on air on air, unless that needs an address change during a scan (the
 *  timer then does it after the scan). Keeps the timer running while there are turns to take or
 *  a change waits. Call with share_lock held. */
static int settle(bool turn) {
    int rc = 0, next = next_on_air(turn);
    bool change = next != airing || (stale && next >= 0);
    if (change && (next < 0 || !ble_gap_disc_active()))
        rc = air(next);
    else if (change && airing >= 0 && !eligible(airing))
        rc = air(-1); // off the air now; the other one's address waits for the end of the scan
    bool waiting = next_on_air(false) != airing || stale;
    bool sharing = eligible(RADIO_PORT_BEACON_INSTANCE) && eligible(RADIO_PORT_SYNC_INSTANCE);
    if ((sharing || waiting) && !esp_timer_is_active(share_timer))
        esp_timer_start_periodic(share_timer, SHARE_SLOT_MS * 1000);
    else if (!sharing && !waiting && esp_timer_is_active(share_timer))
        esp_timer_stop(share_timer);
    return rc;
}

static void share_turn(void *arg) {
    (void)arg;
    xSemaphoreTake(share_lock, portMAX_DELAY);
    settle(true);
    xSemaphoreGive(share_lock);
}

radio_port_err_t radio_port_adv_start(uint8_t instance, const uint8_t address[6], const uint8_t *data, uint8_t len) {
    xSemaphoreTake(share_lock, portMAX_DELAY);
    share_slot_t *slot = &slots[instance];
    slot->on = true;
    memcpy(slot->address, address, 6);
    slot->len = len;
    memcpy(slot->data, data, len);
    if (airing == instance)
        stale = true;
    // The one on air changes now; the other waits for its turn (at most SHARE_SLOT_MS).
    int rc = settle(false);
    xSemaphoreGive(share_lock);
    return rc;
}

radio_port_err_t radio_port_adv_stop(uint8_t instance) {
    xSemaphoreTake(share_lock, portMAX_DELAY);
    slots[instance].on = false;
    int rc = settle(false); // the other one, if on, gets the set back
    xSemaphoreGive(share_lock);
    return rc;
}

radio_port_err_t radio_port_scan_start(uint32_t duration_ms) {
    if (ble_gap_disc_active() && logged("disc_cancel", ble_gap_disc_cancel()))
        return -1;
    xSemaphoreTake(share_lock, portMAX_DELAY);
    if (airing == RADIO_PORT_SYNC_INSTANCE && eligible(RADIO_PORT_BEACON_INSTANCE))
        air(RADIO_PORT_BEACON_INSTANCE); // the beacon stays on air through the scan
    xSemaphoreGive(share_lock);
    struct ble_gap_disc_params params = {
        .itvl = BLE_GAP_SCAN_ITVL_MS(SCAN_ITVL_MS),
        .window = BLE_GAP_SCAN_WIN_MS(SCAN_ITVL_MS),
        .passive = 1,
        .filter_duplicates = 0,
    };
    return logged("disc", ble_gap_disc(BLE_OWN_ADDR_PUBLIC, (int32_t)duration_ms, &params, gaen_radio_gap_event, core));
}

static int share_init(void) {
    share_lock = xSemaphoreCreateMutex();
    esp_timer_create_args_t args = {.callback = share_turn, .name = "gaen_share"};
    if (!share_lock || esp_timer_create(&args, &share_timer) != ESP_OK)
        return -1;
    return 0;
}

#endif

static void host_task(void *arg) {
    (void)arg;
    nimble_port_run(); // returns only when nimble_port_stop() is called
    nimble_port_freertos_deinit();
}

int radio_port_esp32_init(gaen_radio_core_t *rc, void (*wake)(void)) {
    core = rc;
    wake_loop = wake;
#if !MYNEWT_VAL(BLE_EXT_ADV)
    if (share_init() != 0) {
        ESP_LOGE(TAG, "no time-sharing of the advertising set");
        return -1;
    }
#endif
    // ESP-IDF 5.0: nimble_port_init() also starts the controller (no esp_nimble_hci_and_controller_init).
    esp_err_t err = nimble_port_init();
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "NimBLE did not start: %s", esp_err_to_name(err));
        return -1;
    }
    // The sync link's GATT service, registered before the host task starts; the MTU it agrees to
    // is capped so that a value and the link_event byte fit one Jacdac packet.
    ble_svc_gap_init();
    ble_svc_gatt_init();
    link_characteristics[0].arg = rc;
    int link = logged("gatts_count_cfg", ble_gatts_count_cfg(link_service)) ||
               logged("gatts_add_svcs", ble_gatts_add_svcs(link_service)) ||
               logged("att_set_preferred_mtu", ble_att_set_preferred_mtu(GAEN_RADIO_LINK_MAX_MTU));
    // Without the service the beacon still works; a host that connects finds nothing to write to.
    nimble_port_freertos_init(host_task);
    return link ? -1 : 0;
}
