// The token's one door to USB hosts, outward (services/token-sync.md, "Sessions and hosts"): of the
// frames the token sends, a host sees only reports of the control service (announcements, control
// register answers) and reports of the token-sync service. Never a command the token sends (the VM
// to its flash, radio, LED…), never a report of any other service (the flash's decrypted reads, the
// radio's scans, the button, settings, the logger…). A frame of several packets goes out rebuilt with
// only those packets and a new CRC, or not at all.
//
// Pure: bytes in, bytes out, nothing of jacdac-c; jd/host_door.c calls it for every frame jacdac-c
// hands its USB bridge. DeviceScript hosts the VM's own servers (token-sync among them) on a device of
// their own, next to the token's device that holds the native servers (flash, radio, DeviceScript's
// manager, settings…); the door learns the token-sync service's index on that device from the
// device's announcements, as the simulator's door does (sim/token/host-door.ts).
#pragma once
#include <stddef.h>
#include <stdint.h>

/** A Jacdac frame: crc u16, size u8 (of what follows the header), flags u8, device id u64, packets. */
#define HOST_DOOR_FRAME_HEADER 12
/** The most a frame carries after its header (jacdac-c: JD_SERIAL_PAYLOAD_SIZE + 4). */
#define HOST_DOOR_FRAME_DATA_MAX 240
/** Room for any frame the door writes. */
#define HOST_DOOR_FRAME_MAX (HOST_DOOR_FRAME_HEADER + HOST_DOOR_FRAME_DATA_MAX)

typedef struct {
    /** The token's device (jd_device_id()): hosts see its control reports only. */
    uint64_t token_device_id;
    /** The device of the VM's own servers (DeviceScript's devs_jd_server_device_id()). */
    uint64_t servers_device_id;
    /** The token-sync service's class, and its index on the servers' device (0 until announced). */
    uint32_t sync_service_class;
    uint8_t sync_service_index;
} host_door_t;

void host_door_init(host_door_t *door, uint64_t token_device_id, uint64_t servers_device_id,
                    uint32_t sync_service_class);

/** A frame the token sent: learns from the servers' device's announcements where token-sync is. */
void host_door_observe(host_door_t *door, const uint8_t *frame, size_t len);

/**
 * Writes to `out` (HOST_DOOR_FRAME_MAX bytes) what a host may see of `frame`: the frame itself when
 * every packet may be seen, or a frame of only those packets with its size and CRC made again.
 * Returns the length written; 0 when nothing of it may leave (also for a malformed frame, or one of a
 * device that is not the token's).
 */
size_t host_door_filter(const host_door_t *door, const uint8_t *frame, size_t len, uint8_t *out);

/** The CRC of a Jacdac frame: CRC-16/CCITT (polynomial 0x1021, start 0xffff) over all after the CRC field. */
uint16_t host_door_crc(const uint8_t *data, size_t len);
