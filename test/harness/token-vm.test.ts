// The simulator harness runs the real firmware headless: boot, read over Jacdac, several at once,
// and no process left behind.
import { afterEach, describe, expect, test } from "vitest"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { waitUntil } from "../helpers/wait.js"

const started: TokenVm[] = []
async function startToken(clock: SimClock) {
    const vm = await TokenVm.start({ clock })
    started.push(vm)
    return vm
}
afterEach(async () => {
    await Promise.all(started.splice(0).map(vm => vm.stop()))
})

/** Whether `pid` is a running process. A zombie (exited, not yet reaped by its parent) answers
 *  kill(pid, 0) too, but it is dead: its state in /proc is Z. */
function alive(pid: number) {
    try {
        process.kill(pid, 0)
    } catch {
        return false
    }
    try {
        // "pid (comm) S ...": the state follows the last ")".
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
        return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
    } catch {
        return false // gone between the two looks
    }
}

describe("simulator harness", () => {
    test("boots the firmware and reads its status over the token's Jacdac bus", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 3, 1, 9), 100)
        const vm = await startToken(clock)
        const sync = await TokenSyncClient.find(vm.bus)
        const status = await sync.status()
        expect(status.firmwareVersion).toMatch(/^\d+\.\d+\.\d+$/)
        expect(status.tokenId).toMatch(/^[0-9a-f]{16}$/)
        expect(status.state).toBe("time-not-set")
        expect(status.clock).toBe(0)
    })

    test("simulated time runs faster than real time, and the token's clock follows the kiosk's", async () => {
        const scale = 200
        const clock = SimClock.startingAt(Date.UTC(2026, 3, 1, 9), scale)
        const vm = await startToken(clock)
        const sync = await TokenSyncClient.find(vm.bus)
        await clock.sleep(60_000) // let it settle after booting
        await setTokenClock(clock, sync)
        const realStart = Date.now()
        await clock.sleep(10 * 60_000) // ten simulated minutes
        const tokenClock = (await sync.status()).clock
        const simNow = clock.now() / 1000
        // The token lived the ten minutes: its clock agrees with the simulation's within seconds.
        expect(Math.abs(tokenClock - simNow)).toBeLessThan(30)
        expect(Date.now() - realStart).toBeLessThan(600_000 / 10) // far less than ten real minutes
    })

    test("several tokens run at once, each on its own bus with its own identity", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 3, 1, 9), 100)
        const [a, b, c] = await Promise.all([startToken(clock), startToken(clock), startToken(clock)])
        expect(new Set([a.hubPort, b.hubPort, c.hubPort]).size).toBe(3)
        const ids = await Promise.all([a, b, c].map(async vm => (await (await TokenSyncClient.find(vm.bus)).status()).tokenId))
        expect(new Set(ids).size).toBe(3)
    })

    test("a token keeps its identity across a power cycle (its flash is in its folder)", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 3, 1, 9), 100)
        const dir = mkdtempSync(join(tmpdir(), "gaen-token-test-"))
        try {
            const first = await TokenVm.start({ clock, dir })
            const id = (await (await TokenSyncClient.find(first.bus)).status()).tokenId
            await first.stop()
            const second = await TokenVm.start({ clock, dir })
            started.push(second)
            expect((await (await TokenSyncClient.find(second.bus)).status()).tokenId).toBe(id)
        } finally {
            await Promise.all(started.splice(0).map(vm => vm.stop()))
            rmSync(dir, { recursive: true, force: true })
        }
    })

    test("a quick click of the owner's button always reaches the firmware", async () => {
        // A 30 ms click is far shorter than the simulated bus's 500 ms refresh: the press must still
        // arrive (once it did not, and a kiosk told the owner the button was never pressed).
        const clock = SimClock.startingAt(Date.UTC(2026, 3, 1, 9), 20)
        const vm = await startToken(clock)
        const sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync)
        for (let click = 1; click <= 5; click++) {
            expect(await sync.requestKeyExport()).toBe(true)
            expect((await sync.exportKeys()).state).toBe("waiting-for-button")
            await vm.pressButton(clock, 30)
            await clock.sleep(1000)
            expect((await sync.exportKeys()).state, `click ${click}`).toBe("ready")
        }
    })

    test("stopping a token ends its process", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 3, 1, 9), 100)
        const vm = await TokenVm.start({ clock })
        const pid = vm.child.pid!
        expect(alive(pid)).toBe(true)
        await vm.stop()
        expect(await waitUntil(() => !alive(pid), 5000)).toBe(true)
    })

    test("a token does not outlive a test process that dies without cleaning up", async () => {
        const fixture = fileURLToPath(new URL("./fixtures/orphan-token.ts", import.meta.url))
        const parent = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] })
        const tokenPid = await new Promise<number>((resolve, reject) => {
            let out = ""
            parent.stdout!.on("data", d => {
                out += d
                const m = /TOKEN_PID (\d+)/.exec(out)
                if (m) resolve(Number(m[1]))
            })
            parent.once("exit", code => reject(new Error(`fixture exited early (${code}): ${out}`)))
        })
        expect(alive(tokenPid)).toBe(true)
        parent.kill("SIGKILL")
        // A backstop, not a deadline: on a loaded machine the orphan may take a while to notice.
        expect(await waitUntil(() => !alive(tokenPid), 60_000), `token process ${tokenPid} still running`).toBe(true)
    }, 120_000)
})
