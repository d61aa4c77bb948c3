// A token whose flash will not erase, ended in the web app: the staff see erase-incomplete with what
// to do (keep the token, never hand it out again, destroy or reflash it), not an endless wait. Real
// firmware (simulated token with 3 worn-out flash bytes), the real web app in Debian's Chromium.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { join } from "node:path"
import { mkdirSync } from "node:fs"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { startWebApp, type WebApp } from "../../kiosk/web/server.js"
import type { KioskProgress } from "../../kiosk/index.js"
import { tokenAddress } from "../e2e/helpers.js"
import { Cleanup } from "../helpers/cleanup.js"
import { pressingWhenAsked } from "../helpers/owner.js"
import { openKioskBrowser, seriousA11yViolations, type KioskBrowser } from "../helpers/browser.js"
import { SCREENS_DIR } from "./helpers.js"

const clock = SimClock.startingAt(Date.UTC(2026, 5, 3, 9, 0), 20)
const cleanup = new Cleanup()
/** A small flash keeps the token's three wipe attempts quick. */
const SECTORS = 8
let vm: TokenVm
let kiosk: WebApp
let browser: KioskBrowser
/** The simulated owner listens to the kiosk's progress to press when asked. */
let owner: ((p: KioskProgress) => void) | undefined

beforeAll(async () => {
    mkdirSync(SCREENS_DIR, { recursive: true })
    vm = cleanup.add(await TokenVm.start({ clock, flash: { sectorSize: 4096, sectorCount: SECTORS } }), v => v.stop())
    // The last 3 bytes are worn-out cells; the read-back counts their whole 32-byte row (docs/storage.md).
    vm.stickFlashBytes(SECTORS * 4096 - 3, 3)
    kiosk = cleanup.add(await startWebApp({ dataDir: cleanup.tempDir("gaen-web-erase-"), now: () => clock.now(), observe: p => owner?.(p) }), k => k.close())
    browser = cleanup.add(await openKioskBrowser(kiosk.url), b => b.close())
}, 180_000)
afterAll(() => cleanup.run())

describe("ending use of a token whose flash will not erase", { timeout: 240_000 }, () => {
    test("the app says the records could not be erased and tells the staff to keep the token", async () => {
        const page = browser.page
        await page.getByLabel("アドレス（試験用の模擬トークン）").fill(tokenAddress(vm.hubPort))
        await page.getByRole("button", { name: "つなぐ", exact: true }).last().click()
        await page.getByText("トークンとつながりました。").waitFor()
        await page.getByRole("navigation").getByRole("button", { name: "使用終了" }).click()
        await pressingWhenAsked(
            clock,
            () => vm.pressButton(clock),
            async onProgress => {
                owner = onProgress
                try {
                    await page.getByRole("button", { name: "使用を終える" }).click()
                    await page
                        .getByRole("alert")
                        .getByText(/記録を消しきれませんでした（32 バイトが残っています）/)
                        .waitFor({ timeout: 120_000 })
                } finally {
                    owner = undefined
                }
            }
        )
        const alert = page.getByRole("alert")
        expect(await alert.innerText()).toMatch(/ほかの方に渡さないでください。保健所の手順に従って、物理的に破壊するか、書き込み直してください。/)
        expect(await alert.locator("code").textContent()).toBe("erase-incomplete") // in the staff details
        expect(await page.getByText("トークンの使用を終えました").count()).toBe(0) // never shown as done
        expect(await seriousA11yViolations(page)).toEqual([])
        await page.screenshot({ path: join(SCREENS_DIR, "5-decommission-erase-incomplete-ja.png"), fullPage: true })
    })
})
