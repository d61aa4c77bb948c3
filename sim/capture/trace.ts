// trace.jsonl: one line per advertisement a token sent, that is one address + payload from the
// moment it went on air until it was replaced, stopped or the token lost power (its advertising
// events, one every advertising interval, are in air.pcap). Each line lists every scan window of
// another token that heard it, with the mean RSSI and packet count of that window.
import { createWriteStream } from "node:fs"
import { parseAdvertisement } from "../../lib/gaen/index.js"
import type { Transmission } from "../world/radio-channel.js"

export interface TraceLine {
    /** Went on air (simulated wall-clock time, ISO UTC) and left it. */
    from: string
    to: string
    token: string
    /** Random address as Wireshark shows it (most significant byte first). */
    address: string
    /** Advertising data as sent, hex. */
    payload: string
    rpi?: string
    aem?: string
    /** Advertising events sent. */
    packets: number
    receivers: { token: string; window: string; rssi: number; packets: number }[]
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The address bytes (on-air order, LSB first) as aa:bb:cc:dd:ee:ff, MSB first. */
export function formatAddress(address: Uint8Array): string {
    return [...address]
        .reverse()
        .map(b => b.toString(16).padStart(2, "0"))
        .join(":")
}

/** The RPI and AEM (hex) of an exposure notification payload; undefined for any other payload. */
export function gaenIdsHex(payload: Uint8Array): { rpi: string; aem: string } | undefined {
    try {
        const { rpi, aem } = parseAdvertisement(payload)
        return { rpi: rpi.toString("hex"), aem: aem.toString("hex") }
    } catch {
        return undefined
    }
}

export function traceLine(t: Transmission, endMs: number, eventsSent: number): TraceLine {
    // Without RPI and AEM for a payload that is not an exposure notification: the line still
    // records what went on air.
    const ids = gaenIdsHex(t.payload)
    return {
        from: iso(t.fromMs),
        to: iso(Math.min(endMs, t.toMs ?? endMs)),
        token: t.token,
        address: formatAddress(t.address),
        payload: Buffer.from(t.payload).toString("hex"),
        ...ids,
        packets: eventsSent,
        receivers: t.receptions.map(r => ({ token: r.token, window: iso(r.windowFromMs), rssi: r.rssi, packets: r.packets })),
    }
}

export async function writeTrace(path: string, lines: Iterable<TraceLine>): Promise<void> {
    const out = createWriteStream(path)
    for (const line of lines) if (!out.write(JSON.stringify(line) + "\n")) await new Promise<void>(r => out.once("drain", () => r()))
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
}
