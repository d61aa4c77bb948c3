// lib/gaen/constants.ts mirrors the firmware's src/gaen/constants.ts (the firmware cannot import
// Node modules); this fails when the two copies drift apart.
import { expect, test } from "vitest"
import * as firmware from "../../src/gaen/constants.js"
import * as host from "../../lib/gaen/constants.js"

test("host and firmware GAEN constants are the same", () => {
    expect(Object.keys(firmware).length).toBeGreaterThan(30)
    expect({ ...host }).toEqual({ ...firmware })
})

test("the constants hold the GAEN v1.2 values", () => {
    expect(host.EN_INTERVAL_SECONDS * host.TEK_ROLLING_PERIOD).toBe(24 * 60 * 60)
    expect(host.SERVICE_UUID16).toBe(0xfd6f)
    expect(host.METADATA_VERSION_BYTE).toBe(0x40)
    expect([host.RPIK_INFO, host.AEMK_INFO, host.RPI_PAD_PREFIX]).toEqual(["EN-RPIK", "EN-AEMK", "EN-RPI"])
    expect(host.RPI_PAD_PREFIX.length + 6).toBe(host.RPI_PAD_ENIN_OFFSET)
    // Flags (3) + UUID list (4) + service data header (4) + RPI + AEM fill a legacy advertisement.
    expect(3 + 4 + 4 + host.RPI_BYTES + host.AEM_BYTES).toBe(host.LEGACY_ADVERTISEMENT_BYTES)
})
