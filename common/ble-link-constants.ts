// The Bluetooth sync link's numbers and labels: the one home both ends import, the token's firmware
// (src/link/) and the kiosk (lib/ble-link/protocol.ts, which has the design). Nothing but constants
// here, in TypeScript that DeviceScript and Node both compile.

/** The token's link key, made at first start and printed on its sticker. */
export const LINK_KEY_BYTES = 32
/** Each side's nonce in HELLO and READY. */
export const NONCE_BYTES = 16
export const MSG_HELLO = 0x01
export const MSG_READY = 0x02
export const MSG_DATA = 0x03
/** A DATA message's head: the message byte and the counter (u32 LE). */
export const DATA_HEADER_BYTES = 5
/** AES-256-CCM: the nonce (direction, counter, zeros) and the tag. */
export const CCM_NONCE_BYTES = 13
export const TAG_BYTES = 16
/** The largest message either side accepts (a Jacdac report of 236 bytes + command + framing). */
export const MAX_MESSAGE_BYTES = 300
/** 16-bit UUID of the sync service data in the advertisement (from the unassigned 0xFFF0 range). */
export const SYNC_SERVICE_UUID = 0xfff5
export const ADV_NONCE_BYTES = 8
export const ADV_TAG_BYTES = 8
export const ADV_LABEL = "gaen-token sync adv"
export const HOST_TO_TOKEN_LABEL = "gaen-token link h2t"
export const TOKEN_TO_HOST_LABEL = "gaen-token link t2h"
export const DIR_HOST_TO_TOKEN = 0
export const DIR_TOKEN_TO_HOST = 1
