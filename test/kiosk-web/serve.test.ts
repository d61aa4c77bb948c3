// `npm run kiosk -- serve` as a program on this machine sees it: loopback only, the printed URL's
// secret swapped for a SameSite=Strict cookie, everything else refused; and the CLI's register
// reading the processing number and onset from stdin instead of the command line.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest"
import { Readable } from "node:stream"
import { runKiosk, type KioskIo } from "../../kiosk/cli.js"
import { CheckProgress } from "../../kiosk/web/check-progress.js"
import { errorView } from "../../kiosk/web/desk.js"
import { parseRegistrationDetails } from "../../kiosk/registration/details.js"
import { parseSurveyOptions } from "../../kiosk/decommission/survey.js"
import { tempDir } from "../kiosk/fixtures.js"

const data = tempDir("kiosk-serve-")
let stop: () => void
let served: Promise<number>
let url: string
const out: string[] = []

function io(extra: Partial<KioskIo> = {}): KioskIo {
    return { stdout: { write: s => void out.push(s) }, stderr: { write: () => {} }, env: { GAEN_KIOSK_DATA: data.path }, ...extra }
}

beforeAll(async () => {
    const until = new Promise<void>(r => {
        stop = r
    })
    served = runKiosk(["serve", "--json"], io({ until }))
    await vi.waitFor(
        () => {
            if (!out.join("").includes('"url"')) throw new Error("no URL printed yet")
        },
        { timeout: 30_000, interval: 50 }
    )
    url = JSON.parse(out.join("")).url
})
afterAll(async () => {
    stop()
    expect(await served).toBe(0)
    data.remove()
})

describe("the web app's door", () => {
    test("listens on 127.0.0.1 only, with a secret in the printed URL", () => {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?key=[A-Za-z0-9_-]{32}$/)
    })

    test("the secret becomes an HttpOnly SameSite=Strict cookie and leaves the address", async () => {
        const r = await fetch(url, { redirect: "manual" })
        expect(r.status).toBe(303)
        expect(r.headers.get("location")).toBe("/")
        const cookie = r.headers.get("set-cookie")!
        expect(cookie).toMatch(/HttpOnly/)
        expect(cookie).toMatch(/SameSite=Strict/)
        const page = await fetch(new URL("/", url), { headers: { cookie: cookie.split(";")[0] } })
        expect(page.status).toBe(200)
        expect(await page.text()).toMatch(/<html lang="ja">/)
        const view = await fetch(new URL("/api/view", url), { headers: { cookie: cookie.split(";")[0] } })
        expect(await view.json()).toMatchObject({ settings: { apiKeySet: false } })
    })

    test("no cookie, a wrong secret, another Host name or a non-JSON post: refused", async () => {
        const base = new URL("/", url)
        expect((await fetch(new URL("/api/view", base))).status).toBe(403)
        expect((await fetch(new URL("/?key=wrong", base), { redirect: "manual" })).status).toBe(403)
        const cookie = (await fetch(url, { redirect: "manual" })).headers.get("set-cookie")!.split(";")[0]
        // A page on another name that resolves to 127.0.0.1 (DNS rebinding) gets nothing.
        const withHost = (host: string) =>
            new Promise<number>(resolve => {
                import("node:http").then(http =>
                    http.get({ host: "127.0.0.1", port: base.port, path: "/api/view", headers: { host, cookie } }, res => {
                        res.resume()
                        resolve(res.statusCode!)
                    })
                )
            })
        expect(await withHost("evil.example")).toBe(421)
        // The one loopback rule (lib/net/loopback.ts): a name that only starts with 127 is another name.
        expect(await withHost(`127.0.0.1.evil.example:${base.port}`)).toBe(421)
        expect(await withHost(`localhost:${base.port}`)).toBe(200)
        // A form post from another page cannot set a JSON content type without the browser asking first.
        const form = await fetch(new URL("/api/disconnect", base), {
            method: "POST",
            headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
            body: "a=1",
        })
        expect(form.status).toBe(400)
        expect((await form.json()).error.message).toMatch(/requests must be JSON/)
    })
})

describe("the CLI's register without the number on the command line", () => {
    const register = (stdin: string) => {
        const lines: string[] = []
        return runKiosk(["register", "--json", "--token", "tcp://127.0.0.1:9", "--server", "http://127.0.0.1:9"], {
            stdout: { write: s => void lines.push(s) },
            stderr: { write: () => {} },
            env: { GAEN_KIOSK_DATA: data.path, GAEN_KIOSK_API_KEY: "k" },
            stdin: Readable.from([stdin]),
        }).then(code => ({ code, error: JSON.parse(lines.join("")).error }))
    }

    test("reads the number and the onset from stdin, one per line, and checks them before the token", async () => {
        const bad = await register("1234567x\n")
        expect(bad.code).toBe(2)
        expect(bad.error.message).toMatch(/a processing number is exactly 8 digits/)
        const future = await register("１２３４５６７８\n2999-01-01\n")
        expect(future.code).toBe(2)
        expect(future.error.message).toMatch(/--onset 2999-01-01: the date is in the future/)
    })

    test("nothing on stdin: the number is reported missing", async () => {
        const none = await register("")
        expect(none.code).toBe(2)
        expect(none.error.message).toMatch(/--processing-number is missing/)
    })
})

