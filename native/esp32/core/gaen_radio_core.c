#include "gaen_radio_core.h"
#include "bytes.h"
#include "gen/gaen_radio.h"
#include "port/radio_port.h"
#include "mem.h"

#define ENTRY_HEADER 9  // address 6, mean RSSI 1, packets 1, payload length 1
#define REPORT_HEADER 3 // state 1, entries in the window 2

void gaen_radio_core_init(gaen_radio_core_t *rc) {
    memset(rc, 0, sizeof(*rc));
}

static void put_on_air(gaen_radio_core_t *rc, const gaen_radio_adv_t *adv) {
    if (radio_port_adv_start(RADIO_PORT_BEACON_INSTANCE, adv->bytes, adv->bytes + GAEN_RADIO_ADDRESS_BYTES,
                             (uint8_t)(adv->len - GAEN_RADIO_ADDRESS_BYTES)) != 0) {
        rc->port_errors++;
        rc->advertising = false;
    }
}

/** An advertise or advertise_sync command: an address and 1 to 31 bytes of advertising data. */
static bool advertisement_size_ok(size_t size) {
    return size >= GAEN_RADIO_ADDRESS_BYTES + 1 && size <= GAEN_RADIO_ADDRESS_BYTES + GAEN_RADIO_MAX_ADV_DATA;
}

