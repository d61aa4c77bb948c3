// Debian's Chromium driven by playwright-core, for the kiosk web app's tests: headless, no network
// chatter, and a new empty profile folder per browser so a test can look inside it afterwards
// (what the browser kept about the person). A missing /usr/bin/chromium is a failure, never a skip.
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium, type BrowserContext, type Page } from "playwright-core"
import { AxeBuilder } from "@axe-core/playwright"

export const CHROMIUM = "/usr/bin/chromium"

export interface KioskBrowser {
    context: BrowserContext
    page: Page
    /** The browser's profile folder (empty when it started). */
    profileDir: string
    close(): Promise<void>
}

export async function openKioskBrowser(url: string, o: { locale?: string } = {}): Promise<KioskBrowser> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run "bash scripts/install-system-deps.sh" (apt-get install chromium)`)
    const profileDir = mkdtempSync(join(tmpdir(), "gaen-kiosk-browser-"))
    const context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        locale: o.locale ?? "ja-JP",
        viewport: { width: 1100, height: 900 },
        args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-quic",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
        ],
    })
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(url)
    return { context, page, profileDir, close: () => context.close() }
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules). */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
    const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze()
    return r.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(" ")).join("; ")})`)
}
