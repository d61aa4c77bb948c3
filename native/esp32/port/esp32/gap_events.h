// NimBLE GAP events → the radio core. Both scan event kinds are handled: BLE_GAP_EVENT_DISC
// (legacy scanning, ESP32) and BLE_GAP_EVENT_EXT_DISC (extended scanning, ESP32-C3/S3, where the
// legacy event never comes). Copies only what the core needs into its fixed table; allocates nothing.
// The sync link's connection events (connect, MTU, disconnect) go on to link_events.c.
#pragma once
#include "core/gaen_radio_core.h"

struct ble_gap_event;

/** The GAP callback of every advertising and scan call; `arg` is the gaen_radio_core_t. */
int gaen_radio_gap_event(struct ble_gap_event *event, void *arg);
