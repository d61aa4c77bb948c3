// The token's radio as the firmware sees it. On the device and in the simulator it is the GAEN Radio
// Jacdac service (services/gaen-radio.md); firmware tests hand the tracker batches from scanBatchOf.
import * as ds from "@devicescript/core"
import { sendAndAwaitReport } from "./command-report"

/**
 * What one scan window heard, kept as the radio's report pages (services/gaen-radio.md): one entry
 * per address, address (6), RSSI (i8), packets (u8), payload length (u8), payload. Read through
 * forEachHeard; 200 neighbours take about 9 KB this way, instead of 200 objects and 400 buffers.
 */
export type ScanBatch = Buffer[]

/** One entry of a batch, as a view into its page; the same object is reused for every entry. */
export interface HeardView {
    page: Buffer
    addressAt: number
    rssi: number
    packets: number
    payloadAt: number
    payloadLength: number
}

const ENTRY_HEADER_BYTES = 9
const PAGE_HEADER_BYTES = 3

/** Where the entry starting at `i` of a page ends, or -1 at the end of the page or a malformed
 *  tail (which is dropped): the one walk shared by forEachHeard and countEntries. */
function entryEnd(page: Buffer, i: number) {
    if (i + ENTRY_HEADER_BYTES > page.length) return -1
    const end = i + ENTRY_HEADER_BYTES + page[i + 8]
    return end <= page.length ? end : -1
}

/** Visits every well-formed entry of a batch (a malformed tail of a page is dropped). */
export async function forEachHeard(batch: ScanBatch, visit: (e: HeardView) => Promise<void>) {
    const view: HeardView = { page: undefined, addressAt: 0, rssi: 0, packets: 0, payloadAt: 0, payloadLength: 0 }
    for (const page of batch) {
        let i = 0
        for (let end = entryEnd(page, i); end >= 0; end = entryEnd(page, i)) {
            view.page = page
            view.addressAt = i
            view.rssi = page.getAt(i + 6, "i8")
            view.packets = page[i + 7]
            view.payloadAt = i + ENTRY_HEADER_BYTES
            view.payloadLength = end - view.payloadAt
            await visit(view)
            i = end
        }
    }
}

/** Number of entries in one page's entry bytes. */
function countEntries(entries: Buffer) {
    let n = 0
    for (let i = entryEnd(entries, 0); i >= 0; i = entryEnd(entries, i)) n++
    return n
}

/** Builds a batch from entries, one page each (firmware tests). */
export function scanBatchOf(entries: { address: Buffer; rssi: number; packets: number; payload: Buffer }[]): ScanBatch {
    const pages: Buffer[] = []
    for (const e of entries) {
        const entry = Buffer.alloc(ENTRY_HEADER_BYTES + e.payload.length)
        entry.blitAt(0, e.address, 0, 6)
        entry.setAt(6, "i8", e.rssi)
        entry[7] = Math.min(255, e.packets)
        entry[8] = e.payload.length
        entry.blitAt(ENTRY_HEADER_BYTES, e.payload, 0, e.payload.length)
        pages.push(entry)
    }
    return pages
}

export interface Radio {
    txPower(): Promise<number>
    advertise(address: Buffer, payload: Buffer): Promise<void>
    stopAdvertising(): Promise<void>
    /** Listens for `durationMs` and returns what was heard, one entry per address. */
    scan(durationMs: number): Promise<ScanBatch>
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

    async scan(durationMs: number): Promise<ScanBatch> {
        await this.client.scan(durationMs)
        await ds.sleep(durationMs)
        const batch: ScanBatch = []
        let got = 0
        for (let waits = 0; ;) {
            const page = await this.requestPage(got)
            if (page.length < PAGE_HEADER_BYTES) return batch
            if (page[0] === 1) {
                // still scanning: ask again shortly
                if (++waits > 50) throw new Error("radio: scan window did not close")
                await ds.sleep(100)
                continue
            }
            const total = page.getAt(1, "u16")
            const entries = page.slice(PAGE_HEADER_BYTES)
            const n = countEntries(entries)
            if (n === 0) return batch
            batch.push(entries)
            got += n
            if (got >= total) return batch
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
