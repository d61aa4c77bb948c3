// Handing out a new token in the web app, in Debian's Chromium against a simulated token running the
// real firmware: the owner presses (the clock is set inside the owner's session), presses again (the
// sticker), and the staff print the sticker and the owner's sheet (checked as a one-page A4 PDF, its
// text in Japanese and in English). The same token offered again is refused as handed out, and a
// used token (keys and records) as used. Screenshots in tmp/kiosk-screens/ (ja and en), for people.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { startWebApp, type WebApp } from "../../kiosk/web/server.js"
import type { KioskProgress } from "../../kiosk/index.js"
import { CHARGE_EVERY_DAYS } from "../../kiosk/handout/owner-sheet.js"
import { tokenAddress } from "../e2e/helpers.js"
import { Cleanup } from "../helpers/cleanup.js"
import { pressingWhenAsked } from "../helpers/owner.js"
import { openKioskBrowser, seriousA11yViolations, type KioskBrowser } from "../helpers/browser.js"
import { SCREENS_DIR } from "./helpers.js"

const clock = SimClock.startingAt(Date.UTC(2026, 5, 4, 9, 0), 20)
const cleanup = new Cleanup()
const CENTRE = { centreName: "みなと保健所", centrePhone: "03-1234-5678", centreHours: "平日 9:00–17:00" }
let fresh: TokenVm
let used: TokenVm
let kiosk: WebApp
let browser: KioskBrowser
/** The simulated owner listens to the kiosk's progress to press when asked. */
let owner: ((p: KioskProgress) => void) | undefined

beforeAll(async () => {
    mkdirSync(SCREENS_DIR, { recursive: true })
    fresh = cleanup.add(await TokenVm.start({ clock }), v => v.stop())
    // A used token back in the box: it ran (its day's key), then its battery was changed, and without
    // a real-time clock its clock is unset again; keys and records stay in its flash.
    const usedDir = cleanup.tempDir("gaen-handout-used-")
    const running = await TokenVm.start({ clock, dir: usedDir })
    await setTokenClock(clock, await TokenSyncClient.find(running.bus))
    await clock.sleep(20 * 60_000)
    await running.stop()
    used = cleanup.add(await TokenVm.start({ clock, dir: usedDir }), v => v.stop())
    expect(await (await TokenSyncClient.find(used.bus)).status()).toMatchObject({ state: "time-not-set", keysHeld: 1 })
    kiosk = cleanup.add(await startWebApp({ dataDir: cleanup.tempDir("gaen-web-handout-"), now: () => clock.now(), observe: p => owner?.(p) }), k => k.close())
    kiosk.desk.saveSettings(CENTRE)
    browser = cleanup.add(await openKioskBrowser(kiosk.url), b => b.close())
}, 180_000)
afterAll(() => cleanup.run())

/** The text of a PDF, and its page count (poppler-utils). */
function pdfText(file: string): { text: string; pages: number } {
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [file], { encoding: "utf8" }))![1])
    return { text: execFileSync("pdftotext", [file, "-"], { encoding: "utf8" }), pages }
}

