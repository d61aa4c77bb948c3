// The sync link: the radio core's rules beside those the shared conformance cases state (the
// link_event queue, port failures), and the NimBLE side of port/esp32/link_events.c, driven by
// scripted connection events. NimBLE's host calls are recording fakes here (the hardware boundary).
#include "check.h"
#include "core/gaen_radio_core.h"
#include "gen/gaen_radio.h"
#include "port/esp32/gap_events.h"
#include "port/esp32/link_events.h"
#include "port/host/host_port.h"
#include "port/radio_port.h"
#include "host/ble_hs.h"

// ---- NimBLE's host calls, faked -------------------------------------------------------------------

struct os_mbuf {
    const uint8_t *data;
    uint16_t len;
};
static uint16_t terminated[8], terminated_count;
static ble_gatt_mtu_fn *exchange_cb;
static void *exchange_arg;
static int exchange_result;
static const uint8_t peer[6] = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

int ble_gap_conn_find(uint16_t handle, struct ble_gap_conn_desc *out_desc) {
    memset(out_desc, 0, sizeof(*out_desc));
    out_desc->conn_handle = handle;
    memcpy(out_desc->peer_ota_addr.val, peer, 6);
    out_desc->peer_ota_addr.val[0] = (uint8_t)(peer[0] + handle); // each connection its own host
    return 0;
}
int ble_gap_terminate(uint16_t conn_handle, uint8_t hci_reason) {
    (void)hci_reason;
    if (terminated_count < 8)
        terminated[terminated_count++] = conn_handle;
    return 0;
}
int ble_gattc_exchange_mtu(uint16_t conn_handle, ble_gatt_mtu_fn *cb, void *cb_arg) {
    (void)conn_handle;
    exchange_cb = cb;
    exchange_arg = cb_arg;
    return exchange_result;
}
uint16_t ble_att_mtu(uint16_t conn_handle) {
    (void)conn_handle;
    return 23;
}
int ble_hs_mbuf_to_flat(const struct os_mbuf *om, void *flat, uint16_t max_len, uint16_t *out_copy_len) {
    uint16_t n = om->len < max_len ? om->len : max_len; // as NimBLE 1.4: copies what fits, returns 0
    memcpy(flat, om->data, n);
    *out_copy_len = n;
    return 0;
}

// ---- helpers ---------------------------------------------------------------------------------------

static gaen_radio_core_t rc;
static uint8_t report[GAEN_RADIO_REPORT_MAX];

static void disconnect(uint16_t handle);

static void setup(void) {
    // The port's one connection from an earlier test ends, as the stack would report it.
    for (uint16_t handle = 0; handle < 8; handle++)
        disconnect(handle);
    radio_fake_reset(true);
    gaen_radio_core_init(&rc);
    terminated_count = 0;
    exchange_cb = NULL;
    exchange_result = 0;
}
static void command(uint16_t cmd, const uint8_t *data, size_t size) {
    gaen_radio_core_command(&rc, cmd, data, size, report);
}
static void advertise_sync(void) {
    const uint8_t c[] = {1, 2, 3, 4, 5, 0xc6, 2, 1, 6};
    command(JD_GAEN_RADIO_CMD_ADVERTISE_SYNC, c, sizeof c);
}
static void gap(struct ble_gap_event e) {
    gaen_radio_gap_event(&e, &rc);
}
static void connect(uint16_t handle) {
    gap((struct ble_gap_event){.type = BLE_GAP_EVENT_CONNECT, .connect = {.status = 0, .conn_handle = handle}});
}
static void mtu_event(uint16_t handle, uint16_t mtu) {
    gap((struct ble_gap_event){.type = BLE_GAP_EVENT_MTU,
                               .mtu = {.conn_handle = handle, .channel_id = 4, .value = mtu}});
}
static void disconnect(uint16_t handle) {
    struct ble_gap_event e = {.type = BLE_GAP_EVENT_DISCONNECT};
    e.disconnect.conn.conn_handle = handle;
    gap(e);
}
static int write_value(uint16_t handle, const uint8_t *value, uint16_t len) {
    struct os_mbuf om = {value, len};
    struct ble_gatt_access_ctxt ctxt = {.op = BLE_GATT_ACCESS_OP_WRITE_CHR, .om = &om};
    return gaen_radio_link_access(handle, 7, &ctxt, &rc);
}
static size_t next_event(void) {
    return gaen_radio_core_next_link_event(&rc, report);
}

