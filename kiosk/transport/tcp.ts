// A simulated token: its Jacdac bus is a TCP frame hub (sim/token/frame-hub.ts), which jacdac-ts's
// Node socket transport speaks (length-prefixed frames).
import jd, { type JDBus } from "../../lib/jacdac/jacdac-ts.js"

export function tcpTokenBus(host: string, port: number): JDBus {
    return new jd.JDBus([jd.createNodeSocketTransport(port, host)], { client: true, disableRoleManager: true })
}
