// Opens the bus to one token and finds its sync service. Everything the kiosk does with a token goes
// through the TokenConnection this returns; close() always releases the port or socket.
import { createConnection } from "node:net"
import { existsSync } from "node:fs"
import jd, { type JDBus } from "../../lib/jacdac/jacdac-ts.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { digestEntriesWithin } from "../../lib/token-sync/log-digest.js"
import { KioskError } from "../errors.js"
import { describeTokenAddress, parseTokenAddress, type TokenAddress } from "./address.js"
import { tcpTokenBus } from "./tcp.js"
import { serialTokenBus } from "./serial.js"
import { bleTokenBus } from "./ble.js"

export interface TokenConnection {
    address: TokenAddress
    bus: JDBus
    client: TokenSyncClient
    close(): Promise<void>
}

export interface ConnectOptions {
    /** Real milliseconds to wait for the token's sync service. */
    timeoutMs?: number
}

export async function connectToToken(address: string | TokenAddress, opts: ConnectOptions = {}): Promise<TokenConnection> {
    const a = typeof address === "string" ? parseTokenAddress(address) : address
    if (a.kind === "serial" && !existsSync(a.path))
        throw new KioskError("token-not-found", `${describeTokenAddress(a)}: no such device (is the token plugged in? is the path right?)`)
    if (a.kind === "tcp") await probeTcp(a.host, a.port, opts.timeoutMs ?? 10_000)
    const bus = a.kind === "tcp" ? tcpTokenBus(a.host, a.port) : a.kind === "ble" ? bleTokenBus(a.linkKey, opts.timeoutMs ?? 10_000) : serialTokenBus(a.path)
    const close = async () => {
        // A closed connection stays closed: the bus never reopens the port when it reappears (a
        // token plugged in again belongs to whoever opens it next).
        bus.autoConnect = false
        try {
            await bus.disconnect()
        } catch {
            /* already gone */
        }
        bus.stop()
    }
    try {
        await connectWithin(bus, opts.timeoutMs ?? 10_000)
        const client = await TokenSyncClient.find(bus, opts.timeoutMs ?? 10_000)
        // Over Bluetooth, each digest page fits one radio value (services/token-sync.md read_log_digest).
        const oneValue = (bus.transports[0] as { payloadInOneValue?: number }).payloadInOneValue
        if (a.kind === "ble" && oneValue) client.digestEntriesPerPage = digestEntriesWithin(oneValue)
        return { address: a, bus, client, close }
    } catch (e) {
        await close()
        if (e instanceof Error) throw new KioskError("token-not-found", `${describeTokenAddress(a)}: ${e.message}`)
        throw e
    }
}

/** jacdac-ts's socket transport never settles its connect promise when the connection is refused,
 *  so the kiosk tries the port itself first to give a prompt, precise answer. */
function probeTcp(host: string, port: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
        const sock = createConnection({ host, port })
        const fail = (why: string) => {
            sock.destroy()
            reject(new KioskError("token-not-found", `tcp://${host}:${port}: ${why} (is the simulated token running?)`))
        }
        const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms`), timeoutMs)
        sock.once("connect", () => {
            clearTimeout(timer)
            sock.end()
            resolve()
        })
        sock.once("error", e => {
            clearTimeout(timer)
            fail((e as NodeJS.ErrnoException).code ?? e.message)
        })
    })
}

/** Connects the bus, or fails when its transport gives up (it then reports "disconnected") or time runs out. */
function connectWithin(bus: JDBus, timeoutMs: number): Promise<void> {
    // A transport may say why it failed (ble.ts); jacdac-ts itself only reports the state.
    const transport = bus.transports[0] as (typeof bus.transports)[0] & { connectError?: Error }
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            off()
            reject(new Error(`could not open the connection within ${timeoutMs} ms`))
        }, timeoutMs)
        const off = transport.subscribe(jd.CONNECTION_STATE, (state: string) => {
            if (state === "disconnected") {
                clearTimeout(timer)
                off()
                reject(new Error(transport.connectError?.message ?? "the connection was refused or closed"))
            }
        })
        // background: jacdac-ts then reports a failure through its state instead of printing it.
        bus.connect(true).then(
            () => {
                clearTimeout(timer)
                off()
                if (transport.connected) resolve()
                else reject(new Error("could not open the connection"))
            },
            e => {
                clearTimeout(timer)
                off()
                reject(e)
            }
        )
    })
}
