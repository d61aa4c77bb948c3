// The kiosk web app, driven like staff at a counter drive it: Debian's Chromium (playwright-core)
// against the real web app (kiosk/web), the real notification server and the café world of
// `npm start` (sim/scenarios/demo-cafe.json: real firmware, one process per token). Nothing is
// replaced. The story:
//   staff set the kiosk up (server, pinned export key, API key, the centre's phone and hours);
//   Aiko tested positive: connect, status, registration with her processing number (typed in
//   full-width digits), consent, the button pressed in the world, accepted;
//   the server publishes her key; Ben (40 minutes at her table) checks: a probable contact on
//   2026-04-01, printed as a slip (PDF, text checked); Daisuke (walked past) checks: no contact;
//   Daisuke ends use of his token with the survey: the proof of erasure.
// Every screen is checked with axe-core and saved under tmp/kiosk-screens/ in Japanese and English.
// At the end, neither the kiosk's data folder nor the browser's profile holds anything about them.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { loadScenario } from "../../sim/scenarios/scenario.js"
import { World } from "../../sim/world/world.js"
import type { TestServer } from "../server/helpers.js"
import { readExportZip } from "../../lib/keyfile/index.js"
import { rpisForKey } from "../../lib/gaen/identifiers.js"
import { startWebApp, type WebApp } from "../../kiosk/web/server.js"
import { connectToToken, type KioskProgress } from "../../kiosk/index.js"
import { startServerOn, tokenAddress } from "../e2e/helpers.js"
import { Cleanup } from "../helpers/cleanup.js"
import { pressingWhenAsked, withOwnerSession } from "../helpers/owner.js"
import { openKioskBrowser, seriousA11yViolations, type KioskBrowser } from "../helpers/browser.js"
import { SCREENS_DIR, filesContaining, needles } from "./helpers.js"

const scenario = loadScenario(fileURLToPath(new URL("../../sim/scenarios/demo-cafe.json", import.meta.url)))
const INTERVAL_MS = 600_000
const CENTRE = { name: "みなと保健所", phone: "03-1234-5678", hours: "平日 9:00〜17:00" }

