// The trust boundary of the hardware services: the radio and the contact-log flash answer only the
// token's own VM. Two things hold it:
// - the door (jd/host_door.c, core/host_door_core.h): a host's frame, over USB or the network
//   bridge, reaches the token only when it commands token-sync or is harmless control traffic, so
//   nothing a host sends is ever for these services;
// - this check, for frames that did not come through a bridge. jacdac-c marks
//   JD_FRAME_FLAG_LOOPBACK on every frame that enters through jd_send_frame_raw (source/interfaces/
//   tx_queue.c): the token's own, and the bridges' host frames, which the door has judged before.
//   It clears the flag on frames heard on a Jacdac wire (source/interfaces/simple_rx.c,
//   jd_rx_frame_received): a token has no wire, and were one fitted, nothing on it would reach
//   these services. The flag does not tell the token's frames from a host's: the door does.
#pragma once
#include "jd_protocol.h"

static inline bool gaen_frame_not_from_wire(const jd_packet_t *pkt) {
    return (pkt->flags & JD_FRAME_FLAG_LOOPBACK) != 0;
}
