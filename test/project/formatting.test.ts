// The whole tree keeps one layout, so a change's diff shows only what it changes: TypeScript and
// JavaScript as `.prettierrc.json` says (Prettier), the native C as `.clang-format` says. Generated
// files are left as their generators write them (`.prettierignore`, `native/esp32/gen/`).
// `npm run format` rewrites everything into shape.
import { test, expect } from "vitest"
import { spawnSync } from "node:child_process"
import { PRETTIER_BIN, nativeSources } from "../../scripts/format.js"

const root = new URL("../../", import.meta.url).pathname

test("every TypeScript and JavaScript file is laid out as .prettierrc.json says (npm run format fixes it)", () => {
    const run = spawnSync(process.execPath, [PRETTIER_BIN, "--list-different", "."], { cwd: root, encoding: "utf8" })
    expect(run.stderr).toBe("")
    expect(run.stdout.split("\n").filter(Boolean), "files Prettier would change").toEqual([])
}, 120_000)

test("every native C file is laid out as .clang-format says (npm run format fixes it)", () => {
    const sources = nativeSources()
    expect(sources.length).toBeGreaterThan(10)
    const run = spawnSync("clang-format", ["--dry-run", "--Werror", ...sources], { cwd: root, encoding: "utf8" })
    expect(run.error, "clang-format is installed by scripts/install-system-deps.sh").toBeUndefined()
    const offending = [...new Set([...run.stderr.matchAll(/^([^:\n]+\.[ch]):\d+:\d+: error/gm)].map(m => m[1]))]
    expect(offending, "files clang-format would change").toEqual([])
    expect(run.status).toBe(0)
}, 120_000)