describe("handing out a token in the web app", { timeout: 300_000 }, () => {
    test("a fresh token: the owner's presses, its clock set, the sticker and the owner's sheet", async () => {
        const page = browser.page
        const sync = await TokenSyncClient.find(fresh.bus)
        expect((await sync.status()).state).toBe("time-not-set")
        await page.getByRole("navigation").getByRole("button", { name: "お渡し" }).click()
        expect(await page.getByText("お名前などは何も伺いません").count()).toBe(1)
        await page.getByLabel("アドレス（試験用の模擬トークン）").fill(tokenAddress(fresh.hubPort))
        const presses: string[] = []
        await pressingWhenAsked(
            clock,
            () => fresh.pressButton(clock),
            async onProgress => {
                owner = p => {
                    if (p.step === "press-button" && !presses.includes(p.purpose)) presses.push(p.purpose)
                    onProgress(p)
                }
                try {
                    await page.getByRole("button", { name: "お渡しを始める" }).click()
                    await page.getByText("ボタンを1回押してください").first().waitFor({ timeout: 60_000 })
                    await page.screenshot({ path: join(SCREENS_DIR, "6-hand-out-press-ja.png"), fullPage: true })
                    await page.getByText("トークンの準備ができました").waitFor({ timeout: 120_000 })
                } finally {
                    owner = undefined
                }
            }
        )
        expect(presses).toEqual(["session", "sticker"])
        // The token is running on the kiosk's clock, set inside the session the owner's press opened.
        const after = await sync.status()
        expect(after.state).toBe("active")
        expect(Math.abs(after.clock - clock.now() / 1000)).toBeLessThan(120)
        expect(await seriousA11yViolations(page)).toEqual([])
        await page.screenshot({ path: join(SCREENS_DIR, "6-hand-out-done-ja.png"), fullPage: true })

        // The sticker: its QR code and code, the token's Bluetooth key.
        const stickerTab = await browser.context.newPage()
        await stickerTab.goto(new URL("/handout/sticker", kiosk.url).href)
        expect(await stickerTab.locator(".sticker svg").count()).toBe(1)
        expect((await stickerTab.locator(".code").textContent())!.length).toBeGreaterThan(20)
        await stickerTab.close()

        // The owner's sheet in both languages, as the PDF the staff print: one A4 page.
        const sheets: Record<string, string> = {}
        const sheetTab = await browser.context.newPage()
        await sheetTab.goto(new URL("/handout/sheet?lang=ja", kiosk.url).href)
        for (const lang of ["ja", "en"] as const) {
            const pdf = join(SCREENS_DIR, `6-owner-sheet-${lang}.pdf`)
            writeFileSync(pdf, await sheetTab.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true }))
            const { text, pages } = pdfText(pdf)
            expect(pages, `the ${lang} sheet is one page`).toBe(1)
            sheets[lang] = text.replace(/\s+/g, " ")
            execFileSync("pdftoppm", ["-png", "-r", "80", "-singlefile", pdf, join(SCREENS_DIR, `6-owner-sheet-${lang}`)])
            if (lang === "ja") await sheetTab.getByRole("link", { name: "English" }).click() // the other language, one click away
        }
        await sheetTab.close()
        const ja = sheets.ja.replace(/ /g, "")
        for (const words of [
            "接触確認トークンをお使いの方へ",
            "お名前・住所・電話番号・いた場所は、記録も送信もしません",
            "インターネットにはつながりません",
            "14日間だけ",
            "赤く点灯したまま",
            "青が速く点滅",
            `${CHARGE_EVERY_DAYS}日ごとに充電してください`,
            "10秒待ちます",
            "10秒以内に、もう1回だけ短く押します",
            "みなと保健所",
            "03-1234-5678",
            "平日9:00–17:00",
        ])
            expect(ja, `the Japanese sheet says "${words}"`).toContain(words)
        for (const words of [
            "Your exposure-notification token",
            "It never records or sends your name, address, phone number or where you were",
            "It does not connect to the internet",
            "for 14 days only",
            "Steady red",
            `Charge it every ${CHARGE_EVERY_DAYS} days.`,
            "keep holding it for 10 seconds",
            "Within 10 seconds, press it once more, briefly",
            "03-1234-5678",
        ])
            expect(sheets.en, `the English sheet says "${words}"`).toContain(words)

        await page.getByRole("button", { name: "English" }).click()
        await page.getByText("The token is ready").waitFor()
        await page.screenshot({ path: join(SCREENS_DIR, "6-hand-out-done-en.png"), fullPage: true })
        await page.getByRole("button", { name: "Done" }).click()
        await page.getByRole("heading", { name: "Connect the token" }).waitFor() // the desk has let the token go
        await page.getByRole("button", { name: "日本語" }).click()
    })

    test("the same token a second time, and a used token, are refused with what they are", async () => {
        const page = browser.page
        await page.getByRole("navigation").getByRole("button", { name: "お渡し" }).click()
        for (const [vm, says, shot] of [
            [
                fresh,
                "このトークンはすでにお渡し済みで、使われています（時計が合わせてあります）。新しいトークンをつないでください。",
                "6-hand-out-again-ja.png",
            ],
            [used, "このトークンには鍵か記録が入っています（使われたトークンです）。新しいトークンではないので、お渡しできません。", "6-hand-out-used-ja.png"],
        ] as const) {
            const before = await (await TokenSyncClient.find(vm.bus)).status()
            await page.getByLabel("アドレス（試験用の模擬トークン）").fill(tokenAddress(vm.hubPort))
            await page.getByRole("button", { name: "お渡しを始める" }).click()
            await page.getByRole("alert").getByText(says).waitFor({ timeout: 60_000 })
            expect(await page.getByRole("alert").locator("code").textContent()).toBe("token-not-fresh")
            expect(await page.getByText("ボタンを1回押してください").count(), "no press is asked of a refused token").toBe(0)
            await page.screenshot({ path: join(SCREENS_DIR, shot), fullPage: true })
            const now = await (await TokenSyncClient.find(vm.bus)).status()
            expect(now, "a refused token is left as it was").toMatchObject({ state: before.state, keysHeld: before.keysHeld })
        }
        await page.getByRole("button", { name: "English" }).click()
        await page.getByRole("alert").getByText("This token holds keys or records: it has been used. Only a new token can be handed out.").waitFor()
        await page.screenshot({ path: join(SCREENS_DIR, "6-hand-out-used-en.png"), fullPage: true })
    })
})
