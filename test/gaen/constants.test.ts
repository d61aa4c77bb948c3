// The GAEN constants have one home, common/gaen-constants.ts, which the firmware (src/gaen/) and the
// host tools (lib/gaen/) both import: no second definition may appear in either runtime.
import { expect, test } from "vitest"
import * as common from "../../common/gaen-constants.js"
import * as host from "../../lib/gaen/constants.js"
import { definitionsOutside } from "../helpers/one-home.js"

test("each GAEN constant is defined once, in common/, and the host's gaen package passes it on", () => {
    const names = Object.keys(common)
    expect(names.length).toBeGreaterThan(30)
    expect(definitionsOutside("common/gaen-constants.ts", names), "definitions outside common/gaen-constants.ts").toEqual([])
    expect({ ...host }).toEqual({ ...common })
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
