// The token's radio as the firmware sees it. On the device and in the simulator it is the GAEN Radio
// Jacdac service (services/gaen-radio.md); firmware tests in the VM use an in-memory radio.
import * as ds from "@devicescript/core"

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

/** Decodes a scan_results report page (see services/gaen-radio.md). Malformed tails are dropped. */
export function decodeScanPage(page: Buffer): HeardEntry[] {
    const out: HeardEntry[] = []
    let i = 0
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
    return out
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
        while (await this.client.scanning.read()) await ds.sleep(50)
        const count = await this.client.scanResultCount.read()
        const out: HeardEntry[] = []
        while (out.length < count) {
            const page = await this.requestPage(out.length)
            const entries = decodeScanPage(page)
            if (entries.length === 0) break
            for (const e of entries) out.push(e)
        }
        return out
    }

    /** DeviceScript clients do not return command reports, so wait for it on the role's reports. */
    private async requestPage(start: number): Promise<Buffer> {
        let page: Buffer = undefined
        const unsubscribe = this.client.report().subscribe(pkt => {
            if (pkt.serviceCommand === ds.GaenRadioCodes.CmdScanResults) page = pkt.payload
        })
        try {
            const arg = Buffer.alloc(2)
            arg.setAt(0, "u16", start)
            for (let attempt = 0; attempt < 3 && page === undefined; attempt++) {
                await this.client.sendCommand(ds.GaenRadioCodes.CmdScanResults, arg)
                for (let waited = 0; waited < 500 && page === undefined; waited += 10) await ds.sleep(10)
            }
        } finally {
            unsubscribe()
        }
        if (page === undefined) throw new Error("radio: no answer to scan_results")
        return page
    }
}
