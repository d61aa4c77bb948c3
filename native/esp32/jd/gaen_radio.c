// The GAEN Radio service (services/gaen-radio.md) as a jacdac-c server in the DeviceScript ESP32
// runtime: Jacdac framing only; the rules are in core/gaen_radio_core.c, NimBLE in port/esp32/.
// Started from app_init_services() (devicescript-esp32 main/main.c) with gaen_radio_init().
#include "services/jd_services.h" // jacdac-c: the SRV_*/REG_* framework
#include "gen/gaen_radio.h"
#include "core/gaen_radio_core.h"
#include "port/esp32/esp32_port.h"
#include "token_only.h"

#ifndef GAEN_RADIO_TX_POWER_DBM
#define GAEN_RADIO_TX_POWER_DBM 0 // the board's calibrated radiated power (boards/README.md)
#endif
#define GAEN_RADIO_ADV_INTERVAL_MS 250

struct srv_state {
    SRV_COMMON;
    // Registers, in REG_DEFINITION order.
    int8_t tx_power;
    uint16_t advertising_interval;
    uint8_t advertising;
    gaen_radio_core_t core;
    uint32_t foreign_frames; // dropped: heard on a Jacdac wire (token_only.h)
};

REG_DEFINITION(                                      //
    gaen_radio_regs,                                 //
    REG_SRV_COMMON,                                  //
    REG_I8(JD_GAEN_RADIO_REG_TX_POWER),              //
    REG_U16(JD_GAEN_RADIO_REG_ADVERTISING_INTERVAL), //
    REG_U8(JD_GAEN_RADIO_REG_ADVERTISING),           //
)

void gaen_radio_process(srv_t *state) {
    gaen_radio_core_process(&state->core);
    state->advertising = state->core.advertising;
    // The sync link's events, unasked and in order, as link_event reports to the token's VM.
    uint8_t event[GAEN_RADIO_REPORT_MAX];
    size_t len;
    while ((len = gaen_radio_core_next_link_event(&state->core, event)))
        jd_send(state->service_index, JD_GAEN_RADIO_CMD_LINK_EVENT, event, len);
}

void gaen_radio_handle_packet(srv_t *state, jd_packet_t *pkt) {
    if (!gaen_frame_not_from_wire(pkt)) {
        state->foreign_frames++;
        return;
    }
    switch (pkt->service_command) {
    case JD_GAEN_RADIO_CMD_ADVERTISE:
    case JD_GAEN_RADIO_CMD_STOP_ADVERTISING:
    case JD_GAEN_RADIO_CMD_SCAN:
    case JD_GAEN_RADIO_CMD_SCAN_RESULTS:
    case JD_GAEN_RADIO_CMD_ADVERTISE_SYNC:
    case JD_GAEN_RADIO_CMD_STOP_SYNC:
    case JD_GAEN_RADIO_CMD_LINK_SEND:
    case JD_GAEN_RADIO_CMD_LINK_EVENT: {
        uint8_t report[GAEN_RADIO_REPORT_MAX];
        size_t len = gaen_radio_core_command(&state->core, pkt->service_command, pkt->data, pkt->service_size, report);
        state->advertising = state->core.advertising;
        if (len)
            jd_send(state->service_index, pkt->service_command, report, len);
        return;
    }
    default:
        service_handle_register_final(state, pkt, gaen_radio_regs);
    }
}

SRV_DEF(gaen_radio, JD_SERVICE_CLASS_GAEN_RADIO);
void gaen_radio_init(void) {
    SRV_ALLOC(gaen_radio);
    gaen_radio_core_init(&state->core);
    state->tx_power = GAEN_RADIO_TX_POWER_DBM;
    state->advertising_interval = GAEN_RADIO_ADV_INTERVAL_MS;
    // On failure the radio stays silent (or without the sync link); commands still answer.
    radio_port_esp32_init(&state->core, jdesp_wake_main);
}
