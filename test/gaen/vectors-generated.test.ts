// The firmware tests read the vectors from a generated DeviceScript module (DeviceScript cannot
// read files); it must match data/gaen-test-vectors.json. Fix: npx tsx scripts/gen-firmware-vectors.ts
import { readFileSync } from "node:fs"
import { expect, test } from "vitest"
import { GENERATED_MODULE, VECTORS_JSON, renderFirmwareVectors } from "../../scripts/gen-firmware-vectors.js"

test("test/firmware/vectors.generated.ts is up to date with data/gaen-test-vectors.json", () => {
    const expected = renderFirmwareVectors(readFileSync(VECTORS_JSON, "utf8"))
    expect(readFileSync(GENERATED_MODULE, "utf8")).toBe(expected)
})

test("the generated module carries all 144 RPIs and AEMs", () => {
    const text = readFileSync(GENERATED_MODULE, "utf8")
    const json = JSON.parse(readFileSync(VECTORS_JSON, "utf8"))
    for (const row of json.advertised) {
        expect(text).toContain(row.rpi_hex)
        expect(text).toContain(row.aem_hex)
    }
})