// ---- the port's connection handling ------------------------------------------------------------------

static void reported_once_mtu_agreed(void) {
    setup();
    advertise_sync();
    connect(1);
    CHECK(exchange_cb != NULL); // the token asks for the MTU itself
    CHECK_EQ(next_event(), 0);  // not before the MTU is known
    CHECK_EQ(write_value(1, (const uint8_t[]){9}, 1), BLE_ATT_ERR_WRITE_NOT_PERMITTED);
    mtu_event(1, 185);
    CHECK_EQ(next_event(), 9);
    CHECK(report[0] == 1 && report[1] == 185 && report[2] == 0 && report[3] == 0x0b && report[8] == 0x0f);
    exchange_cb(1, &(struct ble_gatt_error){.status = 0}, 185, exchange_arg); // the same agreement again
    CHECK_EQ(next_event(), 0);
    CHECK_EQ(gaen_radio_link_conn(), 1);
    CHECK_EQ(terminated_count, 0);
}

static void host_without_mtu_exchange(void) {
    setup();
    advertise_sync();
    connect(2);
    exchange_cb(2, &(struct ble_gatt_error){.status = 0x0e}, 0, exchange_arg);
    CHECK_EQ(next_event(), 9);
    CHECK(report[0] == 1 && report[1] == 23 && report[2] == 0);
}

static void connection_outside_sync_advertisement(void) {
    setup();
    connect(3);
    mtu_event(3, 100);
    CHECK_EQ(terminated_count, 1);
    CHECK_EQ(terminated[0], 3);
    CHECK_EQ(next_event(), 0);
    CHECK_EQ(rc.link_refused, 1);
    CHECK_EQ(write_value(3, (const uint8_t[]){9}, 1), BLE_ATT_ERR_WRITE_NOT_PERMITTED);
    disconnect(3);
    CHECK_EQ(next_event(), 0); // the firmware never heard of it
    CHECK_EQ(gaen_radio_link_conn(), BLE_HS_CONN_HANDLE_NONE);
}

static void second_host_ended(void) {
    setup();
    advertise_sync();
    connect(1);
    mtu_event(1, 100);
    next_event();
    connect(2);
    CHECK_EQ(terminated_count, 1);
    CHECK_EQ(terminated[0], 2);
    disconnect(2);
    CHECK_EQ(next_event(), 0);
    CHECK_EQ(write_value(2, (const uint8_t[]){9}, 1), BLE_ATT_ERR_WRITE_NOT_PERMITTED);
    CHECK_EQ(write_value(1, (const uint8_t[]){9}, 1), 0); // the first host goes on
    CHECK_EQ(next_event(), 2);
    CHECK(report[0] == 3 && report[1] == 9);
}

static void writes_and_their_errors(void) {
    setup();
    advertise_sync();
    connect(1);
    mtu_event(1, 238);
    next_event();
    uint8_t v[240];
    for (int i = 0; i < 240; i++)
        v[i] = (uint8_t)i;
    CHECK_EQ(write_value(1, v, 235), 0);
    CHECK_EQ(next_event(), 236);
    CHECK(report[0] == 3 && report[1] == 0 && report[235] == 234);
    CHECK_EQ(write_value(1, v, 236), BLE_ATT_ERR_INVALID_ATTR_VALUE_LEN);
    CHECK_EQ(write_value(1, v, 240), BLE_ATT_ERR_INVALID_ATTR_VALUE_LEN); // not cut to fit
    CHECK_EQ(next_event(), 0);
    struct ble_gatt_access_ctxt read = {.op = BLE_GATT_ACCESS_OP_READ_CHR};
    CHECK_EQ(gaen_radio_link_access(1, 7, &read, &rc), BLE_ATT_ERR_WRITE_NOT_PERMITTED);
}

