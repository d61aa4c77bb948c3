// The world's kiosk radio for kiosks in other processes (`npm run sim -- up`): a TCP port speaking
// one JSON object per line, as a host speaks to its Bluetooth controller. The kiosk scans, matches
// the sync advertisements with its sticker's key itself (the key never reaches the simulator), and
// connects by address; one connection per TCP connection. Client: kiosk/transport/sim-radio.ts.
//   kiosk → radio  {"op":"scan"} · {"op":"connect","address":hex} · {"op":"write","value":hex} · {"op":"disconnect"}
//   radio → kiosk  {"op":"heard","ads":[{"address":hex,"payload":hex}]} · {"op":"connected","mtu":n}
//                  {"op":"error","message":text} · {"op":"notify","value":hex} · {"op":"closed"}
import { createServer, type Socket } from "node:net"
import { createInterface } from "node:readline"
import type { GattConnection } from "../../lib/ble-link/host-session.js"
import type { KioskRadio } from "./kiosk-radio.js"

/** Longest line a kiosk may send (a GATT value is at most 512 bytes: 1 KiB of hex, plus the JSON). */
const MAX_LINE = 4096

export interface KioskRadioServer {
    port: number
    close(): Promise<void>
}

export async function serveKioskRadio(radio: KioskRadio, port = 0): Promise<KioskRadioServer> {
    const sockets = new Set<Socket>()
    const server = createServer(socket => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
        serveOne(radio, socket)
    })
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject)
        server.listen(port, "127.0.0.1", () => resolve())
    })
    return {
        port: (server.address() as { port: number }).port,
        close: () => new Promise<void>(resolve => {
            for (const s of sockets) s.destroy()
            server.close(() => resolve())
        }),
    }
}

function serveOne(radio: KioskRadio, socket: Socket) {
    let conn: GattConnection | undefined
    const send = (m: object) => { if (!socket.destroyed) socket.write(JSON.stringify(m) + "\n") }
    socket.on("error", () => {}) // a kiosk that went away: its connection closes below
    socket.on("close", () => void conn?.close())
    const lines = createInterface({ input: socket, crlfDelay: Infinity })
    lines.on("line", line => {
        void handle(line).catch(e => send({ op: "error", message: (e as Error).message }))
    })

    async function handle(line: string) {
        if (line.length > MAX_LINE) throw new Error(`a line of ${line.length} characters is longer than ${MAX_LINE}`)
        let m: { op?: unknown; address?: unknown; value?: unknown }
        try {
            m = JSON.parse(line)
        } catch {
            throw new Error("not a JSON line")
        }
        if (m.op === "scan") {
            const ads = await radio.heard()
            send({ op: "heard", ads: ads.map(a => ({ address: Buffer.from(a.address).toString("hex"), payload: Buffer.from(a.payload).toString("hex") })) })
        } else if (m.op === "connect") {
            if (conn) throw new Error("already connected (one connection per TCP connection)")
            conn = await radio.connect(hexField(m.address, "address"))
            conn.onNotify(v => send({ op: "notify", value: Buffer.from(v).toString("hex") }))
            conn.onClose(() => { conn = undefined; send({ op: "closed" }) })
            send({ op: "connected", mtu: conn.mtu })
        } else if (m.op === "write") {
            if (!conn) throw new Error("not connected")
            await conn.write(hexField(m.value, "value"))
        } else if (m.op === "disconnect") {
            await conn?.close()
        } else {
            throw new Error(`unknown op ${JSON.stringify(m.op)} (scan, connect, write, disconnect)`)
        }
    }
}

function hexField(v: unknown, name: string): Buffer {
    if (typeof v !== "string" || !/^([0-9a-f]{2})*$/i.test(v)) throw new Error(`"${name}" must be a hex string`)
    return Buffer.from(v, "hex")
}
