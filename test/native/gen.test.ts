// The native servers' C headers (native/esp32/gen/) are generated from services/*.md; a spec change
// without regenerating them fails here (npx tsx scripts/gen-native-headers.ts writes them).
import { expect, test } from "vitest"
import { nativeHeaders, readConstantsC, staleHeaders } from "../../scripts/gen-native-headers.js"

test("the generated C headers match the service specs", () => {
    expect(staleHeaders()).toEqual([])
})

test("a change in a spec's contract makes a header stale", () => {
    const constants = readConstantsC()
    const changed = constants.replace("#define JD_NOR_FLASH_CMD_PROGRAM 0x81", "#define JD_NOR_FLASH_CMD_PROGRAM 0x84")
    expect(changed).not.toBe(constants)
    expect(nativeHeaders(changed).get("nor_flash.h")).not.toBe(nativeHeaders(constants).get("nor_flash.h"))
    expect(nativeHeaders(constants).get("nor_flash.h")).toContain("#define JD_NOR_FLASH_STATUS_BUSY 0x3")
})
