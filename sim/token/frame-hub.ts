// A Jacdac bus in one token's process. The token's VM and simulated hardware connect in memory and
// hear each other's frames; hosts (tests, the kiosk) connect over TCP and play the token's USB port,
// which has one host: frames from TCP pass the token's one door (host-door.ts) and go to the token's
// side only, never to another host, and the hub serves one host at a time. Frames of the token's side
// pass the same door on their way out: the host being served gets the token-sync service's answers;
// every host sees the token's announcements (so each can find it); nothing else of the token's bus
// (its commands to the flash and radio, their reports, the firmware's log) reaches a host. Another
// host's frames wait until the served host's connection ends or it has said nothing to the token for
// HOST_TURN_IDLE_MS; at each change of host the hub first ends the token's session, as a USB bridge
// does when its host goes (services/token-sync.md, "Sessions"), so no session passes between hosts.
// The hosts' packets for the token's program pass at its pace (HostPace, in the token's time); the
// excess is dropped, never queued, and said once per stretch on the token's log.
// Framing is the one the DeviceScript VM and jacdac-ts's Node socket transport use: a length byte,
// or 0xFF and a 16-bit little-endian length, then the frame.
import { EventEmitter } from "node:events"
import { createServer, type Server, type Socket } from "node:net"
import { HostDoor, HostPace, packetsOf } from "./host-door.js"

/** Service index 0 on every Jacdac device: the control service (announcements, reset, identity). */
const CONTROL_SERVICE_INDEX = 0

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
    /** The DeviceScript VM's connection: the hub counts the packets it sends (FrameHub.vmPacketsSent). */
    fromVm?: boolean
}

/**
 * How long (real time) the served host and the token may say nothing to each other before another
 * host's waiting frames are let in. Longer than the gap between a host's command and the token's
 * answer, or between the pages of a burst, on a busy 2-core machine; shorter than the 750 ms a
 * jacdac-ts register read tries for (5 × 150 ms), so that a waiting host's read still gets its answer.
 */
export const HOST_TURN_IDLE_MS = 500
/** Frames a waiting host may have queued; more are dropped (a host that floods waits in vain). */
const MAX_WAITING_FRAMES = 256

/**
 * A socket to the hub from inside the token's process (the VM, the simulated hardware). Same
 * surface as the part of net.Socket those clients use, but frames travel in memory as microtasks,
 * so a request and its reply inside the token take no (virtual) time.
 */
export class InProcessSocket extends EventEmitter implements Peer {
    destroyed = false
    fromVm = false
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
    /** The pace of the hosts' packets for the token's program, and what it dropped. */
    pace: HostPace
    /** A connection from inside this process (delivered in memory); `vm` marks the DeviceScript VM's. */
    connectInProcess(onConnect?: () => void, options?: { vm?: boolean }): InProcessSocket
    /** Jacdac packets the VM's program has sent since the hub started (to its flash, radio and other
     *  services, and to hosts): what its send throttle spends, at 50 a second (sim/README.md). A frame
     *  may hold several packets, each counted; the control service's (the runtime's own) are not. */
    vmPacketsSent(): number
    close(): Promise<void>
}

/**
 * @param tokenNow the token's own clock (ms): the one its runtime's send throttle runs on (virtual
 *   time in a token's process), so that hosts are held to the pace the token answers at, at any
 *   simulation speed.
 */
