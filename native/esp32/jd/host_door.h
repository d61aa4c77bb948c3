// The token's bridges with their door, for devicescript-esp32's main/jd_user_config.h:
// scripts/build-esp32-image.sh defines JD_USB_BRIDGE_SEND(f) as gaen_usb_bridge_send(f) there (and
// JD_NET_BRIDGE_SEND(f) as gaen_net_bridge_send(f) while the runtime has its network bridge), declares
// these, and puts gaen_host_door_admits(frame) before jd_send_frame_raw(frame) where the USB bridge
// (jacdac-c source/jd_usb.c) and the network bridge (devicescript network/wssk_health.c) take in a
// host's frame.
#pragma once

int gaen_usb_bridge_send(void *frame);
int gaen_net_bridge_send(void *frame);
/** May this frame from a host (USB or network) reach the token? core/host_door_core.h, host_door_admits. */
int gaen_host_door_admits(const void *frame);
