// The NOR Flash service (services/flash.md) as a jacdac-c server in the DeviceScript ESP32 runtime:
// Jacdac framing only; the rules are in core/nor_flash_core.c, the partition in port/esp32/.
// Started from app_init_services() (devicescript-esp32 main/main.c) with nor_flash_init().
#include "services/jd_services.h" // jacdac-c: the SRV_*/REG_* framework
#include "gen/nor_flash.h"
#include "core/nor_flash_core.h"
#include "port/esp32/esp32_port.h"
#include "token_only.h"

struct srv_state {
    SRV_COMMON;
    // Registers, in REG_DEFINITION order.
    uint32_t sector_size;
    uint32_t sector_count;
    uint16_t max_transfer;
    uint16_t row_size;
    uint8_t encrypted;
    nor_flash_core_t core;
    uint32_t foreign_frames; // dropped: heard on a Jacdac wire (token_only.h)
};

REG_DEFINITION(                             //
    nor_flash_regs,                         //
    REG_SRV_COMMON,                         //
    REG_U32(JD_NOR_FLASH_REG_SECTOR_SIZE),  //
    REG_U32(JD_NOR_FLASH_REG_SECTOR_COUNT), //
    REG_U16(JD_NOR_FLASH_REG_MAX_TRANSFER), //
    REG_U16(JD_NOR_FLASH_REG_ROW_SIZE),     //
    REG_U8(JD_NOR_FLASH_REG_ENCRYPTED),     //
)

/**
 * Sends up to `parts` more parts of the read_rows being answered. Each goes into the VM's receive
 * queue at once (jd_send loops frames back to it), which empties only between passes of the loop:
 * services/flash.md, "How fast a server may send parts".
 */
static void send_parts(srv_t *state, int parts) {
    uint8_t report[NOR_FLASH_REPORT_MAX];
    size_t len;
    for (; parts > 0 && (len = nor_flash_core_next_part(&state->core, report)) != 0; parts--)
        jd_send(state->service_index, JD_NOR_FLASH_CMD_READ_ROWS, report, len);
}

void nor_flash_process(srv_t *state) {
    uint8_t report[NOR_FLASH_REPORT_MAX];
    size_t len = nor_flash_core_poll(&state->core, report);
    if (len)
        jd_send(state->service_index, JD_NOR_FLASH_CMD_ERASE_SECTOR, report, len);
    // The next parts of a read_rows once the VM has taken the last ones (its queue is empty).
    if (state->core.rows_pending && !jd_rx_has_frame())
        send_parts(state, NOR_FLASH_PARTS_PER_PASS);
}

void nor_flash_handle_packet(srv_t *state, jd_packet_t *pkt) {
    if (!gaen_frame_not_from_wire(pkt)) {
        state->foreign_frames++;
        return;
    }
    switch (pkt->service_command) {
    case JD_NOR_FLASH_CMD_READ:
    case JD_NOR_FLASH_CMD_PROGRAM:
    case JD_NOR_FLASH_CMD_ERASE_SECTOR:
    case JD_NOR_FLASH_CMD_DESTROY:
    case JD_NOR_FLASH_CMD_ROW_STATES: {
        // The report goes back as a regular command report to the requester (the token's VM).
        uint8_t report[NOR_FLASH_REPORT_MAX];
        size_t len = nor_flash_core_command(&state->core, pkt->service_command, pkt->data, pkt->service_size, report);
        if (len)
            jd_send(state->service_index, pkt->service_command, report, len);
        return;
    }
    case JD_NOR_FLASH_CMD_READ_ROWS: {
        // Only the first part now: the receive queue may still hold frames the VM has not taken
        // (this command's, others behind it). The rest go from nor_flash_process.
        uint8_t report[NOR_FLASH_REPORT_MAX];
        size_t len = nor_flash_core_command(&state->core, pkt->service_command, pkt->data, pkt->service_size, report);
        if (len)
            jd_send(state->service_index, pkt->service_command, report, len);
        return;
    }
    default:
        service_handle_register_final(state, pkt, nor_flash_regs);
    }
}

SRV_DEF(nor_flash, JD_SERVICE_CLASS_NOR_FLASH);
void nor_flash_init(void) {
    SRV_ALLOC(nor_flash);
    // jdesp_wake_main: declared by the runtime (main/jd_user_config.h). Without a usable
    // partition the region has 0 sectors and every command is answered out_of_range.
    flash_port_esp32_init(jdesp_wake_main);
    nor_flash_core_init(&state->core);
    state->sector_size = state->core.sector_size;
    state->sector_count = state->core.sector_count;
    state->max_transfer = NOR_FLASH_MAX_TRANSFER;
    state->row_size = NOR_FLASH_ROW_SIZE;
    state->encrypted = state->core.encrypted;
}
