// What a sniffer next to the world would have recorded: every advertising event of every token,
// in time order, as a Bluetooth LE link-layer capture (air.pcap). A sniffer follows one advertising
// channel; so does this file (channel 37): one packet per advertising event.
import type { Transmission } from "../world/radio-channel.js"
import { leLinkLayerRecord } from "./ble-link-layer.js"
import { PcapWriter } from "./pcap-writer.js"

interface Cursor {
    t: Transmission
    nextMs: number
    endMs: number
    record: Uint8Array
}

/** Writes the packets of `transmissions` (each one every `intervalMs` while on air, none at or
 *  after `endMs`) to `path`; returns the number of packets. */
export async function writeAirCapture(path: string, transmissions: readonly Transmission[], intervalMs: number, endMs: number): Promise<number> {
    const pending = [...transmissions].sort((a, b) => a.fromMs - b.fromMs)
    const heap: Cursor[] = [] // min-heap on nextMs: one cursor per transmission on air
    const less = (i: number, j: number) => heap[i].nextMs < heap[j].nextMs
    const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j], heap[i]])
    const push = (c: Cursor) => {
        heap.push(c)
        for (let i = heap.length - 1; i > 0 && less(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1)
    }
    const siftDown = () => {
        for (let i = 0; ;) {
            const l = 2 * i + 1
            const r = l + 1
            let m = i
            if (l < heap.length && less(l, m)) m = l
            if (r < heap.length && less(r, m)) m = r
            if (m === i) return
            swap(i, m)
            i = m
        }
    }
    const writer = new PcapWriter(path)
    let next = 0
    for (;;) {
        // Bring in every transmission that starts before the earliest pending packet.
        while (next < pending.length && (!heap.length || pending[next].fromMs <= heap[0].nextMs)) {
            const t = pending[next++]
            const endOf = Math.min(endMs, t.toMs ?? endMs)
            if (t.fromMs < endOf)
                push({ t, nextMs: t.fromMs, endMs: endOf, record: leLinkLayerRecord({ address: t.address, advData: t.payload, connectable: t.connectable }) })
        }
        if (!heap.length) break
        const c = heap[0]
        await writer.write(c.nextMs, c.record)
        c.nextMs += intervalMs
        if (c.nextMs >= c.endMs) {
            const last = heap.pop()!
            if (heap.length) heap[0] = last
            else continue
        }
        siftDown()
    }
    await writer.close()
    return writer.packets
}
