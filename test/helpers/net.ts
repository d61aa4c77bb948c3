// Network helpers shared by the tests.
import { createServer } from "node:net"
import type { AddressInfo } from "node:net"

/** The URL of a server that just stopped: connections to it are refused. */
export async function downServerUrl(): Promise<string> {
    const s = createServer()
    await new Promise<void>(r => s.listen(0, "127.0.0.1", () => r()))
    const port = (s.address() as AddressInfo).port
    await new Promise<void>(r => s.close(() => r()))
    return `http://127.0.0.1:${port}`
}
