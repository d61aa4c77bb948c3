// The check's progress screen through each phase of a two-phase log read (kiosk/web/check-progress.ts:
// the digest with records read of the log's total, matching, the candidates' records n of m), in
// Japanese and English: the real web app in Chromium, fed the progress views the desk makes from a
// check's progress events (the desk's own CheckProgress), with screenshots for people to look at.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { join } from "node:path"
import { mkdirSync } from "node:fs"
import { buildWebAssets, type WebAssets } from "../../kiosk/web/bundle.js"
import { CheckProgress } from "../../kiosk/web/check-progress.js"
import type { KioskProgress } from "../../kiosk/progress.js"
import type { DeskView } from "../../kiosk/web/app/api.js"
import { openKioskBrowser, seriousA11yViolations, type KioskBrowser } from "../helpers/browser.js"
import { SCREENS_DIR } from "./helpers.js"

const ORIGIN = "http://kiosk.test"
let assets: WebAssets
let browser: KioskBrowser
let view: DeskView

const status = {
    address: "tcp://127.0.0.1:9000",
    state: "active" as const,
    tokenClockMs: Date.UTC(2026, 11, 7, 6, 0),
    kioskClockMs: Date.UTC(2026, 11, 7, 6, 0),
    driftSeconds: 0,
    clockWasUnset: false,
    keysHeld: 14,
    recordsHeld: 32_131,
    storageUsed: 1_000_000,
    storageCapacity: 1_036_288,
    lastSyncMs: Date.UTC(2026, 11, 7, 6, 0),
}

beforeAll(async () => {
    assets = await buildWebAssets()
    mkdirSync(SCREENS_DIR, { recursive: true })
    browser = await openKioskBrowser("about:blank")
    await browser.context.route(`${ORIGIN}/**`, route => {
        const path = new URL(route.request().url()).pathname
        if (path === "/") return route.fulfill({ contentType: "text/html; charset=utf-8", body: assets.html })
        if (path === "/app.js") return route.fulfill({ contentType: "text/javascript; charset=utf-8", body: assets.js })
        if (path === "/app.css") return route.fulfill({ contentType: "text/css; charset=utf-8", body: assets.css })
        if (path === "/api/view") return route.fulfill({ contentType: "application/json", body: JSON.stringify(view) })
        return route.fulfill({
            status: 404,
            contentType: "application/json",
            body: JSON.stringify({ error: { code: "usage", text: { ja: "", en: "" }, message: path } }),
        })
    })
}, 120_000)
afterAll(async () => {
    await browser?.close()
})

describe("the check's progress screen, phase by phase", () => {
    test("digest (records read of the log), matching, the candidates' records (n of m): each with time left, in Japanese and English", async () => {
        let now = 0
        const bar = new CheckProgress(() => now)
        /** Progress events, each at a time (ms since the check began). */
        const show = (events: [number, KioskProgress][]) => {
            for (const [at, e] of events) {
                now = at
                bar.update(e)
            }
            view = { status, job: { kind: "check", phase: "running", progress: bar.current() }, settings: { apiKeySet: true } }
        }
        const page = browser.page
        show([[0, { step: "download", done: 14, total: 14, downloaded: 0 }]])
        await page.goto(`${ORIGIN}/`)
        await page.getByRole("navigation").getByRole("button", { name: "接触の確認", exact: true }).click()
        const phases: [string, [number, KioskProgress][], RegExp, RegExp][] = [
            [
                "digest",
                [
                    [1_000, { step: "read-log", read: 0, total: 32_131 }],
                    [9_000, { step: "read-log", read: 12_600, total: 32_131 }],
                ],
                /トークンの記録を読んでいます \(12,600 \/ 32,131 件\).*残り約/,
                /Reading the token's record \(12,600 of 32,131\).*About .* left/,
            ],
            [
                "matching",
                [
                    [21_000, { step: "read-log", read: 32_131, total: 32_131 }],
                    [21_000, { step: "match", keysDone: 0, keysTotal: 3_500_000 }],
                    [22_000, { step: "match", keysDone: 1_750_000, keysTotal: 3_500_000 }],
                ],
                /照らし合わせています.*残り約/,
                /Comparing.*About .* left/,
            ],
            [
                "candidates",
                [
                    [23_000, { step: "read-candidates", done: 0, total: 72 }],
                    [24_000, { step: "read-candidates", done: 30, total: 72 }],
                ],
                /一致するかもしれない記録をくわしく読んでいます \(30 \/ 72 件\).*残り約/,
                /Reading in full the records that may match \(30 of 72\).*About .* left/,
            ],
        ]
        for (const [name, events, ja, en] of phases) {
            show(events)
            await expect.poll(() => page.getByRole("status").innerText(), { timeout: 10_000 }).toMatch(ja)
            expect(await seriousA11yViolations(page), `accessibility of ${name}`).toEqual([])
            await page.screenshot({ path: join(SCREENS_DIR, `3-check-progress-${name}-ja.png`), fullPage: true })
            await page.getByRole("button", { name: "Switch to English" }).click()
            await expect.poll(() => page.getByRole("status").innerText(), { timeout: 10_000 }).toMatch(en)
            await page.screenshot({ path: join(SCREENS_DIR, `3-check-progress-${name}-en.png`), fullPage: true })
            await page.getByRole("button", { name: "日本語に切り替える" }).click()
            await page.locator("html[lang=ja]").waitFor()
        }
    }, 120_000)
})