static void queue_full_keeps_disconnect(void) {
    setup();
    advertise_sync();
    connect(1);
    mtu_event(1, 100);
    // The connected event waits in the queue; writes fill it up to one slot, kept for the end.
    int taken = 0;
    while (write_value(1, (const uint8_t[]){(uint8_t)taken}, 1) == 0)
        taken++;
    CHECK_EQ(taken, GAEN_RADIO_LINK_QUEUE - 2);
    CHECK_EQ(write_value(1, (const uint8_t[]){0}, 1), BLE_ATT_ERR_INSUFFICIENT_RES);
    disconnect(1);
    CHECK_EQ(next_event(), 9);
    for (int i = 0; i < taken; i++) {
        CHECK_EQ(next_event(), 2);
        CHECK(report[0] == 3 && report[1] == i); // in order
    }
    CHECK_EQ(next_event(), 1);
    CHECK_EQ(report[0], 2); // the disconnection was never lost
    CHECK_EQ(next_event(), 0);
}

static void token_ends_connection(void) {
    setup();
    advertise_sync();
    connect(1);
    mtu_event(1, 100);
    next_event();
    command(JD_GAEN_RADIO_CMD_STOP_SYNC, NULL, 0);
    const radio_call_t *last = radio_fake_call(radio_fake_call_count() - 1);
    CHECK(last && last->kind == LINK_DISCONNECT);
    CHECK_EQ(write_value(1, (const uint8_t[]){9}, 1), BLE_ATT_ERR_WRITE_NOT_PERMITTED);
    disconnect(1);
    CHECK_EQ(next_event(), 0); // the firmware ended it: no event
    // A new window, a new host.
    advertise_sync();
    connect(4);
    mtu_event(4, 50);
    CHECK_EQ(next_event(), 9);
    CHECK(report[0] == 1 && report[1] == 50 && report[3] == 0x0e);
}

static void sync_port_failures(void) {
    setup();
    radio_fake_fail_next();
    advertise_sync();
    command(JD_GAEN_RADIO_CMD_LINK_EVENT, NULL, 0);
    CHECK(report[0] == 0 && report[1] == 0); // not on air, and the firmware can see so
    connect(1);
    mtu_event(1, 100);
    CHECK_EQ(terminated_count, 1);
    disconnect(1);
    advertise_sync();
    connect(2);
    mtu_event(2, 100);
    next_event();
    radio_fake_fail_next();
    command(JD_GAEN_RADIO_CMD_LINK_SEND, (const uint8_t[]){1, 2}, 2);
    CHECK_EQ(rc.port_errors, 2);
    command(JD_GAEN_RADIO_CMD_LINK_SEND, (const uint8_t[]){1, 2}, 2); // the next one goes
    const radio_call_t *last = radio_fake_call(radio_fake_call_count() - 1);
    CHECK(last && last->kind == LINK_NOTIFY && last->len == 2 && last->data[1] == 2);
}

const test_case_t link_tests[] = {
    {"link: a connection reaches the firmware once its MTU is agreed, with the host's address",
     reported_once_mtu_agreed},
    {"link: a host that never exchanges the MTU is reported with 23", host_without_mtu_exchange},
    {"link: a connection without a sync advertisement is ended and never reported",
     connection_outside_sync_advertisement},
    {"link: a second host is ended at once; the first goes on", second_host_ended},
    {"link: writes up to MTU - 3 reach the firmware; longer ones are refused whole", writes_and_their_errors},
    {"link: a full queue refuses writes with an error but never loses the disconnection", queue_full_keeps_disconnect},
    {"link: stop_sync ends the connection without an event; a new window takes a new host", token_ends_connection},
    {"link: port failures on the sync link are counted and leave a consistent state", sync_port_failures},
    {NULL, NULL},
};
