#include "gaen_radio_core.h"
#include "bytes.h"
#include "gen/gaen_radio.h"
#include "port/radio_port.h"
#include "mem.h"

#define ENTRY_HEADER 9 // address 6, mean RSSI 1, packets 1, payload length 1
#define REPORT_HEADER 3 // state 1, entries in the window 2

void gaen_radio_core_init(gaen_radio_core_t *rc) {
    memset(rc, 0, sizeof(*rc));
}

static void put_on_air(gaen_radio_core_t *rc, const gaen_radio_adv_t *adv) {
    if (radio_port_adv_start(RADIO_PORT_BEACON_INSTANCE, adv->bytes,
                             adv->bytes + GAEN_RADIO_ADDRESS_BYTES,
                             (uint8_t)(adv->len - GAEN_RADIO_ADDRESS_BYTES)) != 0) {
        rc->port_errors++;
        rc->advertising = false;
    }
}

static void advertise(gaen_radio_core_t *rc, const uint8_t *data, size_t size) {
    if (size < GAEN_RADIO_ADDRESS_BYTES + 1 || size > GAEN_RADIO_ADDRESS_BYTES + GAEN_RADIO_MAX_ADV_DATA) {
        rc->refused++;
        return;
    }
    gaen_radio_adv_t adv = {.len = (uint8_t)size};
    memcpy(adv.bytes, data, size);
    rc->advertising = true;
    radio_port_lock();
    bool defer = rc->scanning && !radio_port_address_change_while_scanning();
    rc->pending = defer ? adv : (gaen_radio_adv_t){0};
    radio_port_unlock();
    // Deferred: the previous pair stays on air, whole, until the scan ends (a few seconds).
    if (!defer)
        put_on_air(rc, &adv);
}

static void stop_advertising(gaen_radio_core_t *rc) {
    radio_port_lock();
    rc->pending.len = 0;
    radio_port_unlock();
    rc->advertising = false;
    if (radio_port_adv_stop(RADIO_PORT_BEACON_INSTANCE) != 0)
        rc->port_errors++;
}

static void scan(gaen_radio_core_t *rc, const uint8_t *data, size_t size) {
    uint32_t duration = size >= 4 ? le32(data) : 0;
    if (duration < GAEN_RADIO_MIN_SCAN_MS || duration > GAEN_RADIO_MAX_SCAN_MS) {
        rc->refused++;
        return;
    }
    radio_port_lock();
    rc->heard_count = 0;
    rc->scanning = true;
    radio_port_unlock();
    if (radio_port_scan_start(duration) != 0) {
        // The firmware then sees a complete, empty window: the same as a quiet room.
        rc->port_errors++;
        gaen_radio_core_scan_done(rc);
    }
}

static size_t scan_results(gaen_radio_core_t *rc, const uint8_t *data, size_t size, uint8_t *report) {
    uint16_t start = size >= 2 ? le16(data) : 0;
    radio_port_lock();
    bool scanning = rc->scanning;
    uint16_t total = scanning ? 0 : rc->heard_count;
    report[0] = scanning ? 1 : 0;
    put_le16(report + 1, total);
    size_t len = REPORT_HEADER;
    for (uint16_t i = start; i < total; i++) {
        const gaen_radio_heard_t *h = &rc->heard[i];
        size_t entry = ENTRY_HEADER + h->payload_len;
        if (len + entry > GAEN_RADIO_REPORT_MAX)
            break;
        uint8_t *p = report + len;
        memcpy(p, h->address, GAEN_RADIO_ADDRESS_BYTES);
        p[6] = (uint8_t)gaen_radio_mean_rssi(h->rssi_sum, h->packets);
        p[7] = h->packets > 255 ? 255 : (uint8_t)h->packets;
        p[8] = h->payload_len;
        memcpy(p + ENTRY_HEADER, h->payload, h->payload_len);
        len += entry;
    }
    radio_port_unlock();
    return len;
}

size_t gaen_radio_core_command(gaen_radio_core_t *rc, uint16_t cmd, const uint8_t *data,
                               size_t size, uint8_t *report) {
    switch (cmd) {
    case JD_GAEN_RADIO_CMD_ADVERTISE:
        advertise(rc, data, size);
        return 0;
    case JD_GAEN_RADIO_CMD_STOP_ADVERTISING:
        stop_advertising(rc);
        return 0;
    case JD_GAEN_RADIO_CMD_SCAN:
        scan(rc, data, size);
        return 0;
    case JD_GAEN_RADIO_CMD_SCAN_RESULTS:
        return scan_results(rc, data, size, report);
    default:
        return 0;
    }
}

void gaen_radio_core_process(gaen_radio_core_t *rc) {
    radio_port_lock();
    gaen_radio_adv_t adv = rc->scanning ? (gaen_radio_adv_t){0} : rc->pending;
    if (!rc->scanning)
        rc->pending.len = 0;
    radio_port_unlock();
    if (adv.len)
        put_on_air(rc, &adv);
}

void gaen_radio_core_heard(gaen_radio_core_t *rc, const uint8_t address[6], int8_t rssi,
                           const uint8_t *data, size_t len) {
    radio_port_lock();
    if (!rc->scanning) {
        radio_port_unlock();
        return;
    }
    gaen_radio_heard_t *h = NULL;
    for (uint16_t i = 0; i < rc->heard_count; i++)
        if (memcmp(rc->heard[i].address, address, GAEN_RADIO_ADDRESS_BYTES) == 0) {
            h = &rc->heard[i];
            break;
        }
    if (len > GAEN_RADIO_MAX_ADV_DATA || (!h && rc->heard_count == GAEN_RADIO_MAX_HEARD)) {
        rc->heard_dropped++;
    } else {
        if (!h) {
            h = &rc->heard[rc->heard_count++];
            memset(h, 0, sizeof(*h));
            memcpy(h->address, address, GAEN_RADIO_ADDRESS_BYTES);
        }
        if (h->packets < UINT16_MAX) {
            h->packets++;
            h->rssi_sum += rssi;
        }
        // The latest payload: a sender changes address and payload together.
        h->payload_len = (uint8_t)len;
        memcpy(h->payload, data, len);
    }
    radio_port_unlock();
}

void gaen_radio_core_scan_done(gaen_radio_core_t *rc) {
    radio_port_lock();
    rc->scanning = false;
    radio_port_unlock();
}

int8_t gaen_radio_mean_rssi(int32_t sum, uint16_t packets) {
    if (!packets)
        return -127;
    // JavaScript's Math.round(sum / packets): halves round up, also below zero (-60.5 → -60).
    int32_t twice = 2 * sum + packets; // floor((2·sum + n) / 2n) = floor(sum/n + 1/2)
    int32_t den = 2 * (int32_t)packets;
    int32_t q = twice / den;
    if ((twice % den != 0) && ((twice < 0) != (den < 0)))
        q--;
    if (q < -127)
        q = -127;
    if (q > 20)
        q = 20;
    return (int8_t)q;
}
