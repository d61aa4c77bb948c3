// The USB bridge's door, outward (core/host_door_core.c): what a host may see of the frames the token
// sends. Mirrors test/sim/host-door.test.ts (the simulator's door), plus what only the ESP32 runtime
// has: the token's device and the device of the VM's own servers side by side.
#include "check.h"
#include "core/bytes.h"
#include "core/host_door_core.h"
#include "gen/token_sync.h"
#include "gen/nor_flash.h"

#define TOKEN_ID 0x1122334455667788ull
#define SERVERS_ID (TOKEN_ID ^ 0xdb2249a7751b53f8ull) // as DeviceScript derives it (host_door.c)
#define COMMAND 0x01
#define BROADCAST 0x04
#define SYNC_INDEX 2

typedef struct {
    uint8_t index;
    uint16_t command;
    uint8_t size;
    uint8_t fill;
} packet_t;

static uint8_t frame[HOST_DOOR_FRAME_MAX], out[HOST_DOOR_FRAME_MAX];
static size_t frame_len;
static host_door_t door;

/** Builds `frame`: the device's packets, each padded to 4 bytes, with a valid CRC. */
static void build(uint64_t device, uint8_t flags, const packet_t *packets, size_t count) {
    memset(frame, 0, sizeof frame);
    size_t off = HOST_DOOR_FRAME_HEADER;
    for (size_t i = 0; i < count; i++) {
        frame[off] = packets[i].size;
        frame[off + 1] = packets[i].index;
        put_le16(frame + off + 2, packets[i].command);
        memset(frame + off + 4, packets[i].fill, packets[i].size);
        off += (4u + packets[i].size + 3u) & ~3u;
    }
    frame[2] = (uint8_t)(off - HOST_DOOR_FRAME_HEADER);
    frame[3] = flags;
    put_le32(frame + 4, (uint32_t)device);
    put_le32(frame + 8, (uint32_t)(device >> 32));
    put_le16(frame, host_door_crc(frame + 2, off - 2));
    frame_len = off;
}

/** The servers' device announces control, a service of another class, and token-sync at SYNC_INDEX. */
static void announce_servers(uint32_t at_sync_index) {
    memset(frame, 0, sizeof frame);
    uint8_t *p = frame + HOST_DOOR_FRAME_HEADER;
    p[0] = 12; // flags u16, count u8, reserved u8, two classes
    put_le32(p + 8, 0x1e7a3c01);
    put_le32(p + 12, at_sync_index);
    frame[2] = 16;
    put_le32(frame + 4, (uint32_t)SERVERS_ID);
    put_le32(frame + 8, (uint32_t)(SERVERS_ID >> 32));
    put_le16(frame, host_door_crc(frame + 2, 26));
    frame_len = 28;
    host_door_observe(&door, frame, frame_len);
}

static void setup(void) {
    host_door_init(&door, TOKEN_ID, SERVERS_ID, JD_SERVICE_CLASS_TOKEN_SYNC);
    announce_servers(JD_SERVICE_CLASS_TOKEN_SYNC);
}

static int crc_holds(const uint8_t *f, size_t len) {
    return len >= HOST_DOOR_FRAME_HEADER && le16(f) == host_door_crc(f + 2, len - 2);
}

static void crc_of_real_frames(void) {
    // Frames the simulator's bus carried (jacdac-ts computed their CRCs).
    static const uint8_t a[] = {0xf6, 0xec, 0x08, 0x01, 0xb0, 0x78, 0x94, 0xcb, 0x32, 0xea,
                                0x79, 0x94, 0x04, 0x00, 0x84, 0x00, 0xa0, 0x80, 0x00, 0x00};
    static const uint8_t b[] = {0xf2, 0xea, 0x04, 0x01, 0x00, 0x9e, 0xe1, 0x57,
                                0xbe, 0xef, 0x19, 0xbb, 0x00, 0x01, 0x80, 0x11};
    CHECK(crc_holds(a, sizeof a));
    CHECK(crc_holds(b, sizeof b));
}

static void announcements_and_sync_answers_pass_whole(void) {
    setup();
    // The announcement itself (a control report) passes as it came.
    size_t n = host_door_filter(&door, frame, frame_len, out);
    CHECK_EQ(n, frame_len);
    CHECK_BYTES(out, frame, frame_len);
    packet_t sync = {SYNC_INDEX, 0x1182, 9, 0x5a};
    build(SERVERS_ID, 0, &sync, 1);
    n = host_door_filter(&door, frame, frame_len, out);
    CHECK_EQ(n, frame_len);
    CHECK_BYTES(out, frame, frame_len);
    packet_t control = {0, 0x1180, 4, 0x11};
    build(TOKEN_ID, 0, &control, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), frame_len);
}

