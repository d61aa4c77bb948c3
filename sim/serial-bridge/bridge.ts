// Plays a token's USB serial port for the simulator: one end of a pseudo-terminal pair is opened
// here and bridged to a simulated token's TCP frame hub, converting the hub's length-prefixed frames
// to the JDUSB serial framing and back. A kiosk that opens the other end of the pair
// (`serial:/dev/pts/N`) then talks to the simulated token exactly as to an ESP32 on USB: it must
// enable packet forwarding first, as the real runtime requires.
import { createConnection, type Socket } from "node:net"
import { SerialPort } from "serialport"
import { encodeFrame, FrameReader } from "../token/frame-hub.js"
import { JdusbDecoder, encodeJdusbFrame, bridgeCommandOf, bridgeReport } from "./jdusb-framing.js"

const CMD = { disablePackets: 0x80, enablePackets: 0x81, disableLog: 0x82, enableLog: 0x83 } as const

export interface SerialBridge {
    /** Frames forwarded each way, for tests and diagnostics. */
    stats: { toSerial: number; toHub: number; dropped: number }
    close(): Promise<void>
}

export async function startSerialBridge(o: { devicePath: string; hubPort: number; hubHost?: string }): Promise<SerialBridge> {
    const port = new SerialPort({ path: o.devicePath, baudRate: 1_500_000, autoOpen: false })
    await new Promise<void>((res, rej) => port.open(e => (e ? rej(new Error(`serial bridge: cannot open ${o.devicePath}: ${e.message}`)) : res())))
    const hub: Socket = createConnection({ host: o.hubHost ?? "127.0.0.1", port: o.hubPort })
    hub.setNoDelay(true)
    await new Promise<void>((res, rej) => {
        hub.once("connect", res)
        hub.once("error", e => rej(new Error(`serial bridge: cannot reach the token's hub on port ${o.hubPort}: ${e.message}`)))
    })

    const stats = { toSerial: 0, toHub: 0, dropped: 0 }
    // As on the device: nothing of the bus goes to USB until the host asks for it.
    let forwarding = false
    const decoder = new JdusbDecoder()
    const hubReader = new FrameReader()

    port.on("data", (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) {
            const command = bridgeCommandOf(frame)
            if (command !== undefined) {
                if (command === CMD.enablePackets || command === CMD.disablePackets) forwarding = command === CMD.enablePackets
                const known = (Object.values(CMD) as number[]).includes(command)
                port.write(encodeJdusbFrame(bridgeReport(known ? command : 0xff)))
                continue
            }
            stats.toHub++
            if (!hub.destroyed) hub.write(encodeFrame(frame))
        }
        stats.dropped = decoder.dropped
    })
    hub.on("data", (chunk: Buffer) => {
        for (const frame of hubReader.push(chunk)) {
            if (!forwarding) continue
            stats.toSerial++
            port.write(encodeJdusbFrame(frame))
        }
    })
    // Errors end the bridge like a pulled cable; the kiosk notices the silence.
    hub.on("error", () => port.isOpen && port.close())
    port.on("error", () => hub.destroy())

    return {
        stats,
        async close() {
            hub.destroy()
            if (port.isOpen) await new Promise<void>(res => port.close(() => res()))
        },
    }
}
