// The kiosk's English says "1 day", "1 second", "1 byte": every message that takes a number is shown
// with 1 and with 2, and its noun must agree.
import { describe, test, expect } from "vitest"
import { errorText, text, screen, duration, units } from "../../kiosk/i18n/messages.js"

const NOUNS = "days?|seconds?|minutes?|hours?|bytes?|keys?|records?"
const singularWrong = new RegExp(
    `(?<![\\d,.])1 (${NOUNS.split("|")
        .map(n => n.replace("s?", "s"))
        .join("|")})\\b`
)
const pluralWrong = new RegExp(
    `(?<![\\d,.])2 (${NOUNS.split("|")
        .map(n => n.replace("s?", ""))
        .join("|")})\\b`
)

/** Every English text a message gives when each of its numbers is `n` (a language argument is "en"). */
function english(n: number): { name: string; en: string }[] {
    const out: { name: string; en: string }[] = []
    const numbers = new Proxy({}, { get: () => n }) as Record<string, number>
    for (const [name, f] of Object.entries(errorText)) out.push({ name: `errorText.${name}`, en: f(numbers).en })
    for (const [group, messages] of [
        ["text", text],
        ["screen", screen],
    ] as const) {
        for (const [name, m] of Object.entries(messages)) {
            if (typeof m !== "function") continue
            const params =
                /^\(([^)]*)\)/
                    .exec(m.toString())?.[1]
                    .split(",")
                    .map(p => p.trim()) ?? []
            const args = params.map(p => (p === "lang" ? "en" : n))
            let r: unknown
            try {
                r = (m as (...a: unknown[]) => unknown)(...args)
            } catch {
                continue
            } // takes more than numbers (a list of dates)
            const en = typeof r === "string" ? r : (r as { en?: unknown }).en
            if (typeof en === "string") out.push({ name: `${group}.${name}`, en })
        }
    }
    return out
}

describe("English plurals across the kiosk", () => {
    test("the counting helpers", () => {
        expect([units(1, "day"), units(2, "day"), units(1024, "byte")]).toEqual(["1 day", "2 days", "1,024 bytes"])
        expect([duration(1, "en"), duration(60, "en"), duration(3600, "en"), duration(7200, "en")]).toEqual(["1 second", "1 minute", "60 minutes", "2 hours"])
    })

    test('no message says "1 days" or "2 day"', () => {
        const one = english(1),
            two = english(2)
        expect(one.length).toBeGreaterThan(20)
        expect(one.filter(m => singularWrong.test(m.en))).toEqual([])
        expect(two.filter(m => pluralWrong.test(m.en))).toEqual([])
        // The ones a person meets most, word for word.
        expect(screen.daysValue(1, "en")).toBe("1 day")
        expect(screen.pressLeft(1, "en")).toBe("1 second left")
        expect(screen.registeredText(1, "en")).toMatch(/^1 day was sent\./)
        expect(text.registered(1).en).toContain("keys for 1 day was sent")
        expect(errorText["erase-incomplete"]({ bytesNotErased: 1 }).en).toContain("(1 byte is left)")
    })
})
