// The token is unplugged in the middle of a check's log read, in the web app: the screen says so and
// asks for it again, the kiosk waits, and once it is back the read goes on from the cursor of the
// last page (not from the start) and the check finishes. Real firmware (simulated token), the real
// server and the real web app in Debian's Chromium; the "cable" is a TCP link the test pulls.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { join } from "node:path"
import { mkdirSync } from "node:fs"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { startWebApp, type WebApp } from "../../kiosk/web/server.js"
import type { KioskProgress } from "../../kiosk/index.js"
import type { TestServer } from "../server/helpers.js"
import { startCuttableLink, startServerOn, tokenAddress, type CuttableLink } from "../e2e/helpers.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { Cleanup } from "../helpers/cleanup.js"
import { pressingWhenAsked } from "../helpers/owner.js"
import { openKioskBrowser, seriousA11yViolations, type KioskBrowser } from "../helpers/browser.js"
import { SCREENS_DIR } from "./helpers.js"
import { TokenSyncLayout as Layout } from "../../lib/jacdac/service-specs.js"
import { DigestLayout } from "../../lib/token-sync/log-digest.js"

const clock = SimClock.startingAt(Date.UTC(2026, 5, 3, 9, 0), 200)
const cleanup = new Cleanup()
let server: TestServer
let vm: TokenVm
let link: CuttableLink
let kiosk: WebApp
let browser: KioskBrowser
const events: KioskProgress[] = []
/** The simulated owner listens to the kiosk's progress to press when asked. */
let owner: ((p: KioskProgress) => void) | undefined

beforeAll(async () => {
    mkdirSync(SCREENS_DIR, { recursive: true })
    server = await startServerOn(() => clock.now(), cleanup)
    // 40 people around for an hour: a log of about 250 records, 36 pages of 7.
    let present = Array.from({ length: 40 }, (_, i) => new Neighbour(-45 - i))
    vm = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present) }), v => v.stop())
    link = cleanup.add(await startCuttableLink(vm.hubPort), l => l.close())
    kiosk = cleanup.add(
        await startWebApp({
            dataDir: cleanup.tempDir("gaen-web-unplug-"),
            now: () => clock.now(),
            reconnectMs: 200,
            observe: p => {
                events.push(p)
                owner?.(p)
                // Pulled out after the first few pages.
                if (p.step === "read-log" && p.read >= 21 && !events.some(e => e.step === "token-unplugged")) link.unplug()
            },
        }),
        k => k.close()
    )
    kiosk.desk.saveSettings({ server: server.app.url, publicKey: server.app.signingKey.info.publicKey, apiKey: server.apiKey })
    await kiosk.desk.connect(tokenAddress(vm.hubPort)) // handed out: its clock is set
    await kiosk.desk.disconnect()
    await clock.sleep(60 * 60_000)
    present = []
    await clock.sleep(10 * 60_000)
    browser = cleanup.add(await openKioskBrowser(kiosk.url), b => b.close())
}, 180_000)
afterAll(() => cleanup.run())

describe("a token unplugged during the check's log read", { timeout: 240_000 }, () => {
    test("the app says so, waits for the token, and resumes from where it stopped", async () => {
        const page = browser.page
        await page.getByLabel("アドレス（試験用の模擬トークン）").fill(tokenAddress(link.port))
        await page.getByRole("button", { name: "つなぐ", exact: true }).last().click()
        await page.getByText("トークンとつながりました。").waitFor()
        const recordsHeld = kiosk.desk.view().status!.recordsHeld
        expect(recordsHeld).toBeGreaterThan(100)

        await page.getByRole("navigation").getByRole("button", { name: "接触の確認" }).click()
        // The owner presses when the kiosk asks (the session for the log read); the unplug ends that
        // session with the connection (services/token-sync.md, "Sessions and hosts"), so after the
        // re-plug the kiosk asks once more and the owner presses again.
        let pressAgain: Promise<void> | undefined
        await pressingWhenAsked(
            clock,
            () => vm.pressButton(clock),
            async onProgress => {
                owner = p => {
                    onProgress(p)
                    if (p.step === "press-button" && !pressAgain && events.some(e => e.step === "token-back")) pressAgain = vm.pressButton(clock)
                }
                try {
                    await page.getByRole("button", { name: "確認を始める" }).click()
                    const notice = page.getByRole("alert").getByText("トークンが外れました。もう一度差し込んでください。続きから読み込みます。")
                    await notice.waitFor({ timeout: 60_000 })
                    expect(await page.getByRole("progressbar").getAttribute("value")).not.toBe("0")
                    expect(await seriousA11yViolations(page)).toEqual([])
                    await page.screenshot({ path: join(SCREENS_DIR, "3-check-unplugged-ja.png"), fullPage: true })

                    link.plugIn() // plugged back in
                    await page.getByText("陽性者との接触は確認されませんでした").first().waitFor({ timeout: 120_000 })
                    expect(await notice.count()).toBe(0)
                } finally {
                    owner = undefined
                }
                await pressAgain
            }
        )

        const cut = events.find(e => e.step === "token-unplugged") as Extract<KioskProgress, { step: "token-unplugged" }>
        const back = events.findIndex(e => e.step === "token-back")
        expect(back).toBeGreaterThan(0)
        expect(events.slice(back).filter(e => e.step === "press-button").length > 0, "a second press asked after the re-plug").toBe(true)
        const reads = events.slice(back).filter((e): e is Extract<KioskProgress, { step: "read-log" }> => e.step === "read-log")
        // Resumed, not restarted: the first burst of the log's digest after the re-plug (up to a burst
        // of full digest pages) continues from the records already read.
        expect(reads[0].read - cut.read).toBeGreaterThan(0)
        expect(reads[0].read - cut.read).toBeLessThanOrEqual(Layout.MaxBurstPages * DigestLayout.MaxEntriesPerPage)
        expect(reads.at(-1)!.read).toBe(recordsHeld)
    })
})
