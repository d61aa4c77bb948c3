// Executes the shared conformance cases (native/esp32/conformance/*.json) on the C cores with the
// host port. test/native/conformance.test.ts (and door-conformance.test.ts for the door) turns each
// case into lines on stdin and compares what this prints with the case's expectations, as it does
// for the simulator's TypeScript servers (and door).
//
// In (one per line)                  Out
//   flash <sector_size> <count> <damage seed>
//                                    (a blank flash and a fresh flash core; the seed of its power cuts)
//   cut <bytes>                      (flash: power is cut after this many more bytes of work)
//   power_on                         (flash: power is back, the flash as the cut left it)
//   radio                            (a fresh radio core; address changes allowed while scanning)
//   cmd <code> <hex or ->            report <code> <hex>   for each report it produced (none for a
//                                    command the power failed in: a board's token dies with its flash)
//   register <code>                  report <0x1000 | code> <hex>   (flash: the register's value)
//   hear <address> <rssi> <payload>  (one packet heard, through the core as the port delivers it)
//   window_end                       (the scan window ended)
//   connect <mtu> <host address>     (a host connected, as the port reports it)
//   write <hex or ->                 (the connected host wrote a value)
//   disconnect                       (the host ended the connection)
//   air                              per thing the radio did, in order, then "end":
//                                    start <address> <payload> | stop            (GAEN beacon)
//                                    sync_start <address> <payload> | sync_stop  (sync advertisement)
//                                    accepted | refused | notify <hex> | closed  (the sync link)
// After every line, link_event reports waiting for the loop: report 135 <hex>.
//   image                            image <hex of the whole flash>
//   door <token id> <servers id>     (a fresh door to hosts; each id the 8 bytes a frame carries, hex)
//   observe <frame hex>              (the door sees a frame the token sent: learns from announcements)
//   admits <frame hex>               admits 1 | admits 0   (may this host frame reach the token?)
//   paced <ms> <frame hex>           admits 1 | admits 0   (and at the pace, at that time? as
//                                    jd/host_door.c judges it; `door` starts a fresh pace)
#include "core/bytes.h"
#include "core/gaen_radio_core.h"
#include "core/host_door_core.h"
#include "core/nor_flash_core.h"
#include "gen/gaen_radio.h"
#include "gen/token_sync.h"
#include "port/host/host_port.h"
#include "port/radio_port.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nor_flash_core_t flash;
static gaen_radio_core_t radio;
static host_door_t door;
static host_door_pace_t pace;
static enum { NONE, FLASH, RADIO } service;
/** Connections' outcomes, each with the number of port calls before it, to list them in order. */
#define MAX_CONNECTS 32
static struct {
    size_t after_calls;
    bool accepted;
} connects[MAX_CONNECTS];
static size_t connect_count;

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
    size_t n = 0;
    if (!s || strcmp(s, "-") == 0)
        return 0;
    while (s[0] && s[1] && n < cap) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) {
            fprintf(stderr, "bad hex: %s\n", s);
            exit(2);
        }
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}
static void print_hex(const char *label, int code, const uint8_t *p, size_t n);

/** What the Jacdac loop would send unasked after each step. */
static void drain_link_events(void) {
    static uint8_t event[JD_SERVICE_PAYLOAD_MAX];
    size_t n;
    while (service == RADIO && (n = gaen_radio_core_next_link_event(&radio, event)))
        print_hex("report", JD_GAEN_RADIO_CMD_LINK_EVENT, event, n);
}

