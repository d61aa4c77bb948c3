#!/usr/bin/env bash
# Installs the token's door to hosts (native/esp32/jd/host_door.c) in a devicescript-esp32 checkout
# and switches the USB bridge's text log for the image's profile:
#
#   bash scripts/esp32-door-patch.sh <devicescript-esp32 checkout> development|production
#
# Run by scripts/build-esp32-image.sh (step 2) and, on a scratch copy of the trees, by
# `npm run check:esp-idf`, which compiles what it patches. Patches only lines it finds as expected and
# stops, naming the file and the line, when one is not there (the runtime changed: look at it by hand,
# native/esp32/README.md, 'Building a token image', step 2). Running it again changes nothing, but the
# profile's GAEN_USB_BRIDGE_LOG.
set -euo pipefail

die() { echo "esp32-door-patch: $*" >&2; exit 2; }

[ $# = 2 ] || die "usage: bash scripts/esp32-door-patch.sh <devicescript-esp32 checkout> development|production"
ds=$1
case "$2" in
    development) production=0 ;;
    production) production=1 ;;
    *) die "the profile is development or production (got '$2')" ;;
esac
[ -f "$ds/main/jd_user_config.h" ] || die "$ds has no main/jd_user_config.h: not a devicescript-esp32 checkout"
[ -f "$ds/devicescript/runtime/jacdac-c/source/jd_usb.c" ] ||
    die "$ds has no devicescript/runtime/jacdac-c/source/jd_usb.c: run git submodule update --init --recursive in it"

# Outward (jd/host_door.c): jacdac-c hands every frame the token sends to
# JD_USB_BRIDGE_SEND and JD_NET_BRIDGE_SEND (inc/jd_config.h, #ifndef-guarded); ours filter them, so a
# host sees control and token-sync reports only. The declarations serve the inward door below.
config="$ds/main/jd_user_config.h"
if ! grep -q 'gaen_usb_bridge_send' "$config"; then
    sed -i 's|^#define JD_USB_BRIDGE 1$|&\n// GAEN token: a host sees only what the door lets out, and reaches only what it admits (components/gaen_native/jd/host_door.c)\nint gaen_usb_bridge_send(void *frame);\nint gaen_net_bridge_send(void *frame);\n#define JD_USB_BRIDGE_SEND(f) gaen_usb_bridge_send(f)\n#define JD_NET_BRIDGE_SEND(f) gaen_net_bridge_send(f)|' "$config"
fi
grep -q '^#define JD_USB_BRIDGE_SEND(f) gaen_usb_bridge_send(f)$' "$config" ||
    die "could not route the USB bridge through the door in $config (no '#define JD_USB_BRIDGE 1' line?): add the lines by hand (native/esp32/README.md, 'Building a token image', step 2)"
grep -q 'gaen_host_door_admits' "$config" ||
    sed -i 's|^int gaen_net_bridge_send(void \*frame);$|&\nint gaen_host_door_admits(const void *frame);|' "$config"
grep -q '^int gaen_host_door_admits(const void \*frame);$' "$config" ||
    die "could not declare gaen_host_door_admits in $config (no 'int gaen_net_bridge_send(void *frame);' line?): add it by hand (native/esp32/README.md, 'Building a token image', step 2)"

# Inward: the USB bridge (jacdac-c source/jd_usb.c, jd_usb_handle_frame) and the network
# bridge (devicescript network/wssk_health.c, on_msg) give a host's frame to jd_send_frame_raw, which
# marks it as the token's own (JD_FRAME_FLAG_LOOPBACK): the door must judge it before that call.
door_in() { # <file>: the one `jd_send_frame_raw(frame);` line of a bridge, behind the door
    local file=$1
    [ -f "$file" ] || die "$file is not there: the bridge moved? (native/esp32/README.md, 'Building a token image', step 2)"
    grep -q 'gaen_host_door_admits' "$file" && return 0
    [ "$(grep -c '^\s*jd_send_frame_raw(frame);$' "$file")" = 1 ] ||
        die "could not put the door before the host's frames in $file: its one 'jd_send_frame_raw(frame);' line is not there (the bridge changed?): add 'if (gaen_host_door_admits(frame))' before that call by hand (native/esp32/README.md, 'Building a token image', step 2)"
    sed -i 's|^\(\s*\)jd_send_frame_raw(frame);$|\1if (gaen_host_door_admits(frame)) // GAEN token: components/gaen_native/jd/host_door.c\n\1    jd_send_frame_raw(frame);|' "$file"
}
door_in "$ds/devicescript/runtime/jacdac-c/source/jd_usb.c"
# The network bridge lives in the devicescript runtime beside jacdac-c; a scratch copy made only to
# compile the USB bridge (check:esp-idf without that runtime) has no runtime folder at all.
if [ -d "$ds/devicescript/runtime/devicescript" ]; then
    door_in "$ds/devicescript/runtime/devicescript/network/wssk_health.c"
fi

# The runtime's text log (DMESG: the firmware's console.log lines, the runtime's own messages)
# goes to the USB host by itself, 2 minutes after start, whatever the host asked (jd_usb.c,
# jd_usb_pull; the bridge's enable_log command sets a flag nothing reads), and a crash dumps it there
# with the panic report (jd_usb_panic_print_char). A field token sends neither: GAEN_USB_BRIDGE_LOG is
# 0 for production, 1 for development.
usb="$ds/devicescript/runtime/jacdac-c/source/jd_usb.c"
if ! grep -q 'GAEN_USB_BRIDGE_LOG' "$usb"; then
    sed -i 's|^\(\s*\)if (dmesg_timer == 1 \&\& !usb_panic_mode) {$|\1if (GAEN_USB_BRIDGE_LOG \&\& dmesg_timer == 1 \&\& !usb_panic_mode) { // GAEN token|' "$usb"
    sed -i 's|^void jd_usb_panic_print_char(char c) {$|&\n    if (!GAEN_USB_BRIDGE_LOG) // GAEN token: no panic report or log to a field token'"'"'s host\n        return;|' "$usb"
fi
grep -q 'if (GAEN_USB_BRIDGE_LOG && dmesg_timer == 1' "$usb" && grep -q 'if (!GAEN_USB_BRIDGE_LOG)' "$usb" ||
    die "could not switch off the USB bridge's text log in $usb: its 'if (dmesg_timer == 1 && !usb_panic_mode) {' or 'void jd_usb_panic_print_char(char c) {' line is not there (the bridge changed?): see native/esp32/README.md, 'Building a token image', step 2"
sed -i '/^#define GAEN_USB_BRIDGE_LOG /d' "$config"
sed -i "s|^#define JD_USB_BRIDGE 1\$|&\n#define GAEN_USB_BRIDGE_LOG $((1 - production)) // GAEN token: the runtime's text log to the USB host (0: field image)|" "$config"
grep -q "^#define GAEN_USB_BRIDGE_LOG $((1 - production)) " "$config" ||
    die "could not set GAEN_USB_BRIDGE_LOG in $config"