static void advertise(gaen_radio_core_t *rc, const uint8_t *data, size_t size) {
    if (!advertisement_size_ok(size)) {
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

static bool link_queue_has_room(const gaen_radio_core_t *rc, uint8_t slots) {
    return GAEN_RADIO_LINK_QUEUE - rc->events_count >= slots;
}

/** Queues one link_event report (head byte, then `len` bytes); the caller made sure there is room. */
static void link_queue_push(gaen_radio_core_t *rc, uint8_t event, const uint8_t *data, size_t len) {
    gaen_radio_link_event_t *e = &rc->events[(rc->events_head + rc->events_count) % GAEN_RADIO_LINK_QUEUE];
    rc->events_count++;
    e->bytes[0] = event;
    if (len)
        memcpy(e->bytes + 1, data, len);
    e->len = (uint8_t)(1 + len);
}

/** The link's state as the link_event command answers it (and the connected event carries). */
static size_t link_state(const gaen_radio_core_t *rc, uint8_t *out) {
    if (!rc->connected) {
        out[0] = 0;
        out[1] = rc->sync_advertising ? 1 : 0;
        return 2;
    }
    out[0] = GAEN_RADIO_LINK_EVENT_CONNECTED;
    put_le16(out + 1, rc->mtu);
    memcpy(out + 3, rc->host, GAEN_RADIO_ADDRESS_BYTES);
    return 3 + GAEN_RADIO_ADDRESS_BYTES;
}

static void advertise_sync(gaen_radio_core_t *rc, const uint8_t *data, size_t size) {
    // A static random address: the two top bits of its last byte (as on air) are 1.
    bool malformed = !advertisement_size_ok(size) || (data[GAEN_RADIO_ADDRESS_BYTES - 1] & 0xc0) != 0xc0;
    radio_port_lock();
    bool refuse = malformed || rc->connected;
    if (!refuse)
        rc->sync_advertising = true;
    radio_port_unlock();
    if (refuse) {
        rc->refused++;
        return;
    }
    if (radio_port_adv_start(RADIO_PORT_SYNC_INSTANCE, data, data + GAEN_RADIO_ADDRESS_BYTES,
                             (uint8_t)(size - GAEN_RADIO_ADDRESS_BYTES)) != 0) {
        // Off the air: no host can connect, and link_event says so.
        rc->port_errors++;
        radio_port_lock();
        rc->sync_advertising = false;
        radio_port_unlock();
    }
}

static void stop_sync(gaen_radio_core_t *rc) {
    radio_port_lock();
    bool was_advertising = rc->sync_advertising, was_connected = rc->connected;
    rc->sync_advertising = false;
    rc->connected = false; // the firmware ended it: no disconnected event follows
    radio_port_unlock();
    if (was_advertising && radio_port_adv_stop(RADIO_PORT_SYNC_INSTANCE) != 0)
        rc->port_errors++;
    if (was_connected && radio_port_link_disconnect() != 0)
        rc->port_errors++;
}

static void link_send(gaen_radio_core_t *rc, const uint8_t *data, size_t size) {
    radio_port_lock();
    bool send = rc->connected && size + 3 <= rc->mtu;
    radio_port_unlock();
    if (!send) {
        rc->refused++; // dropped, as the spec says: no host, or longer than MTU - 3
        return;
    }
    if (radio_port_link_notify(data, (uint16_t)size) != 0)
        rc->port_errors++;
}

size_t gaen_radio_core_command(gaen_radio_core_t *rc, uint16_t cmd, const uint8_t *data, size_t size, uint8_t *report) {
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
    case JD_GAEN_RADIO_CMD_ADVERTISE_SYNC:
        advertise_sync(rc, data, size);
        return 0;
    case JD_GAEN_RADIO_CMD_STOP_SYNC:
        stop_sync(rc);
        return 0;
    case JD_GAEN_RADIO_CMD_LINK_SEND:
        link_send(rc, data, size);
        return 0;
    case JD_GAEN_RADIO_CMD_LINK_EVENT: {
        radio_port_lock();
        size_t len = link_state(rc, report);
        radio_port_unlock();
        return len;
    }
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

void gaen_radio_core_heard(gaen_radio_core_t *rc, const uint8_t address[6], int8_t rssi, const uint8_t *data,
                           size_t len) {
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

bool gaen_radio_core_link_connected(gaen_radio_core_t *rc, uint16_t mtu, const uint8_t host[6]) {
    radio_port_lock();
    // Room for this event and the disconnection that will follow it.
    bool accept = rc->sync_advertising && !rc->connected && link_queue_has_room(rc, 2);
    if (accept) {
        // A connectable advertisement ends once a host is connected (the controller stops it too).
        rc->sync_advertising = false;
        rc->connected = true;
        rc->mtu = mtu < GAEN_RADIO_LINK_MIN_MTU   ? GAEN_RADIO_LINK_MIN_MTU
                  : mtu > GAEN_RADIO_LINK_MAX_MTU ? GAEN_RADIO_LINK_MAX_MTU
                                                  : mtu;
        memcpy(rc->host, host, GAEN_RADIO_ADDRESS_BYTES);
        uint8_t state[3 + GAEN_RADIO_ADDRESS_BYTES];
        size_t len = link_state(rc, state);
        link_queue_push(rc, state[0], state + 1, len - 1);
    } else {
        rc->link_refused++;
    }
    radio_port_unlock();
    if (!accept)
        return false;
    radio_port_link_event_queued();
    if (radio_port_adv_stop(RADIO_PORT_SYNC_INSTANCE) != 0)
        rc->port_errors++;
    return true;
}

gaen_radio_link_write_t gaen_radio_core_link_written(gaen_radio_core_t *rc, const uint8_t *value, size_t len) {
    radio_port_lock();
    gaen_radio_link_write_t result = !rc->connected                ? GAEN_RADIO_LINK_NOT_CONNECTED
                                     : len + 3 > rc->mtu           ? GAEN_RADIO_LINK_TOO_LONG
                                     : !link_queue_has_room(rc, 2) ? GAEN_RADIO_LINK_QUEUE_FULL
                                                                   : GAEN_RADIO_LINK_TAKEN;
    if (result == GAEN_RADIO_LINK_TAKEN)
        link_queue_push(rc, GAEN_RADIO_LINK_EVENT_VALUE, value, len);
    else
        rc->link_refused++;
    radio_port_unlock();
    if (result == GAEN_RADIO_LINK_TAKEN)
        radio_port_link_event_queued();
    return result;
}

void gaen_radio_core_link_disconnected(gaen_radio_core_t *rc) {
    radio_port_lock();
    bool was_connected = rc->connected;
    if (was_connected) {
        rc->connected = false;
        link_queue_push(rc, GAEN_RADIO_LINK_EVENT_DISCONNECTED, NULL, 0); // its slot was kept free
    }
    radio_port_unlock();
    if (was_connected)
        radio_port_link_event_queued();
}

size_t gaen_radio_core_next_link_event(gaen_radio_core_t *rc, uint8_t *report) {
    radio_port_lock();
    size_t len = 0;
    if (rc->events_count) {
        const gaen_radio_link_event_t *e = &rc->events[rc->events_head];
        len = e->len;
        memcpy(report, e->bytes, len);
        rc->events_head = (uint8_t)((rc->events_head + 1) % GAEN_RADIO_LINK_QUEUE);
        rc->events_count--;
    }
    radio_port_unlock();
    return len;
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
