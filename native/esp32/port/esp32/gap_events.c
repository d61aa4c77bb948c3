#include "gap_events.h"
#include "link_events.h"
#include "host/ble_hs.h"

/** A legacy advertising PDU that is not a scan response (passive scans should get none anyway). */
static bool counts(uint8_t legacy_event_type) {
    return legacy_event_type != BLE_HCI_ADV_RPT_EVTYPE_SCAN_RSP;
}

int gaen_radio_gap_event(struct ble_gap_event *event, void *arg) {
    gaen_radio_core_t *rc = arg;
    switch (event->type) {
    case BLE_GAP_EVENT_DISC: {
        const struct ble_gap_disc_desc *d = &event->disc;
        if (counts(d->event_type))
            gaen_radio_core_heard(rc, d->addr.val, d->rssi, d->data, d->length_data);
        return 0;
    }
#if MYNEWT_VAL(BLE_EXT_ADV)
    case BLE_GAP_EVENT_EXT_DISC: {
        const struct ble_gap_ext_disc_desc *d = &event->ext_disc;
        // GAEN beacons are legacy PDUs; extended ones (and truncated chains) are not GAEN.
        if ((d->props & BLE_HCI_ADV_LEGACY_MASK) && d->data_status == BLE_GAP_EXT_ADV_DATA_STATUS_COMPLETE &&
            counts(d->legacy_event_type))
            gaen_radio_core_heard(rc, d->addr.val, d->rssi, d->data, d->length_data);
        return 0;
    }
#endif
    case BLE_GAP_EVENT_DISC_COMPLETE:
        gaen_radio_core_scan_done(rc);
        return 0;
    case BLE_GAP_EVENT_CONNECT: // only the sync advertisement is connectable
    case BLE_GAP_EVENT_MTU:
    case BLE_GAP_EVENT_DISCONNECT:
        gaen_radio_link_gap_event(event, rc);
        return 0;
    default:
        return 0;
    }
}
