// The simulated world's kiosk radio, as kiosks in other processes speak to it (`npm run sim -- up`):
// a TCP port, one JSON object per line, as a host speaks to its Bluetooth controller. The kiosk
// scans, matches the sync advertisements with its sticker's key itself (the key never reaches the
// simulator), and connects by address; one connection per TCP connection. Bytes travel as hex.
// Served by sim/world/kiosk-radio-server.ts, used by kiosk/transport/sim-radio.ts: both take the
// messages from here.

/** What a kiosk sends. */
export type KioskToRadio = { op: "scan" } | { op: "connect"; address: string } | { op: "write"; value: string } | { op: "disconnect" }

/** What the radio sends: each answer in the order of the requests, `notify` and `closed` when they happen. */
export type RadioToKiosk =
    | { op: "heard"; ads: { address: string; payload: string }[] }
    | { op: "connected"; mtu: number }
    | { op: "error"; message: string }
    | { op: "notify"; value: string }
    | { op: "closed" }

/** Longest line either side accepts (a GATT value is at most 512 bytes: 1 KiB of hex, plus the JSON). */
export const MAX_RADIO_LINE = 4096

/** One message as it goes on the connection. */
export function radioLine(m: KioskToRadio | RadioToKiosk): string {
    return JSON.stringify(m) + "\n"
}

export const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

/** The bytes of a hex field; throws naming the field when it is not hex. */
export function bytesOf(v: unknown, name: string): Buffer {
    if (typeof v !== "string" || !/^([0-9a-f]{2})*$/i.test(v)) throw new Error(`"${name}" must be a hex string`)
    return Buffer.from(v, "hex")
}

function parseLine(line: string): Record<string, unknown> {
    if (line.length > MAX_RADIO_LINE) throw new Error(`a line of ${line.length} characters is longer than ${MAX_RADIO_LINE}`)
    let m: unknown
    try {
        m = JSON.parse(line)
    } catch {
        throw new Error("not a JSON line")
    }
    if (typeof m !== "object" || m === null) throw new Error("not a JSON object")
    return m as Record<string, unknown>
}

/** A kiosk's line; throws saying what is wrong with it. */
export function parseKioskMessage(line: string): KioskToRadio {
    const m = parseLine(line)
    if (m.op === "scan" || m.op === "disconnect") return { op: m.op }
    if (m.op === "connect") return { op: m.op, address: bytesOf(m.address, "address").toString("hex") }
    if (m.op === "write") return { op: m.op, value: bytesOf(m.value, "value").toString("hex") }
    throw new Error(`unknown op ${JSON.stringify(m.op)} (scan, connect, write, disconnect)`)
}

/** The radio's line; throws saying what is wrong with it. */
export function parseRadioMessage(line: string): RadioToKiosk {
    const m = parseLine(line)
    switch (m.op) {
        case "heard":
            if (!Array.isArray(m.ads)) throw new Error(`"ads" must be a list`)
            return {
                op: m.op,
                ads: m.ads.map((a: { address?: unknown; payload?: unknown }) => ({
                    address: bytesOf(a?.address, "address").toString("hex"),
                    payload: bytesOf(a?.payload, "payload").toString("hex"),
                })),
            }
        case "connected":
            if (typeof m.mtu !== "number" || !Number.isInteger(m.mtu) || m.mtu < 23) throw new Error(`"mtu" must be a whole number of at least 23`)
            return { op: m.op, mtu: m.mtu }
        case "error":
            return { op: m.op, message: String(m.message) }
        case "notify":
            return { op: m.op, value: bytesOf(m.value, "value").toString("hex") }
        case "closed":
            return { op: m.op }
    }
    throw new Error(`unknown op ${JSON.stringify(m.op)} (heard, connected, error, notify, closed)`)
}
