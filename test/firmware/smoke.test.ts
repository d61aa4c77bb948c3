import { describe, test, expect } from "@devicescript/test"
import { ENIN } from "../../src/smoke"

describe("smoke", () => {
    test("adds", () => {
        expect(ENIN + 1).toBe(3)
    })
})
