// `npm ci --omit=dev` must give a working server and kiosk: every package their code loads at run
// time, and the tools the npm scripts they use run (tsx; the DeviceScript compiler in postinstall,
// which compiles the service specs the kiosk reads), must be a dependency, not a devDependency.
// A real `npm ci --omit=dev` compiles better-sqlite3 from source (minutes), so this checks the
// layout the install depends on instead.
import { test, expect } from "vitest"
import { readFileSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { builtinModules } from "node:module"

const root = new URL("../../", import.meta.url).pathname
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const RUN_TIME_DIRS = ["server", "kiosk", "lib"]

function sources(dir: string): string[] {
    return readdirSync(dir).flatMap(name => {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) return name === "node_modules" ? [] : sources(path)
        return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : []
    })
}

/** The package a bare specifier names: "pg" -> pg, "@scope/x/y" -> @scope/x. */
const packageOf = (spec: string) => (spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0])

test("every package the server and kiosk load at run time is a dependency", () => {
    const used = new Map<string, string>()
    for (const file of RUN_TIME_DIRS.flatMap(d => sources(join(root, d)))) {
        const text = readFileSync(file, "utf8")
        for (const m of text.matchAll(
            /(?:^|\n)\s*(?:import|export)\s[^"'\n]*?from\s+["']([^"']+)["']|createRequire\([^)]*\)\(["']([^"']+)["']\)|import\(["']([^"']+)["']\)/g
        )) {
            const spec = m[1] ?? m[2] ?? m[3]
            if (spec.startsWith(".") || spec.startsWith("node:") || builtinModules.includes(spec)) continue
            if (/^import\s+type\s/.test(m[0].trim())) continue
            used.set(packageOf(spec), file.slice(root.length))
        }
    }
    expect(used.size).toBeGreaterThan(3)
    const missing = [...used].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (used by ${file})`)
    expect(missing).toEqual([])
})

test("the tools the server, kiosk and postinstall scripts run are dependencies", () => {
    // Each step runs with tsx (a dependency) or with node itself (the kiosk matcher's build uses the
    // node-gyp that npm ships).
    for (const script of ["server", "kiosk", "postinstall"])
        for (const step of pkg.scripts[script].split("&&")) expect(step.trim(), `${script}: ${step}`).toMatch(/^(tsx|node) /)
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["tsx", "@devicescript/cli", "jacdac-ts"]))
    // The system-packages step is for tests only and must not run for a production install.
    expect(readFileSync(join(root, "scripts/install-system-deps.sh"), "utf8")).toMatch(/npm_config_omit.*\*dev\*\) exit 0/)
})
