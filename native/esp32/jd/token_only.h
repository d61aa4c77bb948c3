// The trust boundary of the hardware services: the radio and the contact-log flash answer only the
// token's own VM. jacdac-c marks frames that the device sent to itself with JD_FRAME_FLAG_LOOPBACK
// (source/jd_rx.c) and clears the flag on frames from any transport (USB, serial, the wire), so a
// host plugged into the token cannot read the log, erase it or change the beacon directly: it must
// go through the firmware's token-sync service and its rules.
#pragma once
#include "jd_protocol.h"

static inline bool gaen_frame_from_token(const jd_packet_t *pkt) {
    return (pkt->flags & JD_FRAME_FLAG_LOOPBACK) != 0;
}
