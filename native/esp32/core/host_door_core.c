// The token's one door to hosts, both ways: see host_door_core.h.
#include "host_door_core.h"
#include "bytes.h"
#include "mem.h"

#define FLAG_COMMAND 0x01
/** The identifier is a service class: a broadcast command. */
#define FLAG_IDENTIFIER_IS_SERVICE_CLASS 0x04
#define PACKET_HEADER 4
#define CONTROL_INDEX 0
#define CONTROL_ANNOUNCE 0x0000
#define CONTROL_NOOP 0x0080
#define CONTROL_IDENTIFY 0x0081
/** A register read (Jacdac's get): 0x1000 | register. */
#define REGISTER_GET_MASK 0xf000
#define REGISTER_GET 0x1000
/** jacdac-c's in-frame mark (jd_shift_frame, source/jd_util.c): 0xff right after a packet's data
 *  says the next packet starts at the offset in the byte after it, not at the padded end. */
#define NEXT_PACKET_MARK 0xff
#define SERVICE_INDEX_MASK 0x3f
/** An announcement's payload: flags u16, packet count u8, reserved u8, then one class per service index from 1. */
#define ANNOUNCE_HEADER 4

static uint64_t le64(const uint8_t *p) {
    return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static size_t aligned(size_t n) {
    return (n + 3) & ~(size_t)3;
}

uint16_t host_door_crc(const uint8_t *data, size_t len) {
    uint16_t crc = 0xffff;
    for (size_t i = 0; i < len; i++) {
        crc = (uint16_t)(crc ^ (data[i] << 8));
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

void host_door_init(host_door_t *door, uint64_t token_device_id, uint64_t servers_device_id,
                    uint32_t sync_service_class) {
    memset(door, 0, sizeof *door);
    door->token_device_id = token_device_id;
    door->servers_device_id = servers_device_id;
    door->sync_service_class = sync_service_class;
}

/** The end of a frame's packets, or 0 when the frame is shorter than its header or its size, or
 *  bigger than any Jacdac frame. */
static size_t frame_end(const uint8_t *frame, size_t len) {
    if (len < HOST_DOOR_FRAME_HEADER || frame[2] > HOST_DOOR_FRAME_DATA_MAX)
        return 0;
    size_t end = HOST_DOOR_FRAME_HEADER + frame[2];
    return end <= len ? end : 0;
}

/** The end of a well-formed report frame's packets, or 0 (malformed, a command, a broadcast). */
static size_t report_end(const uint8_t *frame, size_t len) {
    if (len < HOST_DOOR_FRAME_HEADER || frame[3] & (FLAG_COMMAND | FLAG_IDENTIFIER_IS_SERVICE_CLASS))
        return 0;
    return frame_end(frame, len);
}

void host_door_observe(host_door_t *door, const uint8_t *frame, size_t len) {
    size_t end = report_end(frame, len);
    if (!end || le64(frame + 4) != door->servers_device_id)
        return;
    for (size_t off = HOST_DOOR_FRAME_HEADER; off + PACKET_HEADER <= end; off += aligned(PACKET_HEADER + frame[off])) {
        size_t size = frame[off];
        if (off + PACKET_HEADER + size > end)
            return;
        if ((frame[off + 1] & SERVICE_INDEX_MASK) != CONTROL_INDEX || le16(frame + off + 2) != CONTROL_ANNOUNCE ||
            size < ANNOUNCE_HEADER)
            continue;
        // The services a device announces are the services it has: an announcement without
        // token-sync takes the index away. One store: a host's frame judged meanwhile (the USB
        // bridge's interrupt) sees the old index or the new one, never a 0 between them.
        uint8_t index = 0;
        const uint8_t *classes = frame + off + PACKET_HEADER + ANNOUNCE_HEADER;
        for (size_t i = 0; ANNOUNCE_HEADER + 4 * (i + 1) <= size; i++)
            if (le32(classes + 4 * i) == door->sync_service_class && i + 1 <= SERVICE_INDEX_MASK)
                index = (uint8_t)(i + 1);
        door->sync_service_index = index;
    }
}

size_t host_door_filter(const host_door_t *door, const uint8_t *frame, size_t len, uint8_t *out) {
    size_t end = report_end(frame, len);
    if (!end)
        return 0;
    uint64_t device = le64(frame + 4);
    int from_servers = device == door->servers_device_id;
    if (!from_servers && device != door->token_device_id)
        return 0;
    size_t kept = HOST_DOOR_FRAME_HEADER;
    int dropped_any = 0;
    for (size_t off = HOST_DOOR_FRAME_HEADER; off + PACKET_HEADER <= end; off += aligned(PACKET_HEADER + frame[off])) {
        size_t size = frame[off];
        if (off + PACKET_HEADER + size > end)
            return 0;
        unsigned index = frame[off + 1] & SERVICE_INDEX_MASK;
        int seen = index == CONTROL_INDEX ||
                   (from_servers && door->sync_service_index != 0 && index == door->sync_service_index);
        if (!seen) {
            dropped_any = 1;
            continue;
        }
        memcpy(out + kept, frame + off, PACKET_HEADER + size);
        memset(out + kept + PACKET_HEADER + size, 0, aligned(PACKET_HEADER + size) - (PACKET_HEADER + size));
        kept += aligned(PACKET_HEADER + size);
    }
    if (kept == HOST_DOOR_FRAME_HEADER)
        return 0;
    if (!dropped_any) {
        memcpy(out, frame, end);
        return end;
    }
    memcpy(out + 2, frame + 2, HOST_DOOR_FRAME_HEADER - 2);
    out[2] = (uint8_t)(kept - HOST_DOOR_FRAME_HEADER);
    put_le16(out, host_door_crc(out + 2, kept - 2));
    return kept;
}

/** A control command a host may send to any of the token's devices: nothing that resets or reconfigures. */
static int harmless_control(uint16_t command) {
    return command == CONTROL_ANNOUNCE || command == CONTROL_NOOP || command == CONTROL_IDENTIFY ||
           (command & REGISTER_GET_MASK) == REGISTER_GET;
}

int host_door_admits(const host_door_t *door, const uint8_t *frame, size_t len) {
    size_t end = frame_end(frame, len);
    if (!end || !(frame[3] & FLAG_COMMAND))
        return 0;
    uint64_t device = le64(frame + 4);
    int broadcast = (frame[3] & FLAG_IDENTIFIER_IS_SERVICE_CLASS) != 0;
    int to_servers = !broadcast && device == door->servers_device_id;
    if (broadcast ? (uint32_t)device != door->sync_service_class : !to_servers && device != door->token_device_id)
        return 0;
    size_t packets = 0;
    for (size_t off = HOST_DOOR_FRAME_HEADER; off + PACKET_HEADER <= end; off += aligned(PACKET_HEADER + frame[off])) {
        size_t size = frame[off];
        size_t data_end = off + PACKET_HEADER + size;
        if (data_end > end || (data_end < end && frame[data_end] == NEXT_PACKET_MARK))
            return 0; // runs past the frame, or would make jacdac-c read packets this walk does not see
        packets++;
        if (broadcast)
            continue; // every packet goes to the services of the class: token-sync's
        unsigned index = frame[off + 1] & SERVICE_INDEX_MASK;
        if (index == CONTROL_INDEX
                ? !harmless_control(le16(frame + off + 2))
                : !(to_servers && door->sync_service_index != 0 && index == door->sync_service_index))
            return 0;
    }
    return packets != 0;
}

size_t host_door_program_packets(const host_door_t *door, const uint8_t *frame, size_t len) {
    size_t end = frame_end(frame, len);
    if (!end)
        return 0;
    if (!(frame[3] & FLAG_IDENTIFIER_IS_SERVICE_CLASS) && le64(frame + 4) != door->servers_device_id)
        return 0;
    size_t packets = 0;
    for (size_t off = HOST_DOOR_FRAME_HEADER; off + PACKET_HEADER <= end; off += aligned(PACKET_HEADER + frame[off]))
        packets++;
    return packets;
}

int host_door_pace_takes(host_door_pace_t *pace, size_t packets, uint64_t now_ms) {
    uint64_t from = pace->busy_until_ms > now_ms ? pace->busy_until_ms : now_ms;
    uint64_t until = from + (uint64_t)packets * HOST_DOOR_PACE_COST_MS;
    if (until - now_ms > (uint64_t)HOST_DOOR_PACE_BURST * HOST_DOOR_PACE_COST_MS) {
        pace->dropped += (uint32_t)packets;
        return 0;
    }
    pace->busy_until_ms = until;
    return 1;
}