static void print_hex(const char *label, int code, const uint8_t *p, size_t n) {
    printf("%s", label);
    if (code >= 0)
        printf(" %d", code);
    printf(" ");
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

int main(void) {
    static char line[8192];
    static uint8_t a[4096], b[4096], report[JD_SERVICE_PAYLOAD_MAX];
    while (fgets(line, sizeof line, stdin)) {
        char *word = strtok(line, " \n");
        if (!word)
            continue;
        if (strcmp(word, "flash") == 0) {
            unsigned size = (unsigned)atoi(strtok(NULL, " \n")), count = (unsigned)atoi(strtok(NULL, " \n"));
            const char *seed_word = strtok(NULL, " \n");
            if (!seed_word)
                return fprintf(stderr, "flash: give <sector_size> <count> <damage seed>\n"), 2;
            uint32_t seed = (uint32_t)strtoul(seed_word, NULL, 10);
            ram_flash_reset(size, count, seed);
            nor_flash_core_init(&flash);
            service = FLASH;
        } else if (strcmp(word, "radio") == 0) {
            radio_fake_reset(true);
            gaen_radio_core_init(&radio);
            connect_count = 0;
            service = RADIO;
        } else if (strcmp(word, "cmd") == 0) {
            int code = atoi(strtok(NULL, " \n"));
            size_t n = unhex(strtok(NULL, " \n"), a, sizeof a), r;
            if (service == FLASH) {
                bool powered = !ram_flash_power_is_off();
                if ((r = nor_flash_core_command(&flash, (uint16_t)code, a, n, report)) &&
                    !(powered && ram_flash_power_is_off()))
                    print_hex("report", code, report, r);
                // The rest of a read_rows' parts, which a board sends over the next passes of its loop.
                while ((r = nor_flash_core_next_part(&flash, report)) != 0)
                    print_hex("report", code, report, r);
                // The host flash ends an erase at once; the loop would poll for it.
                if ((r = nor_flash_core_poll(&flash, report)) && !(powered && ram_flash_power_is_off()))
                    print_hex("report", code, report, r);
            } else if ((r = gaen_radio_core_command(&radio, (uint16_t)code, a, n, report))) {
                print_hex("report", code, report, r);
            }
        } else if (strcmp(word, "cut") == 0) {
            const char *bytes_word = strtok(NULL, " \n");
            if (!bytes_word)
                return fprintf(stderr, "cut: give the bytes of work before the cut\n"), 2;
            ram_flash_arm_power_cut((uint32_t)strtoul(bytes_word, NULL, 10));
        } else if (strcmp(word, "power_on") == 0) {
            ram_flash_power_on();
        } else if (strcmp(word, "register") == 0) {
            int code = atoi(strtok(NULL, " \n"));
            size_t r = service == FLASH ? nor_flash_core_register(&flash, (uint16_t)code, report) : 0;
            if (!r)
                return fprintf(stderr, "register %d: not a register of this service\n", code), 2;
            print_hex("report", 0x1000 | code, report, r);
        } else if (strcmp(word, "hear") == 0) {
            size_t an = unhex(strtok(NULL, " \n"), a, sizeof a);
            int rssi = atoi(strtok(NULL, " \n"));
            size_t pn = unhex(strtok(NULL, " \n"), b, sizeof b);
            if (an != 6)
                return fprintf(stderr, "hear: address must be 6 bytes\n"), 2;
            gaen_radio_core_heard(&radio, a, (int8_t)(rssi < -128 ? -128 : rssi > 127 ? 127 : rssi), b, pn);
        } else if (strcmp(word, "window_end") == 0) {
            gaen_radio_core_scan_done(&radio);
            gaen_radio_core_process(&radio);
        } else if (strcmp(word, "connect") == 0) {
            int mtu = atoi(strtok(NULL, " \n"));
            if (unhex(strtok(NULL, " \n"), a, sizeof a) != 6)
                return fprintf(stderr, "connect: host address must be 6 bytes\n"), 2;
            if (connect_count == MAX_CONNECTS)
                return fprintf(stderr, "connect: more than %d in one case\n", MAX_CONNECTS), 2;
            connects[connect_count].after_calls = radio_fake_call_count();
            connects[connect_count++].accepted = gaen_radio_core_link_connected(&radio, (uint16_t)mtu, a);
        } else if (strcmp(word, "write") == 0) {
            size_t n = unhex(strtok(NULL, " \n"), a, sizeof a);
            gaen_radio_core_link_written(&radio, a, n);
        } else if (strcmp(word, "disconnect") == 0) {
            gaen_radio_core_link_disconnected(&radio);
        } else if (strcmp(word, "air") == 0) {
            size_t next_connect = 0;
            for (size_t i = 0; i <= radio_fake_call_count(); i++) {
                for (; next_connect < connect_count && connects[next_connect].after_calls == i; next_connect++)
                    printf(connects[next_connect].accepted ? "accepted\n" : "refused\n");
                const radio_call_t *c = radio_fake_call(i);
                if (!c)
                    break;
                bool sync = c->instance == RADIO_PORT_SYNC_INSTANCE;
                if (c->kind == AIR_START) {
                    printf(sync ? "sync_start " : "start ");
                    for (int j = 0; j < 6; j++)
                        printf("%02x", c->address[j]);
                    print_hex("", -1, c->data, c->len);
                } else if (c->kind == AIR_STOP) {
                    printf(sync ? "sync_stop\n" : "stop\n");
                } else if (c->kind == LINK_NOTIFY) {
                    print_hex("notify", -1, c->data, c->len);
                } else if (c->kind == LINK_DISCONNECT) {
                    printf("closed\n");
                }
            }
            printf("end\n");
        } else if (strcmp(word, "door") == 0) {
            if (unhex(strtok(NULL, " \n"), a, 8) != 8 || unhex(strtok(NULL, " \n"), b, 8) != 8)
                return fprintf(stderr, "door: give the token's and the servers' device ids, 8 bytes each\n"), 2;
            uint64_t token = le32(a) | (uint64_t)le32(a + 4) << 32, servers = le32(b) | (uint64_t)le32(b + 4) << 32;
            host_door_init(&door, token, servers, JD_SERVICE_CLASS_TOKEN_SYNC);
            memset(&pace, 0, sizeof pace);
        } else if (strcmp(word, "observe") == 0) {
            size_t n = unhex(strtok(NULL, " \n"), a, sizeof a);
            host_door_observe(&door, a, n);
        } else if (strcmp(word, "admits") == 0) {
            size_t n = unhex(strtok(NULL, " \n"), a, sizeof a);
            printf("admits %d\n", host_door_admits(&door, a, n));
        } else if (strcmp(word, "paced") == 0) {
            const char *at = strtok(NULL, " \n");
            if (!at)
                return fprintf(stderr, "paced: give the time in ms, then the frame\n"), 2;
            uint64_t ms = strtoull(at, NULL, 10);
            size_t n = unhex(strtok(NULL, " \n"), a, sizeof a);
            size_t packets = host_door_program_packets(&door, a, n);
            printf("admits %d\n",
                   host_door_admits(&door, a, n) && (packets == 0 || host_door_pace_takes(&pace, packets, ms)));
        } else if (strcmp(word, "image") == 0) {
            print_hex("image", -1, ram_flash_image(), ram_flash_image_size());
        } else {
            return fprintf(stderr, "unknown line: %s\n", word), 2;
        }
        drain_link_events();
        fflush(stdout);
    }
    return 0;
}
