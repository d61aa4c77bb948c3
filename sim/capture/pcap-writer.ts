// A classic pcap file (microsecond timestamps), written as a stream: long scenarios produce
// millions of packets. Format: https://www.tcpdump.org/manpages/pcap-savefile.5.html
import { createWriteStream, type WriteStream } from "node:fs"

/** Bluetooth LE link layer with the LE pseudo-header. */
export const LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR = 256
const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4
const SNAPLEN = 65535
/** Bytes gathered before one write to the stream. */
const CHUNK_BYTES = 1 << 20

export class PcapWriter {
    private readonly stream: WriteStream
    private chunk = Buffer.alloc(CHUNK_BYTES)
    private used = 0
    packets = 0

    constructor(path: string, linkType = LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR) {
        this.stream = createWriteStream(path)
        const header = Buffer.alloc(24)
        header.writeUInt32LE(PCAP_MAGIC_MICROSECONDS, 0)
        header.writeUInt16LE(2, 4) // version 2.4
        header.writeUInt16LE(4, 6)
        header.writeInt32LE(0, 8) // timezone offset: timestamps are UTC
        header.writeUInt32LE(0, 12) // timestamp accuracy
        header.writeUInt32LE(SNAPLEN, 16)
        header.writeUInt32LE(linkType, 20)
        this.append(header)
    }

    /** Appends one packet captured at `atMs` (Unix ms, fractions kept to the microsecond). */
    async write(atMs: number, packet: Uint8Array): Promise<void> {
        const micros = Math.round(atMs * 1000)
        const record = Buffer.alloc(16)
        record.writeUInt32LE(Math.floor(micros / 1e6), 0)
        record.writeUInt32LE(micros % 1e6, 4)
        record.writeUInt32LE(packet.length, 8)
        record.writeUInt32LE(packet.length, 12)
        this.append(record)
        this.append(packet)
        this.packets++
        if (this.used > CHUNK_BYTES - 4096) await this.flush()
    }

    private append(bytes: Uint8Array) {
        this.chunk.set(bytes, this.used)
        this.used += bytes.length
    }

    private async flush() {
        const data = Buffer.from(this.chunk.subarray(0, this.used))
        this.used = 0
        if (!this.stream.write(data)) await new Promise<void>(r => this.stream.once("drain", () => r()))
    }

    async close(): Promise<void> {
        await this.flush()
        await new Promise<void>((resolve, reject) => this.stream.end((e?: Error | null) => (e ? reject(e) : resolve())))
    }
}
