// The token's radio as the firmware sees it. On the device and in the simulator it is the GAEN Radio
// Jacdac service (services/gaen-radio.md); firmware tests in the VM use an in-memory radio.
import * as ds from "@devicescript/core"
import { sendAndAwaitReport } from "./command-report"

export interface HeardEntry {
    address: Buffer
    rssi: number
    packets: number
    payload: Buffer
}

export interface Radio {
    txPower(): Promise<number>
    advertise(address: Buffer, payload: Buffer): Promise<void>
    stopAdvertising(): Promise<void>
    /** Listens for `durationMs` and returns what was heard, one entry per address. */
    scan(durationMs: number): Promise<HeardEntry[]>
}

const ENTRY_HEADER_BYTES = 9

export interface ScanPage {
    /** The window is still open: ask again a little later. */
    scanning: boolean
    /** Entries in the whole window. */
    total: number
    entries: HeardEntry[]
}

const PAGE_HEADER_BYTES = 3

/** Decodes a scan_results report (see services/gaen-radio.md). Malformed tails are dropped. */
export function decodeScanPage(page: Buffer): ScanPage {
    if (page.length < PAGE_HEADER_BYTES) return { scanning: false, total: 0, entries: [] }
    const out: HeardEntry[] = []
    let i = PAGE_HEADER_BYTES
    while (i + ENTRY_HEADER_BYTES <= page.length) {
        const len = page[i + 8]
        if (i + ENTRY_HEADER_BYTES + len > page.length) break
        out.push({
            address: page.slice(i, i + 6),
            rssi: page.getAt(i + 6, "i8"),
            packets: page[i + 7],
            payload: page.slice(i + ENTRY_HEADER_BYTES, i + ENTRY_HEADER_BYTES + len),
        })
        i += ENTRY_HEADER_BYTES + len
    }
    return { scanning: page[0] === 1, total: page.getAt(1, "u16"), entries: out }
}

/** The radio over Jacdac. */
export class JacdacRadio implements Radio {
    constructor(private readonly client: ds.GaenRadio) {}

    async txPower() {
        return await this.client.txPower.read()
    }

    async advertise(address: Buffer, payload: Buffer) {
        await this.client.advertise(address.concat(payload))
    }

    async stopAdvertising() {
        await this.client.stopAdvertising()
    }

    async scan(durationMs: number): Promise<HeardEntry[]> {
        await this.client.scan(durationMs)
        await ds.sleep(durationMs)
        const out: HeardEntry[] = []
        for (let waits = 0; ; ) {
            const page = decodeScanPage(await this.requestPage(out.length))
            if (page.scanning) {
                if (++waits > 50) throw new Error("radio: scan window did not close")
                await ds.sleep(100)
                continue
            }
            for (const e of page.entries) out.push(e)
            if (page.entries.length === 0 || out.length >= page.total) return out
        }
    }

    private async requestPage(start: number): Promise<Buffer> {
        const arg = Buffer.alloc(2)
        arg.setAt(0, "u16", start)
        for (let attempt = 0; attempt < 3; attempt++) {
            const page = await sendAndAwaitReport(this.client, ds.GaenRadioCodes.CmdScanResults, arg, 500)
            if (page) return page
        }
        throw new Error("radio: no answer to scan_results")
    }
}
