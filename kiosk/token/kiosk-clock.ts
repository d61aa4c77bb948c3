// Before the kiosk sets a token's clock with the owner's press (which may move it far, ahead or
// back, and makes the token erase what it stamped in a false future: docs/threat-model.md, "The
// clock"), the kiosk checks its own clock against the notification server's. The server stamps every
// answer with its clock in the HTTP Date header (RFC 9110 §6.6.1, whole seconds); the kiosk compares
// it with its own clock at the middle of the request. More than KIOSK_CLOCK_TOLERANCE_S apart, or no
// answer, and the kiosk sets nothing.
import { KioskError } from "../errors.js"
import { httpRequest } from "../http/server-client.js"
import { PATHS } from "../../lib/cocoa/protocol.js"

/** How far the kiosk's clock may be from the server's: the Date header's second, the network's
 *  delay and a token's 10-minute free bound leave room; a kiosk a day off is caught. */
export const KIOSK_CLOCK_TOLERANCE_S = 120

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString()

/** The kiosk's clock minus the server's, seconds; throws kiosk-clock-wrong when too far apart or
 *  when the server cannot be asked. */
export async function checkKioskClock(server: string, now: () => number): Promise<number> {
    const url = `${server}${PATHS.status}`
    const sentAt = now()
    let date: string | null
    try {
        date = (await httpRequest(url, {}, 10_000)).headers.get("date")
    } catch (e) {
        throw new KioskError(
            "kiosk-clock-wrong",
            `the kiosk could not check its clock against the server (${url}): ${e instanceof Error ? e.message : e}; the token's clock was left as it is`
        )
    }
    const serverSeconds = date ? Date.parse(date) / 1000 : NaN
    if (!Number.isFinite(serverSeconds))
        throw new KioskError("kiosk-clock-wrong", `the server (${url}) gave no time to check the kiosk's clock against; the token's clock was left as it is`)
    const kioskSeconds = (sentAt + now()) / 2000
    const offset = Math.round(kioskSeconds - serverSeconds)
    if (Math.abs(offset) > KIOSK_CLOCK_TOLERANCE_S)
        throw new KioskError(
            "kiosk-clock-wrong",
            `the kiosk's clock (${iso(kioskSeconds)}) is ${Math.abs(offset)} s ${offset > 0 ? "ahead of" : "behind"} the server's (${iso(serverSeconds)}); the token's clock was left as it is`,
            { kiosk: iso(kioskSeconds), server: iso(serverSeconds) }
        )
    return offset
}
