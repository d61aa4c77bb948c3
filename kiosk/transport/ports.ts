// The USB serial ports that look like a token, for the web app's connect screen: the ones
// jacdac-ts itself would take (serial number "JD…"/"PX…") and the USB-serial chips ESP32 boards carry.
import { SerialPort } from "serialport"

// Espressif's own USB (ESP32-S3/C3/C6), Silicon Labs CP210x, WCH CH34x, FTDI: the chips of ESP32 boards.
const TOKEN_VENDOR_IDS = new Set(["303a", "10c4", "1a86", "0403"])

export interface TokenPort {
    /** The address to connect to: serial:<path>. */
    address: string
    path: string
    /** What the operating system says it is, for staff (may be empty). */
    description: string
}

export async function listTokenPorts(): Promise<TokenPort[]> {
    let ports: Awaited<ReturnType<typeof SerialPort.list>>
    try {
        ports = await SerialPort.list()
    } catch {
        return [] // no serial support on this machine: only simulated tokens
    }
    return ports
        .filter(p => TOKEN_VENDOR_IDS.has((p.vendorId ?? "").toLowerCase()) || /^(JD|PX)/.test(p.serialNumber ?? ""))
        .map(p => ({ address: `serial:${p.path}`, path: p.path, description: [p.manufacturer, p.serialNumber].filter(Boolean).join(" ") }))
}
