// Sizes shared by the servers: one Jacdac frame carries at most 236 bytes of service payload.
#pragma once

#define JD_SERVICE_PAYLOAD_MAX 236
