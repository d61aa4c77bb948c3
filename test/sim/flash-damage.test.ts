// The flash server's side of the one damage rule (common/flash-damage.ts): the seeded cuts in
// test/firmware/flash-damage.generated.ts, which the VM's RAM flash must reproduce byte for byte
// (test/firmware/flash-damage.test.ts), are what the server does now. Fix after a deliberate change
// of the rule: npx tsx scripts/gen-flash-damage-cases.ts (and docs/storage.md).
import { readFileSync } from "node:fs"
import { expect, test } from "vitest"
import { CASES_SEED, GENERATED_MODULE, generateCases, renderCases } from "../../scripts/gen-flash-damage-cases.js"
import { cutEraseByte, cutProgramByte, eraseStep } from "../../common/flash-damage.js"

test(`the committed cuts are what the flash server does now (generator seed ${CASES_SEED})`, () => {
    expect(readFileSync(GENERATED_MODULE, "utf8")).toBe(renderCases(generateCases()))
})

test("a cut program byte gets only some of its 1→0 changes; a cut erase raises 0 bits by its progress", () => {
    let cleared = 0
    let raised = 0
    for (let offset = 0; offset < 1000; ++offset) {
        const b = cutProgramByte(0xf0, 0x0f, 7, offset) // 1→0 wanted for the high nibble only
        expect(b & 0x0f, `offset ${offset}`).toBe(0) // bits already 0 stay 0
        for (let bit = 4; bit < 8; ++bit) if (!(b & (1 << bit))) cleared++
        const e = cutEraseByte(0x00, 7, offset, eraseStep(1024, 4096)) // a quarter of the way
        for (let bit = 0; bit < 8; ++bit) if (e & (1 << bit)) raised++
        expect(cutEraseByte(0x5a, 7, offset, 0), `offset ${offset}`).toBe(0x5a) // cut at the start: nothing raised
    }
    expect(cleared / 4000).toBeGreaterThan(0.45)
    expect(cleared / 4000).toBeLessThan(0.55)
    expect(raised / 8000).toBeGreaterThan(0.2)
    expect(raised / 8000).toBeLessThan(0.3)
})
