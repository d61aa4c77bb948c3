// Scenario files: every example is valid; every kind of bad input is refused with the file, the
// place and the problem.
import { describe, expect, test } from "vitest"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { loadScenario, parseDuration, parseScenario, ScenarioError, type ScenarioProblem } from "../../sim/scenarios/scenario.js"

const DIR = fileURLToPath(new URL("../../sim/scenarios", import.meta.url))
const FILE = "bad.json"
const base = () => ({
    start: "2026-04-01T09:00:00Z",
    duration: "20m",
    tokens: [
        { id: "a", path: [{ at: 0, x: 0, y: 0 }] },
        { id: "b", path: [{ at: 0, x: 1, y: 0 }] },
    ],
    events: [] as unknown[],
})

function problems(text: string): ScenarioProblem[] {
    try {
        parseScenario(text, FILE)
    } catch (e) {
        if (e instanceof ScenarioError) return e.problems
        throw e
    }
    throw new Error("the scenario was accepted")
}
const problemsOf = (edit: (s: any) => void) => {
    const s = base()
    edit(s)
    return problems(JSON.stringify(s, null, 2))
}

describe("scenario files", () => {
    test("every example in sim/scenarios is valid", () => {
        const files = readdirSync(DIR).filter(f => f.endsWith(".json"))
        expect(files.length).toBeGreaterThanOrEqual(4)
        for (const f of files) expect(() => loadScenario(join(DIR, f))).not.toThrow()
    })

    test("durations: units, combinations, seconds as numbers", () => {
        expect(parseDuration("1h30m")).toBe(5_400_000)
        expect(parseDuration("14d")).toBe(14 * 86_400_000)
        expect(parseDuration("250ms")).toBe(250)
        expect(parseDuration(90)).toBe(90_000)
        for (const bad of ["", "20", "1x", "-5m", "m", -1, NaN]) expect(parseDuration(bad)).toBeUndefined()
    })

    test("a syntax error names the file and line:column", () => {
        const text = '{\n  "start": "2026-04-01T09:00:00Z",\n  "duration": "20m"\n  "tokens": []\n}'
        const [p] = problems(text)
        expect(p.file).toBe(FILE)
        expect(p.place).toBe("4:3")
        expect(p.message).toMatch(/JSON syntax error/)
        expect(problems('{"start": ')[0].place).toBe("1:11") // cut short: the end of the text
    })

    test("an unknown field is named with its JSON path", () => {
        const ps = problemsOf(s => {
            s.tokens[1].path[0].z = 3
            s.colour = "red"
        })
        expect(ps).toContainEqual(expect.objectContaining({ file: FILE, place: "$.tokens[1].path[0].z", message: expect.stringMatching(/unknown field "z"/) }))
        expect(ps).toContainEqual(expect.objectContaining({ place: "$.colour", message: expect.stringMatching(/unknown field "colour"/) }))
    })

    test("impossible positions: not finite, out of range, missing", () => {
        // JSON cannot hold Infinity; a string or a huge number is what arrives.
        expect(problemsOf(s => (s.tokens[0].path[0].x = "1e999"))).toContainEqual(
            expect.objectContaining({ place: "$.tokens[0].path[0].x", message: expect.stringMatching(/finite number/) })
        )
        expect(problems(JSON.stringify(base()).replace('"x":1,', '"x":1e999,'))).toContainEqual(expect.objectContaining({ place: "$.tokens[1].path[0].x" }))
        expect(problemsOf(s => (s.tokens[0].path[0].y = 250_000))).toContainEqual(
            expect.objectContaining({ place: "$.tokens[0].path[0].y", message: expect.stringMatching(/out of range/) })
        )
        expect(problemsOf(s => delete s.tokens[0].path[0].y)).toContainEqual(
            expect.objectContaining({ place: "$.tokens[0].path[0]", message: expect.stringMatching(/needs "x" and "y"/) })
        )
        // The kiosk's radio: where it stands, in metres, both coordinates.
        expect(problemsOf(s => (s.kiosk = { x: "near", y: 0 }))).toContainEqual(
            expect.objectContaining({ place: "$.kiosk.x", message: expect.stringMatching(/finite number/) })
        )
        expect(problemsOf(s => (s.kiosk = { x: 1 }))).toContainEqual(expect.objectContaining({ place: "$.kiosk", message: expect.stringMatching(/"y"/) }))
    })

    test("times outside the scenario, or out of order", () => {
        expect(problemsOf(s => s.tokens[0].path.push({ at: "30m", x: 1, y: 1 }))).toContainEqual(
            expect.objectContaining({ place: "$.tokens[0].path[1].at", message: expect.stringMatching(/after the end of the scenario \(20m\)/) })
        )
        expect(problemsOf(s => s.events.push({ at: "25m", token: "a", type: "press-button" }))).toContainEqual(
            expect.objectContaining({ place: "$.events[0].at", message: expect.stringMatching(/after the end/) })
        )
        expect(problemsOf(s => s.events.push({ at: "15m", token: "a", type: "power-cut", off: "10m" }))).toContainEqual(
            expect.objectContaining({ place: "$.events[0].off", message: expect.stringMatching(/power would return at 25m/) })
        )
        expect(problemsOf(s => s.tokens[0].path.push({ at: "10m", x: 1, y: 1 }, { at: "5m", x: 1, y: 1 }))).toContainEqual(
            expect.objectContaining({ place: "$.tokens[0].path[2].at", message: expect.stringMatching(/time order/) })
        )
        expect(problemsOf(s => (s.tokens[0].path[0].at = "1m"))).toContainEqual(
            expect.objectContaining({ place: "$.tokens[0].path[0].at", message: expect.stringMatching(/first waypoint must be at 0/) })
        )
        expect(problemsOf(s => (s.start = "2026-04-01 09:00"))).toContainEqual(expect.objectContaining({ place: "$.start" }))
        expect(problemsOf(s => (s.duration = "0s"))).toContainEqual(expect.objectContaining({ place: "$.duration" }))
    })

    test("events: unknown token, unknown type, nothing while the battery is out", () => {
        expect(problemsOf(s => s.events.push({ at: "5m", token: "zed", type: "press-button" }))).toContainEqual(
            expect.objectContaining({ place: "$.events[0].token", message: expect.stringMatching(/unknown token "zed" \(tokens: a, b\)/) })
        )
        expect(problemsOf(s => s.events.push({ at: "5m", token: "a", type: "explode" }))).toContainEqual(
            expect.objectContaining({ place: "$.events[0].type", message: expect.stringMatching(/unknown event type "explode"/) })
        )
        expect(
            problemsOf(s => s.events.push({ at: "5m", token: "a", type: "power-cut", off: "5m" }, { at: "6m", token: "a", type: "press-button" }))
        ).toContainEqual(expect.objectContaining({ place: "$.events[1]", message: expect.stringMatching(/has no power at 6m/) }))
    })

    test("tokens: duplicate and malformed ids, all problems at once", () => {
        const ps = problemsOf(s => {
            s.tokens[1].id = "a"
            s.tokens.push({ id: "no spaces", path: [{ at: 0, away: true }] })
        })
        expect(ps.map(p => p.place)).toEqual(["$.tokens[1].id", "$.tokens[2].id"])
        expect(() => parseScenario(JSON.stringify(base()), FILE)).not.toThrow()
    })

    test("the error message lists file, place and problem per line", () => {
        try {
            parseScenario(JSON.stringify({ ...base(), seed: -1 }), "sim/scenarios/x.json")
            throw new Error("accepted")
        } catch (e: any) {
            expect(e.message).toMatch(/^sim\/scenarios\/x\.json: \$\.seed: -1 is out of range/)
        }
    })
})