export function startFrameHub(port: number, tokenNow: () => number): Promise<FrameHub> {
    const peers = new Set<Peer>()
    let vmPacketsSent = 0
    const door = new HostDoor()
    const pace = new HostPace()
    /** Packets dropped by the pace since the token's log last said so. */
    let unreported = 0
    /** The host being served, when it last spoke to the token (real ms), and who waits. */
    let served: Peer | undefined
    let servedSpokeAt = 0
    const waiting: { host: Peer; frame: Buffer }[] = []
    let turnTimer: ReturnType<typeof setTimeout> | undefined
    const toTokenSide = (frame: Buffer) => {
        const out = encodeFrame(frame)
        for (const p of peers) if (!p.fromHost) p.send(out)
    }
    /** A host's admitted frame, to the token when it keeps the pace. */
    const hostToToken = (frame: Buffer) => {
        const dropped = pace.dropped
        if (pace.passes(door, frame, tokenNow())) {
            if (unreported > 0) console.log(`door: ${unreported} packets of a host over the pace dropped`)
            unreported = 0
            return toTokenSide(frame)
        }
        if (unreported === 0) console.log("door: a host sends faster than the token answers: packets over the pace are dropped")
        unreported += pace.dropped - dropped
    }
    /** The token's session ends with the host it belonged to (the token ignores it when none is open). */
    const endTokenSession = () => {
        const end = door.endSessionFrame()
        if (end) toTokenSide(end)
    }
    /** Lets the next waiting host in once the served one has gone or gone quiet. */
    const passTurn = () => {
        turnTimer = undefined
        if (waiting.length === 0) return
        const quietFor = Date.now() - servedSpokeAt
        if (served && peers.has(served) && quietFor < HOST_TURN_IDLE_MS) {
            turnTimer = setTimeout(passTurn, HOST_TURN_IDLE_MS - quietFor)
            return
        }
        const next = waiting[0].host
        if (served) endTokenSession()
        served = next
        servedSpokeAt = Date.now()
        for (let i = 0; i < waiting.length;) {
            if (waiting[i].host === next) hostToToken(waiting.splice(i, 1)[0].frame)
            else i++
        }
        if (waiting.length > 0) turnTimer = setTimeout(passTurn, HOST_TURN_IDLE_MS)
    }
    const fromHost = (host: Peer, frame: Buffer) => {
        if (!door.admits(frame)) return
        if (!door.takesTurn(frame)) return hostToToken(frame)
        if (served === undefined || served === host) {
            served = host
            servedSpokeAt = Date.now()
            return hostToToken(frame)
        }
        if (waiting.length >= MAX_WAITING_FRAMES) return
        waiting.push({ host, frame: Buffer.from(frame) })
        if (!turnTimer) passTurn()
    }
    const hub = {
        receive(from: Peer, reader: FrameReader, chunk: Buffer) {
            for (const frame of reader.push(chunk)) {
                if (from.fromHost) {
                    fromHost(from, frame)
                    continue
                }
                // Every frame the VM sends passes here, whoever it is for. The control service's
                // packets (announcements, control answers) come from the runtime itself, outside the
                // program's send throttle (jdiface.c throttles the program's sends only): not counted.
                if (from.fromVm) vmPacketsSent += packetsOf(frame)?.filter(p => p.serviceIndex !== CONTROL_SERVICE_INDEX).length ?? 0
                door.observeTokenFrame(frame)
                const out = encodeFrame(frame)
                // Hosts get only what the door lets out: the served one its token-sync answers and
                // every host the control reports, each frame rebuilt without the rest.
                const toServed = served && peers.has(served) ? door.toHost(frame, true) : undefined
                const toOthers = door.toHost(frame, false)
                for (const other of peers) {
                    if (other === from) continue
                    const seen = !other.fromHost ? frame : other === served ? toServed : toOthers
                    if (seen) other.send(seen === frame ? out : encodeFrame(seen))
                }
                if (served && door.isTokenSyncReport(frame)) servedSpokeAt = Date.now()
            }
        },
        drop(p: Peer) {
            peers.delete(p)
            for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i].host === p) waiting.splice(i, 1)
            if (p !== served) return
            // The served host's connection ended (a pulled cable): its session ends with it.
            endTokenSession()
            served = undefined
            if (turnTimer) clearTimeout(turnTimer)
            passTurn()
        },
    }
    const sockets = new Set<Socket>()
    const server: Server = createServer(sock => {
        sock.setNoDelay(true)
        sockets.add(sock)
        const peer: Peer = {
            fromHost: true,
            send: bytes => {
                if (!sock.destroyed) sock.write(bytes)
            },
        }
        peers.add(peer)
        const reader = new FrameReader()
        sock.on("data", chunk => hub.receive(peer, reader, chunk))
        const drop = () => {
            sockets.delete(sock)
            if (peers.has(peer)) hub.drop(peer)
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
                pace,
                vmPacketsSent: () => vmPacketsSent,
                connectInProcess(onConnect, options) {
                    const s = new InProcessSocket(hub)
                    s.fromVm = options?.vm ?? false
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
