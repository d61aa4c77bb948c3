// The token's door to hosts (core/host_door_core.c), both ways: what a host may see of the frames the
// token sends, and which of a host's frames reach the token. Mirrors test/sim/host-door.test.ts (the
// simulator's door), plus what only the ESP32 runtime has: the token's device and the device of the
// VM's own servers side by side, and jacdac-c's way of walking a frame's packets.
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
/** Where the native flash sits on the token's device (any index but control's would do). */
#define FLASH_INDEX 1
#define CONTROL_NOOP 0x80
#define CONTROL_IDENTIFY 0x81
#define CONTROL_RESET 0x82
#define CONTROL_SET_STATUS_LIGHT 0x84
#define CONTROL_REG_RESET_IN 0x80
#define REGISTER_GET 0x1000
#define REGISTER_SET 0x2000

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

static int admits(void) {
    return host_door_admits(&door, frame, frame_len);
}

static void a_host_commanding_the_flash_is_refused(void) {
    setup();
    packet_t read = {FLASH_INDEX, JD_NOR_FLASH_CMD_READ, 8, 0};
    build(TOKEN_ID, COMMAND, &read, 1);
    CHECK(!admits());
    packet_t erase = {FLASH_INDEX, JD_NOR_FLASH_CMD_ERASE_SECTOR, 4, 0};
    build(TOKEN_ID, COMMAND, &erase, 1);
    CHECK(!admits());
    // Its registers too: only control's may be read.
    packet_t reg = {FLASH_INDEX, REGISTER_GET | 0x180, 0, 0};
    build(TOKEN_ID, COMMAND, &reg, 1);
    CHECK(!admits());
    // token-sync's index on the token's own device is another service.
    packet_t same_index = {SYNC_INDEX, JD_TOKEN_SYNC_CMD_READ_LOG, 4, 0};
    build(TOKEN_ID, COMMAND, &same_index, 1);
    CHECK(!admits());
    // A broadcast to the flash's class, and one to the USB bridge's own class that reached the door.
    build(JD_SERVICE_CLASS_NOR_FLASH, COMMAND | BROADCAST, &read, 1);
    CHECK(!admits());
}

static void token_sync_commands_and_register_reads_pass(void) {
    setup();
    packet_t read_log = {SYNC_INDEX, JD_TOKEN_SYNC_CMD_READ_LOG, 6, 0x01};
    build(SERVERS_ID, COMMAND, &read_log, 1);
    CHECK(admits());
    packet_t state = {SYNC_INDEX, REGISTER_GET | JD_TOKEN_SYNC_REG_STATE, 0, 0};
    build(SERVERS_ID, COMMAND, &state, 1);
    CHECK(admits());
    build(JD_SERVICE_CLASS_TOKEN_SYNC, COMMAND | BROADCAST, &read_log, 1);
    CHECK(admits());
    // Several packets, every one for token-sync or harmless control traffic.
    packet_t both[] = {{0, REGISTER_GET | 0x180, 0, 0}, {SYNC_INDEX, JD_TOKEN_SYNC_CMD_SET_TIME, 8, 0x22}};
    build(SERVERS_ID, COMMAND, both, 2);
    CHECK(admits());
}

static void token_sync_commands_pass_only_once_announced_and_while_it_is(void) {
    host_door_init(&door, TOKEN_ID, SERVERS_ID, JD_SERVICE_CLASS_TOKEN_SYNC);
    packet_t read_log = {SYNC_INDEX, JD_TOKEN_SYNC_CMD_READ_LOG, 6, 0x01};
    build(SERVERS_ID, COMMAND, &read_log, 1);
    CHECK(!admits());
    announce_servers(JD_SERVICE_CLASS_TOKEN_SYNC);
    build(SERVERS_ID, COMMAND, &read_log, 1);
    CHECK(admits());
    // Another program without token-sync: its index is some other service of the VM.
    announce_servers(JD_SERVICE_CLASS_NOR_FLASH);
    build(SERVERS_ID, COMMAND, &read_log, 1);
    CHECK(!admits());
}

