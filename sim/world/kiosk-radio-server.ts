// The world's kiosk radio for kiosks in other processes (`npm run sim -- up`): a TCP port speaking
// the messages of lib/ble-link/kiosk-radio-messages.ts. Client: kiosk/transport/sim-radio.ts.
import { createServer, type Socket } from "node:net"
import { createInterface } from "node:readline"
import type { GattConnection } from "../../lib/ble-link/host-session.js"
import { bytesOf, hexOf, parseKioskMessage, radioLine, type RadioToKiosk } from "../../lib/ble-link/kiosk-radio-messages.js"
import type { KioskRadio } from "./kiosk-radio.js"

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
        close: () =>
            new Promise<void>(resolve => {
                for (const s of sockets) s.destroy()
                server.close(() => resolve())
            }),
    }
}

function serveOne(radio: KioskRadio, socket: Socket) {
    let conn: GattConnection | undefined
    const send = (m: RadioToKiosk) => {
        if (!socket.destroyed) socket.write(radioLine(m))
    }
    socket.on("error", () => {}) // a kiosk that went away: its connection closes below
    socket.on("close", () => void conn?.close())
    const lines = createInterface({ input: socket, crlfDelay: Infinity })
    lines.on("line", line => {
        void handle(line).catch(e => send({ op: "error", message: (e as Error).message }))
    })

    async function handle(line: string) {
        const m = parseKioskMessage(line)
        if (m.op === "scan") {
            const ads = await radio.heard()
            send({ op: "heard", ads: ads.map(a => ({ address: hexOf(a.address), payload: hexOf(a.payload) })) })
        } else if (m.op === "connect") {
            if (conn) throw new Error("already connected (one connection per TCP connection)")
            conn = await radio.connect(bytesOf(m.address, "address"))
            conn.onNotify(v => send({ op: "notify", value: hexOf(v) }))
            conn.onClose(() => {
                conn = undefined
                send({ op: "closed" })
            })
            send({ op: "connected", mtu: conn.mtu })
        } else if (m.op === "write") {
            if (!conn) throw new Error("not connected")
            await conn.write(bytesOf(m.value, "value"))
        } else {
            await conn?.close()
        }
    }
}
