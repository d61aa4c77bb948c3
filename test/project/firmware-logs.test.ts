// The firmware's log leaves the token (a development board's USB port shows it to any host, the
// simulator prints it), so a `console.log` line of `src/` carries no secret: an error's message and
// counts only (docs/threat-model.md, "What the firmware logs"). This reads every console call of
// src/ and holds each to a fixed text with only known harmless values interpolated; a new value in a
// log line is a decision to make here, next to the rule, not in passing.
import { test, expect } from "vitest"
import { readFileSync, readdirSync, statSync } from "node:fs"
import { join, relative } from "node:path"

const root = new URL("../../", import.meta.url).pathname
const SRC = join(root, "src")

/** What a firmware log line may interpolate: a caught error (whose messages name sizes, states and
 *  times, never data: src/ throws no error holding key, identifier or record bytes) and counts. */
const HARMLESS = new Set(["e", "err", "dropped", "keysDropped"])

function sources(dir: string): string[] {
    return readdirSync(dir).flatMap(name => {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) return sources(path)
        return name.endsWith(".ts") ? [path] : []
    })
}

/** Each console call of `text`: where it is and its argument's source (one line, as src/ writes them). */
function consoleCalls(text: string): { line: number; argument: string }[] {
    return text.split("\n").flatMap((l, i) => {
        const m = /\bconsole\.(?:log|warn|error|info|debug)\((.*)\)\s*;?\s*$/.exec(l)
        if (m) return [{ line: i + 1, argument: m[1] }]
        return /\bconsole\.\w+\(/.test(l) ? [{ line: i + 1, argument: "<not on one line>" }] : []
    })
}

/** Why an argument may not be logged, or undefined when it may. */
function problem(argument: string): string | undefined {
    const literal = /^(`[^`]*`|"[^"]*")$/.exec(argument)
    if (!literal) return "not one string or template literal"
    const values = [...argument.matchAll(/\$\{([^}]*)\}/g)].map(m => m[1].trim())
    const unknown = values.filter(v => !HARMLESS.has(v))
    return unknown.length ? `interpolates ${unknown.join(", ")}` : undefined
}

test("every console line of the firmware is fixed text with only errors and counts in it", () => {
    const calls = sources(SRC).flatMap(file =>
        consoleCalls(readFileSync(file, "utf8")).map(c => ({ where: `${relative(root, file)}:${c.line}`, why: problem(c.argument) }))
    )
    expect(calls.length, "the firmware logs its failures").toBeGreaterThan(10)
    expect(calls.filter(c => c.why).map(c => `${c.where}: ${c.why}`)).toEqual([])
})

test("the check itself refuses a logged key, a logged value and a line it cannot read", () => {
    expect(problem("`sync: read_log failed: ${e}`")).toBeUndefined()
    expect(problem('"link: a frame failed its check; connection ended"')).toBeUndefined()
    expect(problem('`beacon: key ${tek.toString("hex")}`')).toBe('interpolates tek.toString("hex")')
    expect(problem("rpi")).toBe("not one string or template literal")
    expect(problem('"records: " + records.length')).toBe("not one string or template literal")
    expect(consoleCalls("    console.log(\n        `x`\n    )")).toEqual([{ line: 1, argument: "<not on one line>" }])
})
