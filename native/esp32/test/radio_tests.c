// The radio core with the recording radio port, fed by scripted NimBLE events through the real
// GAP event handler (port/esp32/gap_events.c): DISC as on the ESP32, EXT_DISC as on the C3/S3.
#include "check.h"
#include "core/bytes.h"
#include "core/gaen_radio_core.h"
#include "gen/gaen_radio.h"
#include "port/esp32/gap_events.h"
#include "port/host/host_port.h"
#include "port/radio_port.h"
#include "host/ble_hs.h"

static gaen_radio_core_t rc;
static uint8_t report[GAEN_RADIO_REPORT_MAX];
static size_t report_len;

static void setup(bool address_change_while_scanning) {
    radio_fake_reset(address_change_while_scanning);
    gaen_radio_core_init(&rc);
}
static void command(uint16_t cmd, const uint8_t *data, size_t size) {
    report_len = gaen_radio_core_command(&rc, cmd, data, size, report);
}
static void advertise(uint8_t first, size_t size) {
    uint8_t c[40];
    for (size_t i = 0; i < size; i++)
        c[i] = (uint8_t)(first + i);
    c[5] &= 0x3f; // non-resolvable private
    command(JD_GAEN_RADIO_CMD_ADVERTISE, c, size);
}
static void scan(uint32_t ms) {
    uint8_t c[4];
    put_le32(c, ms);
    command(JD_GAEN_RADIO_CMD_SCAN, c, 4);
}
static void results(uint16_t start) {
    uint8_t c[2];
    put_le16(c, start);
    command(JD_GAEN_RADIO_CMD_SCAN_RESULTS, c, 2);
}
static void address_of(uint8_t *a, int who) {
    for (int i = 0; i < 6; i++)
        a[i] = (uint8_t)(who * 7 + i);
}
/** A 31-byte payload that names its sender (every byte = who); valid until the next call. */
static const uint8_t *payload_of(int who) {
    static uint8_t payload[31];
    memset(payload, who, sizeof payload);
    return payload;
}
static void hear_disc(int who, int8_t rssi, uint8_t evtype) {
    struct ble_gap_event e = {.type = BLE_GAP_EVENT_DISC};
    e.disc.event_type = evtype;
    address_of(e.disc.addr.val, who);
    e.disc.rssi = rssi;
    e.disc.data = payload_of(who);
    e.disc.length_data = 31;
    gaen_radio_gap_event(&e, &rc);
}
static void hear_ext(int who, int8_t rssi, uint8_t props, uint8_t status) {
    struct ble_gap_event e = {.type = BLE_GAP_EVENT_EXT_DISC};
    e.ext_disc.props = props;
    e.ext_disc.data_status = status;
    e.ext_disc.legacy_event_type = BLE_HCI_ADV_RPT_EVTYPE_NONCONN_IND;
    address_of(e.ext_disc.addr.val, who);
    e.ext_disc.rssi = rssi;
    e.ext_disc.data = payload_of(who);
    e.ext_disc.length_data = 31;
    gaen_radio_gap_event(&e, &rc);
}
static void window_ends(void) {
    struct ble_gap_event e = {.type = BLE_GAP_EVENT_DISC_COMPLETE};
    gaen_radio_gap_event(&e, &rc);
    gaen_radio_core_process(&rc);
}

static void advertise_together(void) {
    setup(true);
    advertise(1, 6);
    advertise(1, 38);
    CHECK_EQ(radio_fake_call_count(), 0);
    CHECK(!rc.advertising);
    CHECK_EQ(rc.refused, 2);
    advertise(1, 37);
    CHECK_EQ(radio_fake_call_count(), 1);
    const radio_call_t *c = radio_fake_call(0);
    CHECK(c->kind == AIR_START && c->instance == RADIO_PORT_BEACON_INSTANCE && c->len == 31);
    CHECK(c->address[0] == 1 && c->address[5] == (6 & 0x3f) && c->data[0] == 7 && c->data[30] == 37);
    CHECK(rc.advertising);
    command(JD_GAEN_RADIO_CMD_STOP_ADVERTISING, NULL, 0);
    CHECK(radio_fake_call(1)->kind == AIR_STOP && !rc.advertising);
}

