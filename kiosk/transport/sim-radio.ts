// The kiosk's Bluetooth back end when its radio is the simulated world's (`npm run sim -- up`
// prints the address, tcp://127.0.0.1:<port>; messages in lib/ble-link/kiosk-radio-messages.ts). The
// kiosk matches the sync advertisements it hears with the sticker's key itself, as with a real
// adapter: the key never leaves the kiosk.
import { createConnection, type Socket } from "node:net"
import { createInterface } from "node:readline"
import { connectWhenHeard, type BleCentral, type BleScanner, type HeardAdvertisement } from "../../lib/ble-link/central.js"
import type { GattConnection } from "../../lib/ble-link/host-session.js"
import { LinkError } from "../../lib/ble-link/protocol.js"
import { bytesOf, hexOf, parseRadioMessage, radioLine, type KioskToRadio, type RadioToKiosk } from "../../lib/ble-link/kiosk-radio-messages.js"
import { KioskError } from "../errors.js"

/** `--radio tcp://host:port` (or GAEN_KIOSK_RADIO): the simulated world's kiosk radio. */
export function parseRadioAddress(text: string): { host: string; port: number } {
    const m = /^tcp:\/\/([^:/\s]+):(\d{1,5})\/?$/.exec(text)
    const port = m ? Number(m[2]) : NaN
    if (!m || port < 1 || port > 65535)
        throw new KioskError("usage", `--radio ${text}: expected tcp://host:port, the kiosk radio that "npm run sim -- up" prints`)
    return { host: m[1], port }
}

export class SimRadioCentral implements BleCentral {
    constructor(
        private readonly host: string,
        private readonly port: number
    ) {}

    async connect(linkKey: Uint8Array, timeoutMs = 10_000): Promise<GattConnection> {
        const link = await RadioLink.open(this.host, this.port)
        try {
            return await connectWhenHeard(link, linkKey, timeoutMs)
        } catch (e) {
            link.end()
            throw e
        }
    }
}

/** One TCP connection to the simulated kiosk radio: scans, then at most one GATT connection. */
class RadioLink implements BleScanner {
    private readonly waiting: ((m: RadioToKiosk) => void)[] = []
    private readonly notifyHandlers: ((v: Uint8Array) => void)[] = []
    private readonly closeHandlers: (() => void)[] = []
    private open = true

    private constructor(private readonly socket: Socket) {
        createInterface({ input: socket, crlfDelay: Infinity }).on("line", line => this.receive(line))
        socket.on("error", () => {})
        socket.on("close", () => {
            this.closed()
            socket.destroy()
        })
    }

    static open(host: string, port: number): Promise<RadioLink> {
        return new Promise((resolve, reject) => {
            const socket = createConnection({ host, port })
            socket.once("connect", () => resolve(new RadioLink(socket)))
            socket.once("error", e =>
                reject(
                    new LinkError(
                        `the simulated kiosk radio at tcp://${host}:${port} does not answer (${(e as NodeJS.ErrnoException).code ?? e.message}): is "npm run sim -- up" running?`
                    )
                )
            )
        })
    }

    private receive(line: string) {
        let m: RadioToKiosk
        try {
            m = parseRadioMessage(line)
        } catch (e) {
            m = { op: "error", message: `the simulated kiosk radio sent a wrong line: ${(e as Error).message}` }
        }
        if (m.op === "notify") for (const h of this.notifyHandlers) h(bytesOf(m.value, "value"))
        else if (m.op === "closed") this.closed()
        else this.waiting.shift()?.(m)
    }

    private closed() {
        if (!this.open) return
        this.open = false
        for (const w of this.waiting.splice(0)) w({ op: "error", message: "the simulated kiosk radio closed the connection" })
        for (const h of this.closeHandlers) h()
    }

    /** Sends a request and waits for its answer (the radio answers in order). */
    private request(m: KioskToRadio): Promise<RadioToKiosk> {
        if (!this.open) return Promise.reject(new LinkError("the simulated kiosk radio closed the connection"))
        const answer = new Promise<RadioToKiosk>(resolve => this.waiting.push(resolve))
        this.socket.write(radioLine(m))
        return answer
    }

    async heard(): Promise<HeardAdvertisement[]> {
        const m = await this.request({ op: "scan" })
        if (m.op !== "heard") throw new LinkError(m.op === "error" ? m.message : `the radio answered ${m.op} to a scan`)
        return m.ads.map(a => ({ address: bytesOf(a.address, "address"), payload: bytesOf(a.payload, "payload") }))
    }

    async connect(address: Uint8Array): Promise<GattConnection> {
        const m = await this.request({ op: "connect", address: hexOf(address) })
        if (m.op !== "connected") throw new LinkError(m.op === "error" ? m.message : `the radio answered ${m.op} to a connection`)
        const link = this
        return {
            mtu: m.mtu,
            async write(value) {
                if (!link.open) throw new LinkError("the Bluetooth connection to the token is closed")
                link.socket.write(radioLine({ op: "write", value: hexOf(value) }))
            },
            onNotify: h => {
                link.notifyHandlers.push(h)
            },
            onClose: h => {
                link.closeHandlers.push(h)
            },
            async close() {
                link.end()
            },
        }
    }

    end() {
        // The radio closes the token's connection when the kiosk's TCP connection ends.
        if (!this.socket.destroyed) this.socket.end()
        this.closed()
    }
}
