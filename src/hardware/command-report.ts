// DeviceScript clients do not hand back a command's report, so a client that needs one (radio scan
// results, flash reads) sends the command and waits on the role's reports for the matching one,
// suspended rather than polling.
import * as ds from "@devicescript/core"

/** Sends `code` with `payload` and returns the payload of the first report with the same code that
 *  `matches` accepts, or undefined after `timeoutMs`. */
export async function sendAndAwaitReport(
    role: ds.Role,
    code: number,
    payload: Buffer,
    timeoutMs: number,
    matches: (reply: Buffer) => boolean = () => true
): Promise<Buffer> {
    const fiber = ds.Fiber.self()
    let reply: Buffer = undefined
    const unsubscribe = role.report().subscribe(pkt => {
        if (reply || pkt.serviceCommand !== code || !matches(pkt.payload)) return
        reply = pkt.payload
        if (fiber.suspended) fiber.resume(undefined)
    })
    try {
        await role.sendCommand(code, payload)
        if (!reply) await ds.suspend(timeoutMs)
    } finally {
        unsubscribe()
    }
    return reply
}
