// The sync link's numbers and labels have one home, common/ble-link-constants.ts, which the firmware
// (src/link/) and the kiosk (lib/ble-link/protocol.ts) both import: no second definition may appear
// in either runtime, or the two ends could drift apart unseen.
import { expect, test } from "vitest"
import * as common from "../../common/ble-link-constants.js"
import * as host from "../../lib/ble-link/protocol.js"
import { definitionsOutside } from "../helpers/one-home.js"

const HOME = "common/ble-link-constants.ts"
const NAMES = Object.keys(common)

test("each link constant is defined once, in common/, and the kiosk's protocol module passes the same values on", () => {
    expect(NAMES.length).toBeGreaterThan(15)
    expect(definitionsOutside(HOME, NAMES), "definitions outside common/ble-link-constants.ts").toEqual([])
    for (const name of NAMES) expect((host as Record<string, unknown>)[name], name).toBe((common as Record<string, unknown>)[name])
})

test("the constants fit the protocol they describe", () => {
    // HELLO and READY: the message byte and a nonce; DATA: head, ciphertext, tag within the limit.
    expect(common.DATA_HEADER_BYTES).toBe(1 + 4)
    // CCM nonce: direction byte, counter u32, 8 zero bytes (lib/ble-link/protocol.ts).
    expect(common.CCM_NONCE_BYTES).toBe(1 + 4 + 8)
    // A Jacdac report (236 bytes) and its command (2) sealed in DATA fit one message.
    expect(common.DATA_HEADER_BYTES + 2 + 236 + common.TAG_BYTES).toBeLessThanOrEqual(common.MAX_MESSAGE_BYTES)
    expect(common.SYNC_SERVICE_UUID >> 4).toBe(0xfff) // the unassigned 0xFFF0 range
})
