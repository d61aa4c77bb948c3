// Shared setup of the end-to-end tests (test/e2e/*.test.ts): the REAL notification server living on
// the simulation's clock, the kiosk core talking to simulated tokens that run the real firmware, the
// owner's button press at the moment the kiosk asks for it, and a TCP link between kiosk and token
// that a test can cut like a pulled USB cable. No part of the product is replaced here.
import { createServer, createConnection, type Server, type Socket } from "node:net"
import type { AddressInfo } from "node:net"
import type { SimClock } from "../../sim/clock/sim-clock.js"
import { startTestServer, type TestServer } from "../server/helpers.js"
import { openTokenSession, loadRiskConfig, type CheckOptions, type TokenSession } from "../../kiosk/index.js"
import { trustedKeyFrom, type TrustedKey } from "../../kiosk/downloads/public-key.js"
import type { Cleanup } from "../helpers/cleanup.js"

/**
 * The real notification server (in-process, 127.0.0.1, port 0, temp data dir) whose notion of "now"
 * is the simulation's clock: it checks key ages, the infectious window and — when publishing — which
 * keys have ended, against the same simulated time the tokens live in.
 */
export async function startServerOn(clock: () => number, cleanup: Cleanup): Promise<TestServer> {
    return cleanup.add(await startTestServer({ clock }), s => s.stop())
}

/** The server's export-signing public key as the operator configures it on the kiosk (out of band,
 *  as `--public-key` does): the kiosk then verifies every download against it. */
function trustedKeyOf(server: TestServer): TrustedKey {
    return trustedKeyFrom(server.app.signingKey.info.publicKey, "the server's public key")
}

export function checkOptions(server: TestServer, dataDir: string, extra: Partial<CheckOptions> = {}): CheckOptions {
    return { server: server.app.url, region: "440", dataDir, trustedKey: trustedKeyOf(server), riskConfig: loadRiskConfig(), ...extra }
}

export function tokenAddress(port: number): string {
    return `tcp://127.0.0.1:${port}`
}

/** A kiosk session (connect + set the token's clock to the simulated time) with a token's bus port. */
export function openSession(port: number, clock: SimClock): Promise<TokenSession> {
    return openTokenSession(tokenAddress(port), { now: () => clock.now() })
}

/**
 * A TCP link kiosk → token bus that a test can cut, as if the cable were pulled: `cut()` destroys
 * every connection through it at once (both directions). New connections are accepted afterwards
 * (the cable plugged back in).
 */
export interface CuttableLink {
    port: number
    cut(): void
    /** Cuts and refuses new connections until plugIn(): the cable stays out. */
    unplug(): void
    plugIn(): void
    close(): Promise<void>
}

export async function startCuttableLink(targetPort: number): Promise<CuttableLink> {
    const open = new Set<Socket>()
    let pluggedIn = true
    const server: Server = createServer(kiosk => {
        if (!pluggedIn) return void kiosk.destroy()
        const token = createConnection({ host: "127.0.0.1", port: targetPort })
        for (const s of [kiosk, token]) {
            open.add(s)
            s.on("close", () => open.delete(s))
            s.on("error", () => {
                /* the other side is destroyed with it */
            })
        }
        kiosk.on("close", () => token.destroy())
        token.on("close", () => kiosk.destroy())
        kiosk.pipe(token)
        token.pipe(kiosk)
    })
    await new Promise<void>(r => server.listen(0, "127.0.0.1", () => r()))
    const link: CuttableLink = {
        port: (server.address() as AddressInfo).port,
        cut() {
            for (const s of open) s.destroy()
        },
        unplug() {
            pluggedIn = false
            link.cut()
        },
        plugIn() {
            pluggedIn = true
        },
        close: () =>
            new Promise<void>(r => {
                link.cut()
                server.close(() => r())
            }),
    }
    return link
}
