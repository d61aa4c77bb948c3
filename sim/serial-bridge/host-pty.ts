// The host's end of a simulated token's USB serial port, for one opening of the port: a
// pseudo-terminal made by Debian's socat, whose master side socat joins to its own stdin/stdout, which
// the bridge holds as the token's end (sim/serial-bridge/bridge.ts).
// A pseudo-terminal has no DTR line and no USB bus to suspend (modem-line ioctls fail on a pty), so
// what the bridge can observe of the host closing the port is the close of the pty's host end: with
// `wait-slave` socat keeps no descriptor of that end itself, so once the host has opened it and its
// last descriptor closes, reading the master fails (EIO). socat then reports that end at EOF (its
// notice "socket 1 (fd N) is at EOF", shown at `-d -d`) but goes on writing to it while the token
// speaks, so this module ends socat on that notice; `closed` then settles.
import { spawn } from "node:child_process"
import { existsSync, realpathSync } from "node:fs"
import type { Readable } from "node:stream"

export interface HostPty {
    /** The pseudo-terminal the host opens (/dev/pts/N), reached through the link it was made with. */
    ptsPath: string
    /** Bytes the host writes to the port. */
    fromHost: Readable
    /** Writes to the host; bytes written before the host opens the port wait in a pipe. */
    toHost(bytes: Uint8Array): void
    /** Settles when the host has closed the port (or the pty was closed here). */
    closed: Promise<void>
    close(): Promise<void>
}

/** socat's notice that its first address (the pty) reached EOF: the host closed the port. */
const HOST_END_CLOSED = /socket 1 \(fd \d+\) is at EOF/
const INSTALL_HINT = "install it: scripts/install-system-deps.sh"

export async function openHostPty(linkPath: string, timeoutMs = 5000): Promise<HostPty> {
    // pty-interval: how often socat looks whether the host has opened the port (default 1 s).
    const child = spawn("socat", ["-d", "-d", `pty,raw,echo=0,wait-slave,pty-interval=0.05,link=${linkPath}`, "STDIO"], { stdio: ["pipe", "pipe", "pipe"] })
    let stderr = ""
    child.stderr!.on("data", d => {
        stderr = (stderr + d).slice(-4096)
        if (HOST_END_CLOSED.test(stderr) && child.exitCode === null) child.kill("SIGTERM")
    })
    child.stdin!.on("error", () => {}) // the host went while a write was under way: nothing it could still read is lost
    const closed = new Promise<void>(res => (child.exitCode !== null ? res() : child.once("close", () => res())))
    const spawnError = new Promise<never>((_, rej) => child.once("error", e => rej(new Error(`cannot start socat (${INSTALL_HINT}): ${e.message}`))))
    const deadline = Date.now() + timeoutMs
    const ready = (async () => {
        while (!existsSync(linkPath)) {
            if (child.exitCode !== null) throw new Error(`socat exited (${child.exitCode}) before making a pty: ${stderr}`)
            if (Date.now() > deadline) throw new Error(`socat made no pty within ${timeoutMs} ms: ${stderr}`)
            await new Promise(r => setTimeout(r, 20))
        }
    })()
    try {
        await Promise.race([ready, spawnError])
    } catch (e) {
        child.kill("SIGKILL")
        throw e
    }
    return {
        ptsPath: realpathSync(linkPath),
        fromHost: child.stdout!,
        toHost: bytes => void (child.stdin!.writable && child.stdin!.write(bytes)),
        closed,
        async close() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
            await closed
        },
    }
}
