// Plays a token's USB serial port for the simulator: a pseudo-terminal the kiosk opens
// (`serial:<hostPath>`), bridged to a simulated token's TCP frame hub, converting the hub's
// length-prefixed frames to the JDUSB serial framing and back. The kiosk then talks to the simulated
// token exactly as to an ESP32 on USB: it must enable packet forwarding first, as the real runtime
// requires.
// Each opening of the port is one host: the bridge gives it a connection of its own to the hub, and
// when the host closes the port (the close of the pty's host end stands for the DTR drop of a real
// port, host-pty.ts) the bridge closes that connection, so the hub ends the host's session exactly as
// for a TCP host that goes (frame-hub.ts). The next opener gets a fresh pty at the same path and a new
// connection: a new host. Closing the bridge is pulling the cable.
import { createConnection, type Socket } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { encodeFrame, FrameReader } from "../token/frame-hub.js"
import { JdusbDecoder, encodeJdusbFrame, bridgeCommandOf, bridgeReport } from "./jdusb-framing.js"
import { openHostPty, type HostPty } from "./host-pty.js"

const CMD = { disablePackets: 0x80, enablePackets: 0x81, disableLog: 0x82, enableLog: 0x83 } as const

export interface SerialBridge {
    /** What a host opens: a link naming the port across openings (as /dev/serial/by-id/… names a
     *  USB device), to the pseudo-terminal of the current opening. */
    hostPath: string
    /** Frames forwarded each way, and hosts that have opened and closed the port, for tests and diagnostics. */
    stats: { toSerial: number; toHub: number; dropped: number; hostsGone: number }
    /** Settles when the port can be opened by a new host (after the last one closed it). */
    ready(): Promise<void>
    close(): Promise<void>
}

function connectHub(o: { hubPort: number; hubHost?: string }): Promise<Socket> {
    const hub = createConnection({ host: o.hubHost ?? "127.0.0.1", port: o.hubPort })
    hub.setNoDelay(true)
    return new Promise((res, rej) => {
        hub.once("connect", () => res(hub))
        hub.once("error", e => rej(new Error(`serial bridge: cannot reach the token's hub on port ${o.hubPort}: ${e.message}`)))
    })
}

export async function startSerialBridge(o: { hubPort: number; hubHost?: string }): Promise<SerialBridge> {
    const dir = mkdtempSync(join(tmpdir(), "gaen-serial-"))
    const hostPath = join(dir, "token")
    const stats = { toSerial: 0, toHub: 0, dropped: 0, hostsGone: 0 }
    let closing = false

    /** One opening of the port: its pty and its own connection to the hub. */
    async function serveOneHost(): Promise<{ pty: HostPty; hub: Socket }> {
        const pty = await openHostPty(hostPath)
        let hub: Socket
        try {
            hub = await connectHub(o)
        } catch (e) {
            await pty.close()
            throw e
        }
        // As on the device: nothing of the bus goes to USB until the host asks for it.
        let forwarding = false
        const decoder = new JdusbDecoder()
        const hubReader = new FrameReader()
        pty.fromHost.on("data", (chunk: Buffer) => {
            for (const frame of decoder.push(chunk)) {
                const command = bridgeCommandOf(frame)
                if (command !== undefined) {
                    if (command === CMD.enablePackets || command === CMD.disablePackets) forwarding = command === CMD.enablePackets
                    const known = (Object.values(CMD) as number[]).includes(command)
                    pty.toHost(encodeJdusbFrame(bridgeReport(known ? command : 0xff)))
                    continue
                }
                stats.toHub++
                if (!hub.destroyed) hub.write(encodeFrame(frame))
            }
            stats.dropped += decoder.dropped
            decoder.dropped = 0
        })
        hub.on("data", (chunk: Buffer) => {
            for (const frame of hubReader.push(chunk)) {
                if (!forwarding) continue
                stats.toSerial++
                pty.toHost(encodeJdusbFrame(frame))
            }
        })
        // The token's side gone is a pulled cable: the host's reads of the port fail.
        hub.on("error", () => void pty.close())
        hub.on("close", () => void pty.close())
        void pty.closed.then(() => {
            // The host closed the port: its connection to the hub ends, and with it its session.
            hub.destroy()
            if (closing) return
            stats.hostsGone++
            serving = serveOneHost()
            serving.catch(() => {})
        })
        return { pty, hub }
    }

    let serving = serveOneHost()
    try {
        await serving
    } catch (e) {
        rmSync(dir, { recursive: true, force: true })
        throw e
    }

    return {
        hostPath,
        stats,
        ready: async () => void (await serving),
        async close() {
            closing = true
            const { pty, hub } = await serving.catch(() => ({ pty: undefined, hub: undefined }))
            hub?.destroy()
            await pty?.close()
            rmSync(dir, { recursive: true, force: true })
        },
    }
}
