// A Jacdac bus in one token's process: it repeats every frame it receives to every other
// connection. The token's VM and simulated hardware connect in memory; hosts (tests, the kiosk)
// connect over TCP. Framing is the one the DeviceScript VM and jacdac-ts's Node socket transport use:
// a length byte, or 0xFF and a 16-bit little-endian length, then the frame.
// Frames from TCP (hosts) pass the token's one door (host-door.ts) first.
import { EventEmitter } from "node:events"
import { createServer, type Server, type Socket } from "node:net"
import { HostDoor } from "./host-door.js"

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

/** A connection of the hub: it takes frames out and is fed bytes in. */
interface Peer {
    send(bytes: Buffer): void
    /** A host-facing connection (TCP): its frames go through the door. */
    fromHost?: boolean
}

/**
 * A socket to the hub from inside the token's process (the VM, the simulated hardware). Same
 * surface as the part of net.Socket those clients use, but frames travel in memory as microtasks,
 * so a request and its reply inside the token take no (virtual) time.
 */
export class InProcessSocket extends EventEmitter implements Peer {
    destroyed = false
    localPort = 0
    constructor(private readonly hub: { receive(from: Peer, reader: FrameReader, chunk: Buffer): void; drop(p: Peer): void }) {
        super()
    }
    private readonly reader = new FrameReader()
    setNoDelay() {
        return this
    }
    write(data: Uint8Array): boolean {
        if (this.destroyed) return false
        const chunk = Buffer.from(data)
        queueMicrotask(() => this.hub.receive(this, this.reader, chunk))
        return true
    }
    send(bytes: Buffer) {
        if (!this.destroyed) queueMicrotask(() => this.emit("data", bytes))
    }
    end() {
        this.destroy()
        return this
    }
    destroy() {
        if (this.destroyed) return this
        this.destroyed = true
        this.hub.drop(this)
        queueMicrotask(() => this.emit("close", false))
        return this
    }
}

export interface FrameHub {
    port: number
    /** What the hub let in from hosts, and what it dropped. */
    door: HostDoor
    /** A connection from inside this process (delivered in memory). */
    connectInProcess(onConnect?: () => void): InProcessSocket
    close(): Promise<void>
}

export function startFrameHub(port = 0): Promise<FrameHub> {
    const peers = new Set<Peer>()
    const door = new HostDoor()
    const hub = {
        receive(from: Peer, reader: FrameReader, chunk: Buffer) {
            for (const frame of reader.push(chunk)) {
                if (!from.fromHost) door.observeTokenFrame(frame)
                else if (!door.admits(frame)) continue
                const out = encodeFrame(frame)
                for (const other of peers) if (other !== from) other.send(out)
            }
        },
        drop(p: Peer) {
            peers.delete(p)
        },
    }
    const sockets = new Set<Socket>()
    const server: Server = createServer(sock => {
        sock.setNoDelay(true)
        sockets.add(sock)
        const peer: Peer = { fromHost: true, send: bytes => { if (!sock.destroyed) sock.write(bytes) } }
        peers.add(peer)
        const reader = new FrameReader()
        sock.on("data", chunk => hub.receive(peer, reader, chunk))
        const drop = () => {
            sockets.delete(sock)
            peers.delete(peer)
        }
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
                door,
                connectInProcess(onConnect) {
                    const s = new InProcessSocket(hub)
                    peers.add(s)
                    if (onConnect) queueMicrotask(onConnect)
                    return s
                },
                close: () =>
                    new Promise<void>(done => {
                        for (const s of sockets) s.destroy()
                        server.close(() => done())
                    }),
            })
        })
    })
}