static void harmless_control_traffic_passes_and_nothing_else_of_control(void) {
    setup();
    const uint16_t harmless[] = {0x00 /* announce */, CONTROL_NOOP, CONTROL_IDENTIFY, REGISTER_GET | 0x180,
                                 REGISTER_GET | CONTROL_REG_RESET_IN};
    for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++) {
        packet_t control = {0, harmless[i], 0, 0};
        build(TOKEN_ID, COMMAND, &control, 1);
        CHECK(admits());
        build(SERVERS_ID, COMMAND, &control, 1);
        CHECK(admits());
    }
    const uint16_t refused[] = {
        CONTROL_RESET, CONTROL_SET_STATUS_LIGHT, REGISTER_SET | CONTROL_REG_RESET_IN, 0x83, 0x85, 0x87};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        packet_t control = {0, refused[i], 4, 0x01};
        build(TOKEN_ID, COMMAND, &control, 1);
        CHECK(!admits());
        build(SERVERS_ID, COMMAND, &control, 1);
        CHECK(!admits());
    }
    // One refused packet refuses the frame, whatever comes with it.
    packet_t mixed[] = {
        {0, CONTROL_IDENTIFY, 0, 0}, {SYNC_INDEX, JD_TOKEN_SYNC_CMD_READ_LOG, 6, 0x01}, {0, CONTROL_RESET, 0, 0}};
    build(SERVERS_ID, COMMAND, mixed, 3);
    CHECK(!admits());
    // Control traffic to a device that is not the token's.
    packet_t identify = {0, CONTROL_IDENTIFY, 0, 0};
    build(0x0102030405060708ull, COMMAND, &identify, 1);
    CHECK(!admits());
}

static void a_host_sending_reports_is_refused(void) {
    setup();
    // A forged button press, a forged token-sync answer, an announcement of a service to bind to.
    packet_t press = {3, 0x01, 0, 0};
    build(TOKEN_ID, 0, &press, 1);
    CHECK(!admits());
    packet_t answer = {SYNC_INDEX, JD_TOKEN_SYNC_CMD_READ_LOG, 6, 0x01};
    build(SERVERS_ID, 0, &answer, 1);
    CHECK(!admits());
    announce_servers(JD_SERVICE_CLASS_TOKEN_SYNC);
    CHECK(!admits());
    build(JD_SERVICE_CLASS_TOKEN_SYNC, BROADCAST, &answer, 1);
    CHECK(!admits());
}

static void malformed_host_frames_are_refused(void) {
    setup();
    packet_t read_log = {SYNC_INDEX, JD_TOKEN_SYNC_CMD_READ_LOG, 6, 0x01};
    build(SERVERS_ID, COMMAND, &read_log, 1);
    CHECK(admits());
    CHECK(!host_door_admits(&door, frame, frame_len - 1)); // shorter than its size
    CHECK(!host_door_admits(&door, frame, 11));            // shorter than a header
    frame[12] = 13;                                        // a packet past the frame's end
    CHECK(!admits());
    build(SERVERS_ID, COMMAND, &read_log, 1);
    frame[2] = HOST_DOOR_FRAME_DATA_MAX + 4; // bigger than any Jacdac frame
    CHECK(!host_door_admits(&door, frame, sizeof frame));
    build(SERVERS_ID, COMMAND, NULL, 0); // no packets at all: jacdac-c would read what lies beyond
    CHECK(!admits());
}

static void a_packet_hidden_from_the_door_by_jacdac_cs_mark_is_refused(void) {
    // Two token-sync packets as this walk reads them; the second one's data holds a flash command.
    // jacdac-c (jd_shift_frame) reads 0xff right after the first packet's data as "the next packet
    // is at the offset that follows", which would run that hidden command.
    setup();
    packet_t two[] = {{SYNC_INDEX, JD_TOKEN_SYNC_CMD_READ_LOG, 1, 0x01},
                      {SYNC_INDEX, JD_TOKEN_SYNC_CMD_SET_TIME, 8, 0}};
    build(SERVERS_ID, COMMAND, two, 2);
    uint8_t *hidden = frame + HOST_DOOR_FRAME_HEADER + 8 + 4; // the second packet's data
    hidden[0] = 0;
    hidden[1] = FLASH_INDEX;
    put_le16(hidden + 2, JD_NOR_FLASH_CMD_READ);
    put_le16(frame, host_door_crc(frame + 2, frame_len - 2));
    CHECK(admits()); // without the mark, jacdac-c walks it as the door does
    frame[HOST_DOOR_FRAME_HEADER + 5] = 0xff;
    frame[HOST_DOOR_FRAME_HEADER + 6] = 8 + 4; // the hidden packet's offset from the first packet
    put_le16(frame, host_door_crc(frame + 2, frame_len - 2));
    CHECK(!admits());
}

