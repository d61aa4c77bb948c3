// A Jacdac bus in one token's process: a TCP server that repeats every frame it receives to every
// other connection. The token's VM, the token's simulated hardware and any host (test, kiosk)
// connect to it. Framing is the one the DeviceScript VM and jacdac-ts's Node socket transport use:
// a length byte, or 0xFF and a 16-bit little-endian length, then the frame.
import { createServer, type Server, type Socket } from "node:net"

export interface FrameHub {
    port: number
    close(): Promise<void>
}

export function encodeFrame(frame: Uint8Array): Buffer {
    if (frame.length >= 255) {
        const b = Buffer.alloc(3 + frame.length)
        b[0] = 255
        b.writeUInt16LE(frame.length, 1)
        b.set(frame, 3)
        return b
    }
    const b = Buffer.alloc(1 + frame.length)
    b[0] = frame.length
    b.set(frame, 1)
    return b
}

/** Splits a byte stream into frames; keeps partial input for the next chunk. */
export class FrameReader {
    private pending = Buffer.alloc(0)
    push(chunk: Buffer): Buffer[] {
        let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
        const frames: Buffer[] = []
        for (;;) {
            if (buf.length < 1) break
            let header = 1
            let len = buf[0]
            if (len === 255) {
                if (buf.length < 3) break
                header = 3
                len = buf.readUInt16LE(1)
            }
            if (buf.length < header + len) break
            frames.push(buf.subarray(header, header + len))
            buf = buf.subarray(header + len)
        }
        this.pending = Buffer.from(buf)
        return frames
    }
}

export function startFrameHub(port = 0): Promise<FrameHub> {
    const sockets = new Set<Socket>()
    const server: Server = createServer(sock => {
        sock.setNoDelay(true)
        sockets.add(sock)
        const reader = new FrameReader()
        sock.on("data", chunk => {
            for (const frame of reader.push(chunk)) {
                const out = encodeFrame(frame)
                for (const other of sockets) if (other !== sock && !other.destroyed) other.write(out)
            }
        })
        const drop = () => sockets.delete(sock)
        sock.on("close", drop)
        sock.on("error", drop)
    })
    return new Promise((resolve, reject) => {
        server.once("error", reject)
        server.listen(port, "127.0.0.1", () => {
            const address = server.address()
            if (!address || typeof address === "string") return reject(new Error("frame hub: no TCP port"))
            resolve({
                port: address.port,
                close: () =>
                    new Promise<void>(done => {
                        for (const s of sockets) s.destroy()
                        server.close(() => done())
                    }),
            })
        })
    })
}
