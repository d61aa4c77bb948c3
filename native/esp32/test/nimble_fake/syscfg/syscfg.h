// For the host tests only: NimBLE's build-time switches, extended advertising on (both scan events).
#pragma once
#define MYNEWT_VAL(name) MYNEWT_VAL_##name
#define MYNEWT_VAL_BLE_EXT_ADV 1
