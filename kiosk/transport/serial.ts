// A real token on USB serial. DeviceScript's ESP32 runtime speaks Jacdac over the USB CDC line with
// the "JDUSB" framing of Jacdac's USB bridge service (0xFE escapes, frame start/end markers, serial
// log bytes in between; the host enables packet forwarding with a bridge command). jacdac-ts's Node
// serial transport (createNodeWebSerialTransport + the `serialport` package) implements the host side
// of exactly that, so the kiosk uses it unchanged.
//
// That transport picks its port itself, from `SerialPort.list()`, keeping ports whose USB serial
// number starts with "JD"/"PX" or whose vendor id it knows. The person (or staff) named the port,
// so we hand jacdac-ts a SerialPort class whose list() holds exactly that port, marked as a Jacdac
// one. This also makes pseudo-terminals work (they are never listed by the OS), which is how the
// serial path is tested against a simulated token (sim/serial-bridge).
import { existsSync } from "node:fs"
import { SerialPort } from "serialport"
import jd, { type JDBus } from "../../lib/jacdac/jacdac-ts.js"

/** The class jacdac-ts instantiates: `new (options, openCallback)` plus a static `list()`. */
function serialPortClassFor(path: string) {
    return class ChosenSerialPort extends SerialPort {
        static override async list() {
            if (!existsSync(path)) return []
            return [
                {
                    path,
                    serialNumber: `JD-kiosk-chosen-port`,
                    manufacturer: undefined,
                    pnpId: undefined,
                    locationId: undefined,
                    productId: undefined,
                    vendorId: undefined,
                },
            ]
        }
    }
}

export function serialTokenBus(path: string): JDBus {
    const transport = jd.createNodeWebSerialTransport(serialPortClassFor(path))
    return new jd.JDBus([transport], { client: true, disableRoleManager: true })
}
