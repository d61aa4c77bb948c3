// The token's one door to USB hosts, outward: see host_door_core.h.
#include "host_door_core.h"
#include "bytes.h"
#include "mem.h"

#define FLAG_COMMAND 0x01
/** The identifier is a service class: a broadcast command. */
#define FLAG_IDENTIFIER_IS_SERVICE_CLASS 0x04
#define PACKET_HEADER 4
#define CONTROL_INDEX 0
#define CONTROL_ANNOUNCE 0x0000
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

/** The end of a well-formed report frame's packets, or 0 (too short, a command, a broadcast, too big). */
static size_t report_end(const uint8_t *frame, size_t len) {
    if (len < HOST_DOOR_FRAME_HEADER || frame[2] > HOST_DOOR_FRAME_DATA_MAX)
        return 0;
    if (frame[3] & (FLAG_COMMAND | FLAG_IDENTIFIER_IS_SERVICE_CLASS))
        return 0;
    size_t end = HOST_DOOR_FRAME_HEADER + frame[2];
    return end <= len ? end : 0;
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
        // token-sync takes the index away.
        door->sync_service_index = 0;
        const uint8_t *classes = frame + off + PACKET_HEADER + ANNOUNCE_HEADER;
        for (size_t i = 0; ANNOUNCE_HEADER + 4 * (i + 1) <= size; i++)
            if (le32(classes + 4 * i) == door->sync_service_class && i + 1 <= SERVICE_INDEX_MASK)
                door->sync_service_index = (uint8_t)(i + 1);
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
