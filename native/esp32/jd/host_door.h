// The token's USB bridge with its door, for devicescript-esp32's main/jd_user_config.h:
// scripts/build-esp32-image.sh defines JD_USB_BRIDGE_SEND(f) as gaen_usb_bridge_send(f) there (and
// JD_NET_BRIDGE_SEND(f) as gaen_net_bridge_send(f) while the runtime has its network bridge).
#pragma once

int gaen_usb_bridge_send(void *frame);
int gaen_net_bridge_send(void *frame);
