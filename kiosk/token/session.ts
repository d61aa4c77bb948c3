// A kiosk session with one token: connect, set the token's clock (every connection does, and the
// drift it had is shown), read its status. Token failures become KioskErrors a person can act on.
import type { TokenStatus } from "../../lib/token-sync/sync-client.js"
import { KioskError } from "../errors.js"
import { connectToToken, type TokenConnection } from "../transport/connect.js"
import type { TokenAddress } from "../transport/address.js"

export interface TokenSession {
    connection: TokenConnection
    /** Token minus kiosk, seconds, measured when the kiosk set the clock now (0 if it was not set). */
    driftSeconds: number
    /** The token's clock was not set before this connection. */
    clockWasUnset: boolean
    status: TokenStatus
    close(): Promise<void>
}

export interface SessionOptions {
    /** The kiosk's clock, Unix ms (tests pass a simulated clock). */
    now?: () => number
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
    try {
        // Only the state is needed before the clock is set; the full status is read after it.
        const before = await onToken("reading the token's status", () => connection.client.state())
        const driftSeconds = before === "stopped" ? 0
            : await onToken("setting the token's clock", () => connection.client.setTime(Math.floor(now() / 1000)))
        const status = await onToken("reading the token's status", () => connection.client.status())
        return {
            connection, driftSeconds, status,
            clockWasUnset: before === "time-not-set",
            close: () => connection.close(),
        }
    } catch (e) {
        await connection.close()
        throw e
    }
}