static void a_mixed_frame_is_rebuilt_with_its_allowed_packets(void) {
    setup();
    packet_t mixed[] = {{0, 0x1180, 3, 0x11}, {1, 0x0081, 200, 0xee}, {SYNC_INDEX, 0x1182, 5, 0x22}};
    build(SERVERS_ID, 0, mixed, 3);
    size_t n = host_door_filter(&door, frame, frame_len, out);
    CHECK_EQ(n, HOST_DOOR_FRAME_HEADER + 8 + 12);
    CHECK_EQ(out[2], 20);
    CHECK_EQ(out[3], 0);
    CHECK_BYTES(out + 4, frame + 4, 8);
    CHECK(crc_holds(out, n));
    CHECK_BYTES(out + 12, frame + 12, 8); // the control packet, padding included
    CHECK_EQ(out[20], 5);
    CHECK_EQ(out[21], SYNC_INDEX);
    CHECK_EQ(le16(out + 22), 0x1182);
    CHECK(out[24] == 0x22 && out[28] == 0x22 && out[29] == 0 && out[31] == 0);
    for (size_t i = 0; i < n; i++)
        CHECK(out[i] != 0xee); // nothing of the dropped packet
}

static void commands_and_other_services_never_go_out(void) {
    setup();
    // The VM programming its flash (a command to the token's device), and the flash's read report.
    packet_t program = {3, JD_NOR_FLASH_CMD_PROGRAM, 40, 0xab};
    build(TOKEN_ID, COMMAND, &program, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
    packet_t read = {3, JD_NOR_FLASH_CMD_READ, 40, 0xab};
    build(TOKEN_ID, 0, &read, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
    // A report at token-sync's index, but of the token's device: another service.
    packet_t same_index = {SYNC_INDEX, 0x1182, 4, 0xab};
    build(TOKEN_ID, 0, &same_index, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
    // Commands even to control or token-sync, and broadcasts.
    packet_t control_cmd = {0, 0x81, 0, 0};
    build(TOKEN_ID, COMMAND, &control_cmd, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
    packet_t sync_cmd = {SYNC_INDEX, 0x1180, 0, 0};
    build(SERVERS_ID, COMMAND, &sync_cmd, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
    build(JD_SERVICE_CLASS_TOKEN_SYNC, COMMAND | BROADCAST, &sync_cmd, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
    build(JD_SERVICE_CLASS_TOKEN_SYNC, BROADCAST, &sync_cmd, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
}

static void token_sync_is_seen_only_once_announced_and_while_it_is(void) {
    host_door_init(&door, TOKEN_ID, SERVERS_ID, JD_SERVICE_CLASS_TOKEN_SYNC);
    packet_t sync = {SYNC_INDEX, 0x1182, 4, 0x5a};
    build(SERVERS_ID, 0, &sync, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
    // The token's own device announcing the class teaches nothing: token-sync is the VM's.
    announce_servers(JD_SERVICE_CLASS_TOKEN_SYNC);
    put_le32(frame + 4, (uint32_t)TOKEN_ID);
    put_le32(frame + 8, (uint32_t)(TOKEN_ID >> 32));
    host_door_init(&door, TOKEN_ID, SERVERS_ID, JD_SERVICE_CLASS_TOKEN_SYNC);
    host_door_observe(&door, frame, frame_len);
    CHECK_EQ(door.sync_service_index, 0);
    announce_servers(JD_SERVICE_CLASS_TOKEN_SYNC);
    CHECK_EQ(door.sync_service_index, SYNC_INDEX);
    build(SERVERS_ID, 0, &sync, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), frame_len);
    // The VM restarted with another program: no token-sync any more.
    announce_servers(JD_SERVICE_CLASS_NOR_FLASH);
    CHECK_EQ(door.sync_service_index, 0);
    build(SERVERS_ID, 0, &sync, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
}

static void malformed_and_foreign_frames_do_not_go_out(void) {
    setup();
    packet_t control = {0, 0x1180, 8, 0x11};
    build(0x0102030405060708ull, 0, &control, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0); // not the token's device
    build(TOKEN_ID, 0, &control, 1);
    CHECK_EQ(host_door_filter(&door, frame, frame_len - 1, out), 0); // shorter than its size
    CHECK_EQ(host_door_filter(&door, frame, 11, out), 0);            // shorter than a header
    frame[12] = 9;                                                   // a packet past the frame's end
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
    build(TOKEN_ID, 0, &control, 1);
    frame[2] = HOST_DOOR_FRAME_DATA_MAX + 4; // bigger than any Jacdac frame
    CHECK_EQ(host_door_filter(&door, frame, sizeof frame, out), 0);
    build(TOKEN_ID, 0, NULL, 0); // no packets at all
    CHECK_EQ(host_door_filter(&door, frame, frame_len, out), 0);
}

const test_case_t host_door_tests[] = {
    {"door: its CRC is Jacdac's (frames the simulator's bus carried)", crc_of_real_frames},
    {"door: announcements, control answers and token-sync answers go out as they came",
     announcements_and_sync_answers_pass_whole},
    {"door: a frame of several packets goes out with only the allowed ones, its size and CRC made again",
     a_mixed_frame_is_rebuilt_with_its_allowed_packets},
    {"door: no command the token sends and no report of the flash or another service goes out",
     commands_and_other_services_never_go_out},
    {"door: token-sync answers go out once the VM's device has announced it, and no longer once it has not",
     token_sync_is_seen_only_once_announced_and_while_it_is},
    {"door: malformed frames and frames of another device do not go out", malformed_and_foreign_frames_do_not_go_out},
    {NULL, NULL},
};
