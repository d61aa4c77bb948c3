// `npm run kiosk -- hand-out` against simulated tokens running the real firmware: a fresh token is
// handed out (two presses: the session in which the clock is set, then the sticker), the sticker page
// (mode 0600) and the owner's sheet (with the centre's contact from the settings) are written; the same
// token again, and a stopped one, are refused with exit 3 and the reason, before any press is asked.
import { afterAll, describe, expect, test } from "vitest"
import { readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { runKiosk, type KioskIo } from "../../kiosk/cli.js"
import { KioskSettings } from "../../kiosk/config.js"
import { Cleanup } from "../helpers/cleanup.js"
import { OWNER_PRESS_SCALE, buttonOf, pressingWhenAsked } from "../helpers/owner.js"

const clock = SimClock.startingAt(Date.UTC(2026, 5, 5, 9, 0), 20)
const cleanup = new Cleanup()
afterAll(() => cleanup.run())

function kiosk(dataDir: string) {
    const out: string[] = []
    const steps: string[] = []
    const io: KioskIo = {
        stdout: { write: s => void out.push(s) },
        stderr: { write: () => undefined },
        env: { GAEN_KIOSK_DATA: dataDir },
        now: () => clock.now(),
    }
    const run = (args: string[], vm: TokenVm) =>
        pressingWhenAsked(clock, buttonOf(vm, clock), onProgress =>
            runKiosk(args, {
                ...io,
                onProgress: p => {
                    if (p.step === "press-button") steps.push(p.purpose)
                    onProgress(p)
                },
            })
        )
    return { run, json: () => JSON.parse(out.splice(0).join("")), steps }
}

describe("kiosk hand-out (CLI)", () => {
    test("a fresh token is handed out; again, or stopped, it is refused with the reason", async () => {
        const data = cleanup.tempDir("gaen-handout-cli-")
        KioskSettings.open(data).saveDesk({ centreName: "Minato Health Centre", centrePhone: "03-1234-5678", centreHours: "Mon–Fri 9–17" })
        const vm = cleanup.add(await TokenVm.start({ clock }), v => v.stop())
        const address = `tcp://127.0.0.1:${vm.hubPort}`
        const sticker = join(data, "sticker.html"),
            sheet = join(data, "sheet.html")
        const k = kiosk(data)
        const args = ["hand-out", "--json", "--lang", "en", "--token", address, "--sticker", sticker, "--sheet", sheet]

        expect(await k.run(args, vm)).toBe(0)
        expect(k.json()).toMatchObject({ ok: true, command: "hand-out", sticker, sheet, clock: { wasUnset: true } })
        expect(k.steps).toEqual(["session", "sticker"])
        const status = await (await TokenSyncClient.find(vm.bus)).status()
        expect(status.state).toBe("active")
        expect(Math.abs(status.clock - clock.now() / 1000)).toBeLessThan(120)
        expect(statSync(sticker).mode & 0o777).toBe(0o600)
        expect(readFileSync(sticker, "utf8")).toMatch(/<svg/)
        const text = readFileSync(sheet, "utf8")
        for (const words of ["Your exposure-notification token", "03-1234-5678", "Minato Health Centre", "keep holding it for 10 seconds"])
            expect(text).toContain(words)

        k.steps.length = 0
        expect(await k.run(args, vm)).toBe(3)
        expect(k.json()).toMatchObject({ ok: false, error: { code: "token-not-fresh" } })
        expect(k.steps, "no press is asked of a refused token").toEqual([])

        // Stopped at a kiosk: refused as stopped.
        const sync = await TokenSyncClient.find(vm.bus)
        await clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        expect(await sync.requestDecommission()).toBe(true)
        await vm.pressButton(clock)
        for (let i = 0; (await sync.decommission()).state !== "done"; i++) {
            expect(i).toBeLessThan(200)
            await clock.sleep(1000)
        }
        expect(await k.run(args, vm)).toBe(3)
        const refused = k.json()
        expect(refused.error.code).toBe("token-not-fresh")
        expect(refused.error.message).toContain("it is stopped")
    }, 240_000)
})
