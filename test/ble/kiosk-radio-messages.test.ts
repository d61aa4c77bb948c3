// The simulated kiosk radio's messages (lib/ble-link/kiosk-radio-messages.ts): what each side reads
// back is what the other wrote, and a wrong line is refused saying what is wrong with it.
import { describe, expect, test } from "vitest"
import {
    MAX_RADIO_LINE,
    parseKioskMessage,
    parseRadioMessage,
    radioLine,
    type KioskToRadio,
    type RadioToKiosk,
} from "../../lib/ble-link/kiosk-radio-messages.js"

describe("kiosk radio messages", () => {
    test("every message reads back as written, one line each", () => {
        const kiosk: KioskToRadio[] = [{ op: "scan" }, { op: "connect", address: "c0ffee001122" }, { op: "write", value: "00a1" }, { op: "disconnect" }]
        const radio: RadioToKiosk[] = [
            { op: "heard", ads: [{ address: "c0ffee001122", payload: "0201061316f5ff" }] },
            { op: "connected", mtu: 247 },
            { op: "error", message: "not connected" },
            { op: "notify", value: "0003" },
            { op: "closed" },
        ]
        for (const m of kiosk) expect(parseKioskMessage(radioLine(m).trimEnd())).toEqual(m)
        for (const m of radio) expect(parseRadioMessage(radioLine(m).trimEnd())).toEqual(m)
        expect(radioLine({ op: "scan" })).toBe('{"op":"scan"}\n')
    })

    test("a wrong line is refused, naming what is wrong", () => {
        expect(() => parseKioskMessage("scan")).toThrow(/not a JSON line/)
        expect(() => parseKioskMessage('{"op":"fly"}')).toThrow(/unknown op "fly" \(scan, connect, write, disconnect\)/)
        expect(() => parseKioskMessage('{"op":"write","value":"xyz"}')).toThrow(/"value" must be a hex string/)
        expect(() => parseKioskMessage(`{"op":"write","value":"${"00".repeat(MAX_RADIO_LINE)}"}`)).toThrow(/longer than 4096/)
        expect(() => parseRadioMessage('{"op":"connected","mtu":"big"}')).toThrow(/"mtu" must be a whole number/)
        expect(() => parseRadioMessage('{"op":"heard","ads":[{"address":"zz","payload":""}]}')).toThrow(/"address" must be a hex string/)
        expect(() => parseRadioMessage("null")).toThrow(/not a JSON object/)
    })
})