static void scan_limits(void) {
    setup(true);
    scan(99);
    scan(30001);
    command(JD_GAEN_RADIO_CMD_SCAN, (const uint8_t[]){100, 0, 0}, 3);
    CHECK_EQ(radio_fake_call_count(), 0);
    CHECK_EQ(rc.refused, 3);
    scan(100);
    scan(30000);
    CHECK_EQ(radio_fake_call_count(), 2);
    CHECK_EQ(radio_fake_call(1)->duration_ms, 30000);
}

static void aggregates_per_address(void) {
    setup(true);
    scan(4000);
    hear_disc(1, -60, BLE_HCI_ADV_RPT_EVTYPE_NONCONN_IND);
    hear_disc(1, -61, BLE_HCI_ADV_RPT_EVTYPE_NONCONN_IND); // mean -60.5 rounds as Math.round: -60
    hear_disc(2, -80, BLE_HCI_ADV_RPT_EVTYPE_ADV_IND);
    hear_disc(2, -90, BLE_HCI_ADV_RPT_EVTYPE_SCAN_RSP); // not an advertisement: ignored
    for (int i = 0; i < 300; i++)
        hear_disc(3, -40, BLE_HCI_ADV_RPT_EVTYPE_NONCONN_IND);
    results(0);
    CHECK_EQ(report_len, 3);
    CHECK_EQ(report[0], 1); // still scanning
    window_ends();
    results(0);
    CHECK_EQ(report[0], 0);
    CHECK_EQ(le16(report + 1), 3);
    CHECK_EQ(report_len, 3 + 3 * (9 + 31));
    uint8_t a[6];
    address_of(a, 1);
    CHECK_BYTES(report + 3, a, 6);
    CHECK_EQ((int8_t)report[9], -60);
    CHECK_EQ(report[10], 2);
    CHECK_EQ(report[11], 31);
    CHECK_EQ(report[12], 1);
    CHECK_EQ((int8_t)report[3 + 40 + 6], -80);
    CHECK_EQ(report[3 + 40 + 7], 1);
    CHECK_EQ((int8_t)report[3 + 80 + 6], -40);
    CHECK_EQ(report[3 + 80 + 7], 255); // saturates
}

static void ext_disc_events(void) {
    setup(false);
    scan(4000);
    hear_ext(4, -70, BLE_HCI_ADV_LEGACY_MASK, BLE_GAP_EXT_ADV_DATA_STATUS_COMPLETE);
    hear_ext(4, -72, BLE_HCI_ADV_LEGACY_MASK, BLE_GAP_EXT_ADV_DATA_STATUS_COMPLETE);
    hear_ext(5, -50, 0, BLE_GAP_EXT_ADV_DATA_STATUS_COMPLETE);                        // extended PDU
    hear_ext(6, -50, BLE_HCI_ADV_LEGACY_MASK, BLE_GAP_EXT_ADV_DATA_STATUS_TRUNCATED); // cut short
    window_ends();
    results(0);
    CHECK_EQ(le16(report + 1), 1);
    CHECK_EQ((int8_t)report[9], -71);
    CHECK_EQ(report[10], 2);
}

static void paging(void) {
    setup(true);
    scan(4000);
    for (int who = 0; who < 20; who++)
        hear_disc(who, (int8_t)(-50 - who), BLE_HCI_ADV_RPT_EVTYPE_NONCONN_IND);
    window_ends();
    int seen = 0;
    while (seen < 20) {
        results((uint16_t)seen);
        CHECK(report_len <= 236);
        int in_page = (int)(report_len - 3) / 40;
        CHECK(in_page == 5 || seen + in_page == 20); // 5 entries of 40 bytes fit 236
        if (in_page == 0)
            break;
        CHECK_EQ((int8_t)report[3 + 6], -50 - seen);
        seen += in_page;
    }
    CHECK_EQ(seen, 20);
    results(20);
    CHECK_EQ(report_len, 3);
    CHECK_EQ(le16(report + 1), 20);
}

static void new_scan_drops_old(void) {
    setup(true);
    scan(4000);
    hear_disc(1, -60, BLE_HCI_ADV_RPT_EVTYPE_NONCONN_IND);
    window_ends();
    hear_disc(2, -60, BLE_HCI_ADV_RPT_EVTYPE_NONCONN_IND); // outside a window: ignored
    results(0);
    CHECK_EQ(le16(report + 1), 1);
    scan(4000);
    window_ends();
    results(0);
    CHECK_EQ(le16(report + 1), 0);
}

