// The token's one door to hosts (USB, and the runtime's network bridge), both ways, with one state:
// - inward (host_door_admits): a host's frame reaches the token only when it is a command to the
//   token-sync service of the VM's servers' device, or harmless control traffic (announce, noop,
//   identify, register reads) to one of the token's devices. Everything else is refused: commands
//   to the flash, radio, button, settings, DeviceScript's manager (deploy) or any other service,
//   control commands that reset or set, reports (a forged button press, a service offered to the
//   firmware), broadcasts to any class but token-sync, malformed frames. The simulator's door,
//   sim/token/host-door.ts (admits), holds the same rule.
// - outward (host_door_filter; services/token-sync.md, "Sessions and hosts"): of the frames the
//   token sends, a host sees only reports of the control service (announcements, control register
//   answers) and reports of the token-sync service. Never a command the token sends (the VM to its
//   flash, radio, LED…), never a report of any other service (the flash's decrypted reads, the
//   radio's scans, the button, settings, the logger…). A frame of several packets goes out rebuilt
//   with only those packets and a new CRC, or not at all.
// - pace (host_door_pace_takes; services/token-sync.md, "Sessions and hosts"): the packets a host
//   has the token's program handle pass at most HOST_DOOR_PACE_PACKETS_PER_S after a burst of
//   HOST_DOOR_PACE_BURST; the rest is dropped and counted, never queued. The program answers each
//   packet in a fiber of its own that waits for its turn to send (the runtime sends at most 50
//   packets a second, devicescript runtime/devicescript/jdiface.c, throttle_send_pkt), so without
//   the pace a host sending faster than that fills the 64 KB heap with waiting fibers.
//
// Pure: bytes in, bytes out, the time passed in, nothing of jacdac-c; jd/host_door.c calls it for every frame jacdac-c
// hands its bridges and for every frame a bridge takes in from its host. DeviceScript hosts the VM's
// own servers (token-sync among them) on a device of their own, next to the token's device that
// holds the native servers (flash, radio, DeviceScript's manager, settings…); the door learns the
// token-sync service's index on that device from the device's announcements, as the simulator's door
// does (sim/token/host-door.ts).
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
    /** The token-sync service's class, and its index on the servers' device (0 until announced);
     *  volatile: the Jacdac loop writes it, the USB bridge's interrupt reads it. */
    uint32_t sync_service_class;
    volatile uint8_t sync_service_index;
} host_door_t;

/** Packets a second a host may have the token's program handle: half the runtime's 50, the other
 *  half staying the firmware's own. The simulator's door keeps the same pace (sim/token/host-door.ts,
 *  HOST_PACKETS_PER_SECOND, where the numbers are explained). */
#define HOST_DOOR_PACE_PACKETS_PER_S 25
/** Packets a host may send at once (sim/token/host-door.ts, HOST_PACKET_BURST). */
#define HOST_DOOR_PACE_BURST 20
/** The program's time one packet takes at the pace. */
#define HOST_DOOR_PACE_COST_MS (1000 / HOST_DOOR_PACE_PACKETS_PER_S)

typedef struct {
    /** The time (ms) until which the packets taken keep the program busy at the pace. 64 bits: a
     *  token goes weeks without a host, longer than 32 bits of ms hold. */
    uint64_t busy_until_ms;
    /** Packets dropped for going faster than the pace. */
    uint32_t dropped;
} host_door_pace_t;

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

/**
 * May this frame from a host reach the token? 1 when it is a well-formed command frame whose every
 * packet is for token-sync on the servers' device or harmless control traffic (header comment), or a
 * broadcast command to the token-sync class; 0 otherwise. Reads the door's state and writes nothing,
 * so the USB bridge may call it from its interrupt while the Jacdac loop observes announcements.
 */
int host_door_admits(const host_door_t *door, const uint8_t *frame, size_t len);

/** The packets of an admitted host frame the token's program handles, each in a fiber of its own:
 *  all of a frame to the servers' device or broadcast (to token-sync); none of control traffic to
 *  the token's own device, which jacdac-c answers natively. */
size_t host_door_program_packets(const host_door_t *door, const uint8_t *frame, size_t len);

/**
 * May `packets` more packets from a host go to the token's program at `now_ms` (any monotonic ms
 * clock)? 1, and they are taken, when the packets taken before plus these fit within
 * HOST_DOOR_PACE_BURST packets' time (HOST_DOOR_PACE_COST_MS each) from now; 0, and they are counted
 * in `dropped`, otherwise. A zeroed pace_t is a pace with nothing taken. Writes the pace: callers in
 * several contexts (the USB bridge's interrupt, the network bridge) take it under one lock.
 */
int host_door_pace_takes(host_door_pace_t *pace, size_t packets, uint64_t now_ms);

/** The CRC of a Jacdac frame: CRC-16/CCITT (polynomial 0x1021, start 0xffff) over all after the CRC field. */
uint16_t host_door_crc(const uint8_t *data, size_t len);
