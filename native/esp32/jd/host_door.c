// The token's one door to hosts, both ways, on the DeviceScript ESP32 runtime; the rule is
// core/host_door_core.h, its state one host_door_t here.
//
// Inward. jacdac-c's USB bridge hands a host's frame to jd_send_frame_raw (source/jd_usb.c,
// jd_usb_handle_frame), which gives it to the token's own services through
// jd_rx_frame_received_loopback (source/interfaces/tx_queue.c and simple_rx.c): marked
// JD_FRAME_FLAG_LOOPBACK like the token's own frames, so nothing after that point can tell a host
// from the firmware. The runtime's network bridge does the same (devicescript
// runtime/devicescript/network/wssk_health.c, on_msg, JD_WSSK_CMD_JACDAC_PACKET).
// scripts/esp32-door-patch.sh (run by the image build) puts gaen_host_door_admits before both calls,
// so only what the door admits goes on, at the pace the token answers (host_door_pace_takes, on the
// time of jacdac-c's tim_get_micros: esp_timer_get_time on the ESP32, callable from an interrupt).
// On the ESP32-C3 and the ESP32 the USB bridge runs it in its interrupt (devicescript-esp32
// main/usb.c): it reads the door's state and changes nothing of it; the one pace of both bridges
// (a token has one host) is written under jacdac-c's target_disable_irq, the runtime's critical
// section for interrupts and tasks alike (devicescript-esp32 main/platform.c).
//
// Outward. jacdac-c hands every frame the token sends to JD_BRIDGE_SEND (jd_send_frame,
// source/interfaces/tx_queue.c; and each frame heard on a Jacdac wire, source/interfaces/simple_rx.c,
// which a token has none of), that is to JD_USB_BRIDGE_SEND and JD_NET_BRIDGE_SEND (inc/jd_config.h,
// each #ifndef-guarded so that a board's jd_user_config.h may define its own). Defined as the
// functions below, only what a host may see (core/host_door_core.h) reaches jd_usb_send_frame
// (source/jd_usb.c) and the network bridge. A host's own frames never come here: the bridges give
// them to jd_send_frame_raw.
//
// Where token-sync is: DeviceScript hosts the VM's servers (src/ starts token-sync with startServer)
// on a device of their own, devs_jd_server_device_id() (devicescript runtime/devicescript/jdiface.c:
// jd_device_id() XOR a constant, a weak function), numbered in the order the program starts them
// after that device's own control service (packages/server: startServer), and announced by that
// device every 500 ms. The index is the program's, not the C runtime's, so the door learns it from
// those announcements, as the simulator's door does. Until it has, hosts see control reports only and
// reach nothing but control.
#include "jd_protocol.h"
#include "interfaces/jd_usb.h"
#include "core/host_door_core.h"
#include "gen/token_sync.h"
#include "host_door.h"

/** The device of the VM's own servers (DeviceScript runtime). */
uint64_t devs_jd_server_device_id(void);
#if JD_NET_BRIDGE
/** The runtime's network bridge (DeviceScript), whose declaration in jd_config.h is skipped when
 *  JD_NET_BRIDGE_SEND is defined by the board. */
int jd_net_send_frame(void *frame);
#endif

_Static_assert(sizeof(jd_frame_t) >= HOST_DOOR_FRAME_MAX, "a jd_frame_t holds any frame the door writes");

static host_door_t door;
/** What hosts have the token's program handle: one pace for the USB port and the network bridge. */
static host_door_pace_t pace;
/** Set once `door` holds the token's device ids, by the Jacdac loop; read by the USB bridge's interrupt. */
static bool door_ready;

/** What a host may see of `frame`, in `out`; false when nothing. */
static bool through_door(void *frame, jd_frame_t *out) {
    if (!__atomic_load_n(&door_ready, __ATOMIC_ACQUIRE)) {
        host_door_init(&door, jd_device_id(), devs_jd_server_device_id(), JD_SERVICE_CLASS_TOKEN_SYNC);
        __atomic_store_n(&door_ready, true, __ATOMIC_RELEASE);
    }
    const jd_frame_t *f = (const jd_frame_t *)frame;
    size_t len = JD_FRAME_SIZE(f);
    if (len > sizeof(jd_frame_t))
        return false;
    host_door_observe(&door, (const uint8_t *)frame, len);
    return host_door_filter(&door, (const uint8_t *)frame, len, (uint8_t *)out) != 0;
}

int gaen_usb_bridge_send(void *frame) {
    jd_frame_t out;
    return through_door(frame, &out) ? jd_usb_send_frame(&out) : 0;
}

int gaen_net_bridge_send(void *frame) {
#if JD_NET_BRIDGE
    jd_frame_t out;
    return through_door(frame, &out) ? jd_net_send_frame(&out) : 0;
#else
    (void)frame;
    return 0;
#endif
}

int gaen_host_door_admits(const void *frame) {
    // Until the token has sent its first frame the door knows nothing of it, not even token-sync's
    // place: nothing is admitted (the VM announces within half a second of starting).
    if (!__atomic_load_n(&door_ready, __ATOMIC_ACQUIRE))
        return 0;
    const jd_frame_t *f = (const jd_frame_t *)frame;
    size_t len = JD_FRAME_SIZE(f);
    if (len > sizeof(jd_frame_t) || !host_door_admits(&door, (const uint8_t *)frame, len))
        return 0;
    size_t packets = host_door_program_packets(&door, (const uint8_t *)frame, len);
    if (packets == 0)
        return 1;
    uint64_t now_ms = tim_get_micros() / 1000;
    target_disable_irq();
    int takes = host_door_pace_takes(&pace, packets, now_ms);
    target_enable_irq();
    return takes;
}
