// Where the token is: `tcp://host:port` (a simulated token's bus) or `serial:<path>` (a real token
// on USB serial). Parsed before anything is opened, so a typo is reported as such.
import { KioskError } from "../errors.js"
import { linkKeyOfStickerCode } from "../../lib/ble-link/sticker-code.js"

export type TokenAddress =
    | { kind: "tcp"; host: string; port: number }
    | { kind: "serial"; path: string }
    /** Over Bluetooth LE: the code on the token's sticker holds its link key. */
    | { kind: "ble"; linkKey: Buffer }

export function parseTokenAddress(text: string | undefined): TokenAddress {
    if (!text) throw new KioskError("usage", "--token is missing: give tcp://host:port (simulated token) or serial:/dev/ttyACM0 (USB)")
    if (text.startsWith("tcp://")) {
        const m = /^tcp:\/\/([^:/\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\/?$/.exec(text)
        const port = m ? Number(m[2]) : NaN
        if (!m || port < 1 || port > 65535) throw new KioskError("usage", `--token ${text}: expected tcp://host:port with a port 1-65535`)
        return { kind: "tcp", host: m[1].replace(/^\[|\]$/g, ""), port }
    }
    if (text.startsWith("serial:")) {
        const path = text.slice("serial:".length)
        if (!path) throw new KioskError("usage", `--token ${text}: expected serial:<device path>, e.g. serial:/dev/ttyACM0`)
        return { kind: "serial", path }
    }
    if (text.startsWith("ble:")) {
        try {
            return { kind: "ble", linkKey: linkKeyOfStickerCode(text.slice("ble:".length)) }
        } catch (e) {
            throw new KioskError("usage", `--token ble:…: ${(e as Error).message}`)
        }
    }
    throw new KioskError("usage", `--token ${text}: unknown kind of address; use tcp://host:port, serial:<path> or ble:<sticker code>`)
}

export function describeTokenAddress(a: TokenAddress): string {
    // Never the sticker code: it is the token's key.
    if (a.kind === "ble") return "ble:(sticker)"
    return a.kind === "tcp" ? `tcp://${a.host}:${a.port}` : `serial:${a.path}`
}
