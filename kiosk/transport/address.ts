// Where the token is: `tcp://host:port` (a simulated token's bus) or `serial:<path>` (a real token
// on USB serial). Parsed before anything is opened, so a typo is reported as such.
import { KioskError } from "../errors.js"

export type TokenAddress =
    | { kind: "tcp"; host: string; port: number }
    | { kind: "serial"; path: string }

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
    throw new KioskError("usage", `--token ${text}: unknown kind of address; use tcp://host:port or serial:<path>`)
}

export function describeTokenAddress(a: TokenAddress): string {
    return a.kind === "tcp" ? `tcp://${a.host}:${a.port}` : `serial:${a.path}`
}
