// The web app reaches a token over Bluetooth: the owner presses the token's button, staff scan its
// sticker (the scanner types `ble:<code>` into the sticker field), the app connects through the
// kiosk radio of a simulated world (sim/world/kiosk-radio.ts: range and loss of the world's channel)
// and runs a check as over USB (the owner presses again for the log read). Real firmware, the real
// server, the real web app in Debian's Chromium. The sticker's code (the token's key) is written
// neither to the kiosk's data folder nor to the browser's profile.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { join } from "node:path"
import { mkdirSync } from "node:fs"
import { parseScenario } from "../../sim/scenarios/scenario.js"
import { World } from "../../sim/world/world.js"
import { useBleCentral } from "../../kiosk/transport/ble.js"
import { startWebApp, type WebApp } from "../../kiosk/web/server.js"
import type { KioskProgress } from "../../kiosk/index.js"
import type { TestServer } from "../server/helpers.js"
import { startServerOn } from "../e2e/helpers.js"
import { Cleanup } from "../helpers/cleanup.js"
import { OWNER_PRESS_SCALE, pressingWhenAsked } from "../helpers/owner.js"
import { waitUntil } from "../helpers/wait.js"
import { openKioskBrowser, seriousA11yViolations, type KioskBrowser } from "../helpers/browser.js"
import { SCREENS_DIR, filesContaining, needles } from "./helpers.js"

const cleanup = new Cleanup()
let world: World
let server: TestServer
let kiosk: WebApp
let kioskData: string
let browser: KioskBrowser
let code: string
/** The simulated owner listens to the kiosk's progress to press when asked. */
let owner: ((p: KioskProgress) => void) | undefined

beforeAll(async () => {
    mkdirSync(SCREENS_DIR, { recursive: true })
    const scenario = parseScenario(
        JSON.stringify({
            name: "a sealed token at the counter",
            start: "2026-04-01T01:00:00Z",
            duration: "2h",
            kiosk: { x: 0, y: 0 },
            tokens: [{ id: "hana", path: [{ at: 0, x: 1, y: 0 }] }],
        }),
        "test: web app over Bluetooth"
    )
    world = cleanup.add(await World.start({ scenario, outDir: cleanup.tempDir("gaen-web-ble-world-") }), w => w.stop())
    await world.handOutStickers(["hana"])
    code = world.token("hana").stickerCode!
    expect(code).toMatch(/^[0-9A-Z-]+$/)
    useBleCentral(world.kioskRadio.central())
    cleanup.add(null, () => useBleCentral(undefined))
    server = await startServerOn(() => world.clock.now(), cleanup)
    kioskData = cleanup.tempDir("gaen-web-ble-")
    kiosk = cleanup.add(await startWebApp({ dataDir: kioskData, now: () => world.clock.now(), observe: p => owner?.(p) }), k => k.close())
    kiosk.desk.saveSettings({ server: server.app.url, publicKey: server.app.signingKey.info.publicKey, apiKey: server.apiKey })
    browser = cleanup.add(await openKioskBrowser(kiosk.url), b => b.close())
}, 180_000)
afterAll(() => cleanup.run())

describe("the web app with a token over Bluetooth", { timeout: 240_000 }, () => {
    test("the owner presses, staff scan the sticker, the app connects and runs a check", async () => {
        const page = browser.page
        const hana = world.token("hana")
        await page.getByRole("heading", { name: "ケーブルなしで（Bluetooth）" }).waitFor()
        expect(await seriousA11yViolations(page)).toEqual([])
        await page.screenshot({ path: join(SCREENS_DIR, "1-connect-bluetooth-ja.png"), fullPage: true })

        await world.clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        await world.pressButton("hana")
        expect(await waitUntil(() => hana.vm!.syncAdvertisement !== null, 20_000)).toBe(true)
        await page.getByLabel("シールのコード").fill(`ble:${code}`)
        await page.getByRole("button", { name: "Bluetooth でつなぐ" }).click()
        await page.getByText("トークンとつながりました。").waitFor({ timeout: 60_000 })
        expect(kiosk.desk.view().status?.state).toBeDefined()

        await page.getByRole("navigation").getByRole("button", { name: "接触の確認" }).click()
        await pressingWhenAsked(
            world.clock,
            () => hana.vm!.pressButton(world.clock),
            async onProgress => {
                owner = onProgress
                try {
                    await page.getByRole("button", { name: "確認を始める" }).click()
                    await page.getByText("陽性者との接触は確認されませんでした").first().waitFor({ timeout: 120_000 })
                } finally {
                    owner = undefined
                }
            }
        )
        await page.getByRole("navigation").getByRole("button", { name: "状態" }).click()
        await page.getByRole("button", { name: "終わる（トークンを外す）" }).click()
        await page.getByRole("heading", { name: "トークンをつなぐ" }).waitFor()

        await browser.close() // the profile is written out
        const secrets = needles({ "the sticker code": [code, code.replace(/-/g, "")] })
        expect(filesContaining(browser.profileDir, secrets)).toEqual([])
        expect(filesContaining(kioskData, secrets)).toEqual([])
    })
})