// Each step waits for what the person would see; under a loaded machine a step can take minutes.
describe("the kiosk web app at the counter: register, two checks, end of use", { timeout: 240_000 }, () => {
    const cleanup = new Cleanup()
    let world: World
    let server: TestServer
    let kiosk: WebApp
    let browser: KioskBrowser
    let kioskData: string
    let processingNumber: string
    /** The simulated owner listens to the kiosk's progress to press when asked. */
    let owner: ((p: KioskProgress) => void) | undefined
    const page = () => browser.page

    /** axe on the screen as it is, then a screenshot in Japanese and one in English. */
    async function screen(name: string) {
        expect(await seriousA11yViolations(page()), `accessibility of ${name}`).toEqual([])
        await page().screenshot({ path: join(SCREENS_DIR, `${name}-ja.png`), fullPage: true })
        await page().getByRole("button", { name: "Switch to English" }).click()
        await page().locator("html[lang=en]").waitFor()
        expect(await seriousA11yViolations(page()), `accessibility of ${name} (English)`).toEqual([])
        await page().screenshot({ path: join(SCREENS_DIR, `${name}-en.png`), fullPage: true })
        await page().getByRole("button", { name: "日本語に切り替える" }).click()
        await page().locator("html[lang=ja]").waitFor()
    }

    const nav = (name: string) => page().getByRole("navigation").getByRole("button", { name, exact: true }).click()

    async function connect(token: string) {
        await nav("つなぐ")
        await page()
            .getByLabel("アドレス（試験用の模擬トークン）")
            .fill(tokenAddress(world.token(token).hubPort))
        await page().getByRole("button", { name: "つなぐ", exact: true }).last().click()
        await page().getByRole("heading", { name: "トークンの状態" }).waitFor()
        await page().getByText("トークンとつながりました。").waitFor()
    }

    async function finish() {
        await nav("状態")
        await page().getByRole("button", { name: "終わる（トークンを外す）" }).click()
        await page().getByRole("heading", { name: "トークンをつなぐ" }).waitFor()
    }

    /**
     * The person's part of a step that needs the button: run it at the owner's pace; when the kiosk
     * asks, the owner presses once the screen shows the request (screenshot `shot` taken first), so
     * the test sees the press screen whatever the machine's load.
     */
    function withOwnerOf(token: string, shot: string | undefined, run: () => Promise<void>): Promise<void> {
        const press = async () => {
            await page().getByRole("heading", { name: "トークンのボタンを1回押してください" }).waitFor({ timeout: 120_000 })
            if (shot) await page().screenshot({ path: join(SCREENS_DIR, `${shot}-ja.png`) })
            await world.pressButton(token)
        }
        return pressingWhenAsked(world.clock, press, async onProgress => {
            owner = onProgress
            try {
                await run()
            } finally {
                owner = undefined
            }
        })
    }

    beforeAll(async () => {
        mkdirSync(SCREENS_DIR, { recursive: true })
        world = cleanup.add(await World.start({ scenario, outDir: cleanup.tempDir("gaen-web-world-") }), w => w.stop())
        server = await startServerOn(() => world.clock.now(), cleanup)
        kioskData = cleanup.tempDir("gaen-web-kiosk-")
        kiosk = cleanup.add(
            await startWebApp({
                dataDir: kioskData,
                now: () => world.clock.now(),
                retry: { baseDelayMs: 200, maxDelayMs: 1000 },
                observe: p => owner?.(p),
            }),
            k => k.close()
        )
        ;[processingNumber] = await server.numbers()
        await world.run() // the 45 minutes at the café
        browser = cleanup.add(await openKioskBrowser(kiosk.url), b => b.close())
    }, 600_000) // the café world's 45 minutes: 1-4 real minutes depending on the machine's load
    afterAll(() => cleanup.run())

    test("the launch URL's secret becomes a cookie and leaves the address bar; Japanese first", async () => {
        await page().getByRole("heading", { name: "トークンをつなぐ" }).waitFor()
        expect(page().url()).toBe(`http://127.0.0.1:${kiosk.port}/`)
        expect(await page().locator("html").getAttribute("lang")).toBe("ja")
        await screen("1-connect")
    })

    test("staff set the kiosk up: server, its export key (fingerprint shown), API key, the centre", async () => {
        await nav("設定（職員用）")
        await page().getByLabel("お知らせサーバーのURL").fill(server.app.url)
        await page().getByLabel("サーバーの公開鍵（PEM または base64）").fill(server.app.signingKey.info.publicKey)
        await page().getByLabel("この端末のAPIキー").fill(server.apiKey)
        await page().getByLabel("施設名").fill(CENTRE.name)
        await page().getByLabel("電話番号").fill(CENTRE.phone)
        await page().getByLabel("受付時間").fill(CENTRE.hours)
        await page().getByRole("button", { name: "保存する" }).click()
        await page().getByText("保存しました。").waitFor()
        await page()
            .getByText(/登録済みの公開鍵の指紋: [0-9a-f]{4} /)
            .waitFor()
        expect(statSync(join(kioskData, "config.json")).mode & 0o777).toBe(0o600)
        await screen("6-settings")
    })

    test("Aiko's token: connected, both clocks and the difference, what it holds", async () => {
        await connect("aiko")
        await page().getByText("正常に動いています（発信と記録をしています）").waitFor()
        await page().getByText("この端末の時計").waitFor()
        await page()
            .getByText(/^\d+日分$/)
            .waitFor()
        await screen("2-status")
    })

    test("Aiko registers: full-width number, test date, what is sent, the button, accepted", async () => {
        await nav("陽性情報の登録")
        const fullWidth = processingNumber.replace(/\d/g, d => String.fromCharCode(d.charCodeAt(0) + 0xfee0))
        await page().getByLabel("処理番号（8けたの数字）").fill("1234")
        await page().getByRole("button", { name: "次へ" }).click()
        await page().getByRole("alert").getByText("処理番号は8けたの数字です。").waitFor()
        await page().getByLabel("処理番号（8けたの数字）").fill(fullWidth)
        await page().getByLabel("症状はない").check()
        await page().getByLabel("検査を受けた日").fill("2026-04-01")
        await screen("4-register")
        await page().getByRole("button", { name: "次へ" }).click()
        await page().getByRole("heading", { name: "送る内容の確認" }).waitFor()
        await screen("4-register-consent")
        await withOwnerOf("aiko", "4-register-press", async () => {
            await page().getByRole("button", { name: "同意して登録する" }).click()
            await page().getByText("陽性情報の登録が終わりました").waitFor({ timeout: 60_000 })
        })
        await page()
            .getByText(/^1日分を送りました。/)
            .waitFor()
        await screen("4-register-done")
        await page().getByRole("button", { name: "終わる", exact: true }).click()
        await finish()
    })

    test("the server publishes Aiko's key once its last interval has ended", async () => {
        world.governor.fast()
        await world.clock.until((Math.floor(world.clock.now() / INTERVAL_MS) + 1) * INTERVAL_MS + 1000)
        world.governor.calm()
        const run = await server.app.publishNow()
        expect(run.keys).toBe(1)
    })

    test("Ben's check: one progress bar, then a probable contact on the day, printed as a slip", async () => {
        await connect("ben")
        await nav("接触の確認")
        await screen("3-check")
        await withOwnerOf("ben", "3-check-press", async () => {
            await page().getByRole("button", { name: "確認を始める" }).click()
            await page().getByText("陽性者との接触の可能性があります").first().waitFor({ timeout: 120_000 })
        })
        await page().getByText("接触の日: 2026年4月1日(水)").waitFor()
        await page().getByText(CENTRE.phone).waitFor()
        await screen("3-check-contact")

        for (const [paper, label, widthMm] of [
            ["a6", "A6", 105],
            ["r58", "レシート 58mm", 58],
        ] as const) {
            await page().getByLabel("用紙").selectOption({ label })
            const pdf = join(SCREENS_DIR, `slip-${paper}.pdf`)
            await page().pdf({ path: pdf, preferCSSPageSize: true, printBackground: true })
            const text = execFileSync("pdftotext", ["-layout", pdf, "-"], { encoding: "utf8" }).replace(/\s+/g, "")
            for (const line of [
                "接触確認の結果",
                "陽性者との接触の可能性があります",
                "2026年4月1日(水)",
                "検査は無料で受けられます。",
                CENTRE.phone,
                CENTRE.name,
            ])
                expect(text, `${paper} slip`).toContain(line.replace(/\s+/g, ""))
            for (const nothing of ["つなぐ", "tcp://", "127.0.0.1", processingNumber]) expect(text, `${paper} slip`).not.toContain(nothing)
            const size = /Page size:\s+([\d.]+) x/.exec(execFileSync("pdfinfo", [pdf], { encoding: "utf8" }))!
            expect(Math.round((Number(size[1]) / 72) * 25.4)).toBe(widthMm)
        }
        await page().getByRole("button", { name: "終わる", exact: true }).click()
        await finish()
    })

    test("Daisuke's check (he walked past): no contact", async () => {
        await connect("daisuke")
        await nav("接触の確認")
        await withOwnerOf("daisuke", undefined, async () => {
            await page().getByRole("button", { name: "確認を始める" }).click()
            await page().getByText("陽性者との接触は確認されませんでした").first().waitFor({ timeout: 120_000 })
        })
        await screen("3-check-no-contact")
        await page().getByRole("button", { name: "終わる", exact: true }).click()
    })

    test("Daisuke ends use: the survey with its consents, the button, the proof of erasure", async () => {
        await nav("使用終了")
        await page().getByLabel("年代").selectOption({ label: "70歳以上" })
        await page().getByLabel("通勤・通学").selectOption({ label: "していない" })
        await page().getByLabel("接触の確認の結果（日ごとに、接触があったかどうかだけ）を送ることに同意します").check()
        await screen("5-decommission")
        await withOwnerOf("daisuke", "5-decommission-press", async () => {
            await page().getByRole("button", { name: "使用を終える" }).click()
            await page().getByText("トークンの使用を終えました").waitFor({ timeout: 120_000 })
        })
        await page().getByText("アンケートを送りました。ご協力ありがとうございました。").waitFor()
        await page()
            .getByText(/消え残りはありません。/)
            .waitFor()
        await screen("5-decommission-done")
        await page().getByRole("button", { name: "終わる", exact: true }).click()
        await page().getByRole("heading", { name: "トークンをつなぐ" }).waitFor()
    })

    test("nothing about the people reached the disk, the browser's storage or the address bar", async () => {
        expect(await page().evaluate(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, ""])
        expect(page().url()).toBe(`http://127.0.0.1:${kiosk.port}/`)
        const cookies = await browser.context.cookies()
        expect(cookies.map(c => [c.name, c.sameSite, c.httpOnly])).toEqual([["gaen_kiosk", "Strict", true]])
        // Ben's log (read again straight from his token): his encounters' identifiers.
        const direct = await connectToToken(tokenAddress(world.token("ben").hubPort))
        const ben = world.token("ben")
        const benLog = await withOwnerSession(world.clock, ben.vm!, direct.client, () => direct.client.readLog()).finally(() => direct.close())
        expect(benLog.length).toBeGreaterThan(0)
        // Aiko's key as published (public: the kiosk's file cache may hold it, nothing else may): among
        // the file's padding keys, the one whose identifiers Ben's token heard.
        const downloads = join(kioskData, "downloads")
        const zips = readdirSync(downloads, { recursive: true })
            .map(String)
            .filter(f => f.endsWith(".zip"))
        const keys = zips.flatMap(f => readExportZip(readFileSync(join(downloads, f)), { publicKey: server.app.signingKey.info.publicKey }).export.keys)
        const heard = new Set(benLog.map(r => Buffer.from(r.rpi).toString("hex")))
        const aikos = keys.filter(k =>
            rpisForKey(k.keyData!, k.rollingStartIntervalNumber!, k.rollingPeriod ?? 144).some(x => heard.has(Buffer.from(x.rpi).toString("hex")))
        )
        expect(aikos.length).toBe(1)
        const keyData = Buffer.from(aikos[0].keyData!)
        await browser.close() // the profile is written out
        const secrets = needles({
            "processing number": [processingNumber, processingNumber.replace(/\d/g, d => String.fromCharCode(d.charCodeAt(0) + 0xfee0))],
            "Aiko's key": [keyData.toString("hex"), keyData.toString("base64"), keyData],
            "Ben's records": benLog.slice(0, 5).flatMap(r => [Buffer.from(r.rpi).toString("hex"), Buffer.from(r.rpi)]),
            "the contact date": ["2026年4月1日", "4月1日(水)"],
        })
        expect(filesContaining(browser.profileDir, secrets)).toEqual([])
        expect(filesContaining(kioskData, secrets).filter(f => !(f.file.startsWith("downloads/") && f.what === "Aiko's key"))).toEqual([])
    })
})
