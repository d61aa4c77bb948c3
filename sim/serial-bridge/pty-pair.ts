// A linked pair of pseudo-terminals (Debian's socat): bytes written to one come out of the other, as
// over a USB serial cable. One end plays the token (sim/serial-bridge/bridge.ts), the other is
// what the kiosk opens as `serial:/dev/pts/N`.
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, realpathSync, existsSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface PtyPair {
    /** The token's end and the kiosk's end, as /dev/pts/N paths. */
    devicePath: string
    hostPath: string
    close(): Promise<void>
}

export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
    const dir = mkdtempSync(join(tmpdir(), "gaen-pty-"))
    const device = join(dir, "token")
    const host = join(dir, "kiosk")
    let child: ChildProcess
    try {
        child = spawn("socat", [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`], { stdio: ["ignore", "ignore", "pipe"] })
    } catch (e) {
        throw new Error(`cannot start socat (install it: scripts/install-system-deps.sh): ${(e as Error).message}`)
    }
    let stderr = ""
    child.stderr!.on("data", d => (stderr += d))
    const spawnError = new Promise<never>((_, rej) => child.once("error", e => rej(new Error(`cannot start socat (install it: scripts/install-system-deps.sh): ${e.message}`))))
    const deadline = Date.now() + timeoutMs
    const ready = (async () => {
        while (!(existsSync(device) && existsSync(host))) {
            if (child.exitCode !== null) throw new Error(`socat exited (${child.exitCode}): ${stderr}`)
            if (Date.now() > deadline) throw new Error(`socat made no pty pair within ${timeoutMs} ms: ${stderr}`)
            await new Promise(r => setTimeout(r, 20))
        }
    })()
    try {
        await Promise.race([ready, spawnError])
    } catch (e) {
        child.kill("SIGKILL")
        rmSync(dir, { recursive: true, force: true })
        throw e
    }
    const exited = new Promise<void>(res => (child.exitCode !== null ? res() : child.once("exit", () => res())))
    return {
        devicePath: realpathSync(device),
        hostPath: realpathSync(host),
        async close() {
            if (child.exitCode === null) child.kill("SIGTERM")
            await exited
            rmSync(dir, { recursive: true, force: true })
        },
    }
}