describe("the web app's errors name the field that was filled in, never a command-line flag", () => {
    // What the web app shows for a rejected form: errorView is the desk's answer to the browser.
    const shown = (parse: () => unknown) => {
        try {
            parse()
        } catch (e) {
            return errorView(e)
        }
        throw new Error("the value was accepted")
    }
    const now = Date.UTC(2026, 11, 7, 3)

    test("a registration's onset, symptoms and processing number, in Japanese and English", () => {
        const future = shown(() => parseRegistrationDetails({ processingNumber: "12345678", onset: "2999-01-01", region: "440" }, now))
        expect(future.code).toBe("invalid-field")
        expect(future.text.ja).toBe("「症状が出始めた日（症状がなければ検査を受けた日）」が今日より後の日付になっています。もう一度お確かめください。")
        expect(future.text.en).toBe("The day the symptoms began (without symptoms, the day of the test) is after today. Please check it again.")
        expect(future.message).toMatch(/^onset 2999-01-01: the date is in the future/)
        const missing = shown(() => parseRegistrationDetails({ processingNumber: "12345678", symptoms: "yes", region: "440" }, now))
        expect(missing.text.ja).toMatch(/^「症状が出始めた日/)
        const number = shown(() => parseRegistrationDetails({ processingNumber: "1234", region: "440" }, now))
        expect(number.text).toEqual({
            ja: "「処理番号」は8けたの数字です。もう一度お確かめください。",
            en: "The processing number has exactly 8 digits. Please check it again.",
        })
        for (const v of [future, missing, number]) expect(v.message).not.toMatch(/--/)
    })

    test("the survey's age, commuting and start date", () => {
        const views = [
            shown(() => parseSurveyOptions({ age: "10" }, now)),
            shown(() => parseSurveyOptions({ commute: "4" }, now)),
            shown(() => parseSurveyOptions({ startDate: "2026-01-01" }, now)),
            shown(() => parseSurveyOptions({ consentStartDate: true, startDate: "2026-02-30" }, now)),
        ]
        expect(views.map(v => v.text.ja.match(/^「([^」]+)」/)?.[1])).toEqual(["年代", "通勤・通学", "使い始めた日", "使い始めた日"])
        expect(views[0].text.en).toBe("Please choose the age from the list (1 to 9).")
        expect(views[2].text.en).toBe("The day you started using the token is only sent with your consent. Please tick the consent box.")
        expect(views.map(v => v.message)).toEqual([
            "age 10: expected a whole number from 1 to 9",
            "commute 4: expected a whole number from 1 to 3",
            "startDate is given without consentStartDate: the start date is only sent with its own consent",
            "startDate 2026-02-30: expected a date as YYYY-MM-DD",
        ])
    })
})

describe("the check's one progress bar", () => {
    test("download, the log's digest, matching and the candidates' records share one bar; time left from each step's pace and the steps after it", () => {
        let now = 0
        const bar = new CheckProgress(() => now)
        bar.update({ step: "download", done: 1, total: 2, downloaded: 1 })
        expect(bar.current()).toEqual({ step: "download", percent: 2, secondsLeft: null })
        bar.update({ step: "read-log", read: 0, total: 1000 })
        now = 10_000
        bar.update({ step: "read-log", read: 100, total: 1000 })
        // 90 s of digest at its pace, then about 1 s of matching (the rest is scanned during the read) and 1 s of candidates.
        expect(bar.current()).toEqual({ step: "read-log", percent: 12, secondsLeft: 92, count: { done: 100, total: 1000 } })
        bar.update({ step: "token-unplugged", read: 100 })
        expect(bar.current().secondsLeft).toBeNull()
        bar.update({ step: "token-back", read: 100 })
        now = 20_000
        bar.update({ step: "read-log", read: 1000, total: 1000 })
        bar.update({ step: "match", keysDone: 0, keysTotal: 100 })
        expect(bar.current()).toEqual({ step: "match", percent: 80, secondsLeft: 2 })
        now = 21_000
        bar.update({ step: "match", keysDone: 50, keysTotal: 100 })
        expect(bar.current()).toEqual({ step: "match", percent: 85, secondsLeft: 2 })
        bar.update({ step: "read-candidates", done: 0, total: 40 })
        expect(bar.current()).toEqual({ step: "read-candidates", percent: 90, secondsLeft: 2, count: { done: 0, total: 40 } })
        now = 22_000
        bar.update({ step: "read-candidates", done: 20, total: 40 })
        expect(bar.current()).toEqual({ step: "read-candidates", percent: 95, secondsLeft: 1, count: { done: 20, total: 40 } })
        bar.update({ step: "read-candidates", done: 40, total: 40 })
        expect(bar.current()).toEqual({ step: "read-candidates", percent: 100, secondsLeft: 0, count: { done: 40, total: 40 } })
    })
})
