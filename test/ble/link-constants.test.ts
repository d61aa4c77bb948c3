// The sync link's numbers and labels exist once per runtime: src/link/link-constants.ts for the
// firmware, lib/ble-link/protocol.ts for the host. This fails when one side changes alone.
import { expect, test } from "vitest"
import * as firmware from "../../src/link/link-constants.js"
import * as host from "../../lib/ble-link/protocol.js"

/** What the host has that the token does not: its side's default MTU. */
const HOST_ONLY = ["DEFAULT_MTU"]

/** The module's exported constants (numbers and strings), by name. */
function constantsOf(m: object): Record<string, unknown> {
    return Object.fromEntries(Object.entries(m).filter(([name, v]) => /^[A-Z0-9_]+$/.test(name) && (typeof v === "number" || typeof v === "string")))
}

test("host and firmware sync-link constants are the same", () => {
    const fw = constantsOf(firmware)
    const h = constantsOf(host)
    expect(Object.keys(fw).length).toBe(Object.keys(firmware).length) // the firmware file holds constants only
    expect(Object.keys(fw).length).toBeGreaterThan(15)
    for (const name of HOST_ONLY) delete h[name]
    expect(h).toEqual(fw)
})

test("the constants fit the protocol they describe", () => {
    // HELLO and READY: the message byte and a nonce; DATA: head, ciphertext, tag within the limit.
    expect(host.DATA_HEADER_BYTES).toBe(1 + 4)
    // CCM nonce: direction byte, counter u32, 8 zero bytes (lib/ble-link/protocol.ts).
    expect(host.CCM_NONCE_BYTES).toBe(1 + 4 + 8)
    // A Jacdac report (236 bytes) and its command (2) sealed in DATA fit one message.
    expect(host.DATA_HEADER_BYTES + 2 + 236 + host.TAG_BYTES).toBeLessThanOrEqual(host.MAX_MESSAGE_BYTES)
    expect(host.SYNC_SERVICE_UUID >> 4).toBe(0xfff) // the unassigned 0xFFF0 range
})