static void the_program_packets_are_those_to_the_servers_device_or_broadcast(void) {
    setup();
    packet_t reads[] = {{SYNC_INDEX, 0x1182, 0, 0}, {0, 0x1180, 0, 0}};
    build(SERVERS_ID, COMMAND, reads, 2);
    CHECK_EQ(host_door_program_packets(&door, frame, frame_len), 2);
    build(TOKEN_ID, COMMAND, &reads[1], 1); // control of the token's own device: answered natively
    CHECK(admits());
    CHECK_EQ(host_door_program_packets(&door, frame, frame_len), 0);
}

static void a_host_is_held_to_the_pace_and_a_burst(void) {
    host_door_pace_t pace = {0};
    uint64_t t = 1000;
    for (int i = 0; i < HOST_DOOR_PACE_BURST; i++)
        CHECK(host_door_pace_takes(&pace, 1, t));
    CHECK(!host_door_pace_takes(&pace, 1, t)); // one more at once is dropped, and counted
    CHECK_EQ(pace.dropped, 1);
    t += HOST_DOOR_PACE_COST_MS - 1;
    CHECK(!host_door_pace_takes(&pace, 1, t));
    t += 1; // one packet's time later, one more
    CHECK(host_door_pace_takes(&pace, 1, t));
    CHECK(!host_door_pace_takes(&pace, 1, t));
    // A steady sender at the pace always passes.
    for (int i = 0; i < 100; i++) {
        t += HOST_DOOR_PACE_COST_MS;
        CHECK(host_door_pace_takes(&pace, 1, t));
    }
    // A frame of more packets than the burst never passes; after a quiet second, a whole burst again.
    t += 1000;
    CHECK(!host_door_pace_takes(&pace, HOST_DOOR_PACE_BURST + 1, t));
    CHECK(host_door_pace_takes(&pace, HOST_DOOR_PACE_BURST, t));
    CHECK_EQ(pace.dropped, 3 + HOST_DOOR_PACE_BURST + 1);
    // Weeks without a host (more ms than 32 bits hold): the burst is there, not a wait.
    t += 50ull * 24 * 3600 * 1000;
    CHECK(host_door_pace_takes(&pace, HOST_DOOR_PACE_BURST, t));
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
    {"door in: a host's commands to the flash (and its registers, at any index of the token's device) are refused",
     a_host_commanding_the_flash_is_refused},
    {"door in: token-sync commands and register reads pass, alone, broadcast or beside control reads",
     token_sync_commands_and_register_reads_pass},
    {"door in: token-sync commands pass once the VM's device has announced it, and no longer once it has not",
     token_sync_commands_pass_only_once_announced_and_while_it_is},
    {"door in: announce, noop, identify and register reads pass; reset, set and other control commands do not",
     harmless_control_traffic_passes_and_nothing_else_of_control},
    {"door in: a host's reports (a forged press, answer or announcement) are refused",
     a_host_sending_reports_is_refused},
    {"door in: malformed frames are refused", malformed_host_frames_are_refused},
    {"door in: a packet jacdac-c would find through its in-frame mark, hidden from the door's walk, is refused",
     a_packet_hidden_from_the_door_by_jacdac_cs_mark_is_refused},
    {"door in: the packets the program handles are those to its servers' device or broadcast to token-sync",
     the_program_packets_are_those_to_the_servers_device_or_broadcast},
    {"door in: a host's packets pass at the pace after a burst; the excess is dropped and counted",
     a_host_is_held_to_the_pace_and_a_burst},
    {NULL, NULL},
};
