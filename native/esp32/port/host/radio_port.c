// The host's radio: records every call the core makes, as a sniffer would see the result.
#include "host_port.h"
#include "port/radio_port.h"
#include <string.h>

static radio_call_t calls[RADIO_FAKE_MAX_CALLS];
static size_t call_count;
static bool change_while_scanning, fail_next;

void radio_fake_reset(bool address_change_while_scanning) {
    call_count = 0;
    change_while_scanning = address_change_while_scanning;
    fail_next = false;
}
size_t radio_fake_call_count(void) {
    return call_count;
}
const radio_call_t *radio_fake_call(size_t i) {
    return i < call_count ? &calls[i] : NULL;
}
void radio_fake_fail_next(void) {
    fail_next = true;
}

static radio_call_t *record(radio_call_kind_t kind) {
    static radio_call_t overflow;
    radio_call_t *c = call_count < RADIO_FAKE_MAX_CALLS ? &calls[call_count++] : &overflow;
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    return c;
}
static bool failing(void) {
    bool f = fail_next;
    fail_next = false;
    return f;
}

radio_port_err_t radio_port_adv_start(uint8_t instance, const uint8_t address[6], const uint8_t *data, uint8_t len) {
    if (failing())
        return -1;
    radio_call_t *c = record(AIR_START);
    c->instance = instance;
    memcpy(c->address, address, 6);
    c->len = len;
    memcpy(c->data, data, len);
    return 0;
}
radio_port_err_t radio_port_adv_stop(uint8_t instance) {
    record(AIR_STOP)->instance = instance;
    return 0;
}
radio_port_err_t radio_port_scan_start(uint32_t duration_ms) {
    if (failing())
        return -1;
    record(AIR_SCAN)->duration_ms = duration_ms;
    return 0;
}
radio_port_err_t radio_port_link_notify(const uint8_t *value, uint16_t len) {
    if (failing())
        return -1;
    radio_call_t *c = record(LINK_NOTIFY);
    c->len = (uint8_t)len;
    memcpy(c->data, value, len);
    return 0;
}
radio_port_err_t radio_port_link_disconnect(void) {
    record(LINK_DISCONNECT);
    return 0;
}
void radio_port_link_event_queued(void) {} // the tests drain the queue themselves
bool radio_port_address_change_while_scanning(void) {
    return change_while_scanning;
}
void radio_port_lock(void) {}
void radio_port_unlock(void) {}
