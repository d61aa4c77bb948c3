// A kiosk session with one token: connect, set the token's clock (every connection does, and the
// drift it had is shown), read its status. Token failures become KioskErrors a person can act on.
// A token refuses a large clock change without its owner's press (src/time/clock-guard.ts): the
// kiosk then sets its clock once the owner has pressed (owner-session.ts), after checking that its
// own clock is not behind the token's log.
import type { DecommissionResult, TokenStatus } from "../../lib/token-sync/sync-client.js"
import { KioskError } from "../errors.js"
import { connectToToken, type TokenConnection } from "../transport/connect.js"
import type { TokenAddress } from "../transport/address.js"

export interface TokenSession {
    connection: TokenConnection
    /** Token minus kiosk, seconds, measured when the kiosk set the clock (0 if it was not set, or not set yet). */
    driftSeconds: number
    /** The token's clock was not set before this connection. */
    clockWasUnset: boolean
    /** Both clocks when the kiosk connected, Unix seconds (token 0: not set). Shown to the person. */
    clocks: { kiosk: number; token: number }
    /** The token wants its owner's press before it takes the kiosk's clock (too large a change). */
    clockNeedsPress: boolean
    /** The notification server's base URL: the kiosk checks its own clock against it before it sets
     *  a token's clock with the press (kiosk-clock.ts). */
    clockReference?: string
    /** Set when the press repaired the token's clock: how far off it was (token minus kiosk, seconds;
     *  positive: the token was ahead) and the records it erased from its false future. */
    clockRepair?: { tokenOffSeconds: number; futureRecordsErased: number }
    status: TokenStatus
    /** A stopped token's account of its stop: who stopped it (its owner on the token, or a kiosk) and
     *  the proof of erasure, or still erasing. Undefined for a token in use. */
    stop?: DecommissionResult
    /** The kiosk's clock, Unix ms. */
    now: () => number
    close(): Promise<void>
}

export interface SessionOptions {
    /** The kiosk's clock, Unix ms (tests pass a simulated clock). */
    now?: () => number
    /** False: leave the clock alone at connection (a hand-out sets it inside the owner's session). */
    setClock?: boolean
    /** The notification server's base URL, to check the kiosk's clock against (TokenSession). */
    clockReference?: string
}

/** Runs a token operation, turning a vanished or silent token into a KioskError("token-lost"). */
export async function onToken<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
        return await op()
    } catch (e) {
        if (e instanceof KioskError) throw e
        if (e instanceof Error) throw new KioskError("token-lost", `${what}: ${e.message}`)
        throw e
    }
}

export async function openTokenSession(address: string | TokenAddress, opts: SessionOptions = {}): Promise<TokenSession> {
    const now = opts.now ?? Date.now
    const connection = await connectToToken(address)
    const client = connection.client
    try {
        // Only the state and clock are needed before the clock is set; the full status is read after it.
        const before = await onToken("reading the token's status", () => client.state())
        const tokenClock = await onToken("reading the token's clock", () => client.clock())
        const kioskClock = Math.floor(now() / 1000)
        let driftSeconds = 0
        let clockNeedsPress = false
        if (before !== "stopped" && opts.setClock !== false) {
            const r = await onToken("setting the token's clock", () => client.setTime(kioskClock))
            if (r.outcome === "refused")
                throw new KioskError(
                    "kiosk-clock-wrong",
                    `the token refused the kiosk's clock ${new Date(kioskClock * 1000).toISOString()}: it is outside what the token can keep`
                )
            driftSeconds = r.drift
            clockNeedsPress = r.outcome === "needs-press"
        }
        const status = await onToken("reading the token's status", () => client.status())
        // A stopped token answers decommission without a press: its proof, and whether its owner stopped it.
        const stop = status.state === "stopped" ? await onToken("reading the token's proof of erasure", () => client.decommission()) : undefined
        return {
            connection,
            driftSeconds,
            status,
            clockNeedsPress,
            stop,
            clockReference: opts.clockReference,
            clocks: { kiosk: kioskClock, token: tokenClock },
            clockWasUnset: before === "time-not-set",
            now,
            close: async () => {
                await client.endSession()
                await connection.close()
            },
        }
    } catch (e) {
        await connection.close()
        throw e
    }
}