static void rotation_deferred_on_legacy(void) {
    setup(false);
    advertise(10, 37);
    scan(4000);
    advertise(50, 37);
    gaen_radio_core_process(&rc);
    CHECK_EQ(radio_fake_call_count(), 2); // start, scan: the new pair waits
    CHECK(rc.advertising);
    window_ends();
    CHECK_EQ(radio_fake_call_count(), 3);
    const radio_call_t *c = radio_fake_call(2);
    CHECK(c->kind == AIR_START && c->address[0] == 50 && c->data[0] == 56);
    gaen_radio_core_process(&rc);
    CHECK_EQ(radio_fake_call_count(), 3); // once
}

static void rotation_immediate_on_ext(void) {
    setup(true);
    advertise(10, 37);
    scan(4000);
    advertise(50, 37);
    CHECK_EQ(radio_fake_call_count(), 3);
    CHECK(radio_fake_call(2)->kind == AIR_START && radio_fake_call(2)->address[0] == 50);
}

static void stop_drops_deferred(void) {
    setup(false);
    advertise(10, 37);
    scan(4000);
    advertise(50, 37);
    command(JD_GAEN_RADIO_CMD_STOP_ADVERTISING, NULL, 0);
    window_ends();
    CHECK_EQ(radio_fake_call_count(), 3); // start, scan, stop: the dropped pair never airs
    CHECK(radio_fake_call(2)->kind == AIR_STOP && !rc.advertising);
}

static void crowd_beyond_table(void) {
    setup(true);
    scan(4000);
    for (int who = 0; who < GAEN_RADIO_MAX_HEARD + 30; who++) {
        uint8_t addr[6] = {(uint8_t)who, (uint8_t)(who >> 8), 1, 2, 3, 4}, data[3] = {1, 2, 3};
        gaen_radio_core_heard(&rc, addr, -70, data, sizeof data);
    }
    window_ends();
    results(0);
    CHECK_EQ(le16(report + 1), GAEN_RADIO_MAX_HEARD);
    CHECK_EQ(rc.heard_dropped, 30);
}

static void port_failures(void) {
    setup(true);
    radio_fake_fail_next();
    advertise(1, 37);
    CHECK(!rc.advertising);
    radio_fake_fail_next();
    scan(4000);
    results(0);
    CHECK_EQ(report[0], 0); // a complete, empty window rather than "scanning" for ever
    CHECK_EQ(rc.port_errors, 2);
}

static void mean_rounding(void) {
    CHECK_EQ(gaen_radio_mean_rssi(-121, 2), -60); // -60.5
    CHECK_EQ(gaen_radio_mean_rssi(-119, 2), -59); // -59.5
    CHECK_EQ(gaen_radio_mean_rssi(-200, 3), -67); // -66.67
    CHECK_EQ(gaen_radio_mean_rssi(-128 * 3, 3), -127);
    CHECK_EQ(gaen_radio_mean_rssi(127, 1), 20);
}

const test_case_t radio_tests[] = {
    {"radio: advertise puts address and payload on air together; 6 or 38 bytes are refused", advertise_together},
    {"radio: scan windows outside 100..30000 ms are refused", scan_limits},
    {"radio: a window keeps one entry per address with its mean RSSI and packet count (DISC)", aggregates_per_address},
    {"radio: extended scan reports (EXT_DISC) count only complete legacy PDUs", ext_disc_events},
    {"radio: results page into frames of at most 236 bytes and cover every entry once", paging},
    {"radio: a new scan drops the last window; packets outside a window are ignored", new_scan_drops_old},
    {"radio: on a legacy controller a rotation during a scan airs when the scan ends", rotation_deferred_on_legacy},
    {"radio: with extended advertising a rotation airs at once, even while scanning", rotation_immediate_on_ext},
    {"radio: stop during a deferred rotation drops it", stop_drops_deferred},
    {"radio: a crowd beyond the table is counted, never overflowed", crowd_beyond_table},
    {"radio: port failures are counted and leave a consistent state", port_failures},
    {"radio: mean RSSI rounds halves up, as the simulator does, and clamps to -127..20", mean_rounding},
    {NULL, NULL},
};
