// Which folder may import which, so that a change in one layer cannot quietly break another:
// - the firmware (src/) imports nothing of the host: only its own files, common/ and @devicescript
//   packages;
// - common/ holds code the firmware and the host both run (DeviceScript-compatible TypeScript) and
//   imports nothing but its own files;
// - the host does not import the firmware: what both need is in common/. Only the firmware's tests
//   (test/: the DeviceScript tests in test/firmware, and the host↔firmware equality tests) and the
//   firmware benchmark programs (bench/firmware/) import src/;
// - lib/ (shared by the kiosk, the server and the simulator) imports no program;
// - the programs (kiosk/, server/, sim/) do not import each other; demo/, bench/ and scripts/ put
//   them together and may import them all;
// - nothing outside test/ imports test/; what the benches and scripts share with the tests is in
//   testkit/, which the product (src/, lib/, the programs, demo/) does not import;
// - the kiosk's domain code does not import its command-line layer (kiosk/cli.ts, kiosk/cli/), so
//   the web app and the CLI each speak to people in their own terms;
// - a package is imported by its name, never by a path into node_modules/, and nothing reads the
//   DeviceScript compiler's scratch folder .devicescript/ (what the build makes is in built/).
// Every import counts: static, type-only, re-exports, import() (also in types), require() and
// createRequire()().
import { test, expect } from "vitest"
import { readFileSync, readdirSync, statSync } from "node:fs"
import { dirname, join, normalize } from "node:path"
import ts from "typescript"

const root = new URL("../../", import.meta.url).pathname
/** Installed packages and what builds and runs make (git-ignored). */
const NOT_SOURCES = new Set(["node_modules", ".git", ".devicescript", "built", "tmp", "build"])

/**
 * Imports the rules do not yet hold, each to be removed once its file is fixed: `from` imports
 * `to` (file paths from the repository root).
 */
const TEMPORARY_EXCEPTIONS: { from: string; to: string; why: string }[] = []

/**
 * The one path into node_modules/, for types only: jacdac-ts's package "exports" ship no type
 * declarations (lib/jacdac/jacdac-ts.ts says why no supported way reaches them).
 */
const JACDAC_TYPES = { from: "lib/jacdac/jacdac-ts.ts", to: "node_modules/jacdac-ts/dist/types/src/jacdac.js" }

const PROGRAMS = ["kiosk", "server", "sim"]
const PRODUCT = ["src", "lib", ...PROGRAMS, "demo"]

interface Import {
    /** The importing file, from the repository root. */
    from: string
    /** The module specifier as written. */
    spec: string
    /** The imported file's path from the repository root; undefined for a package or node: built-in. */
    to?: string
    /** Only types are imported: erased at run time. */
    typeOnly?: boolean
}

const topOf = (path: string) => path.split("/")[0]
const isKioskCli = (path: string) => path === "kiosk/cli.ts" || path.startsWith("kiosk/cli/")

/** The rule an import breaks, in words; undefined when it breaks none. */
function brokenRule(i: Import): string | undefined {
    const from = topOf(i.from)
    if (from === "src") {
        if (i.to === undefined ? !i.spec.startsWith("@devicescript/") : !["src", "common"].includes(topOf(i.to)))
            return "the firmware (src/) imports only its own files, common/ and @devicescript packages"
        return undefined
    }
    if (from === "common") {
        if (i.to === undefined || topOf(i.to) !== "common") return "common/ (run by the firmware and the host) imports only its own files"
        return undefined
    }
    if (i.to === undefined) return undefined
    const to = topOf(i.to)
    if (to === "src" && from !== "test" && !i.from.startsWith("bench/firmware/"))
        return "the host does not import the firmware (src/): what both run goes to common/ (only tests and bench/firmware/ import src/)"
    if (to === "node_modules" && !(i.typeOnly && i.from === JACDAC_TYPES.from && i.to === JACDAC_TYPES.to))
        return "a package is imported by its name, not by a path into node_modules/"
    if (to === ".devicescript") return "nothing reads the DeviceScript compiler's scratch folder (the build's output is in built/)"
    if (to === "test" && from !== "test") return "nothing outside test/ imports test/ (shared helpers go to testkit/)"
    if (to === "testkit" && PRODUCT.includes(from)) return "the product does not import testkit/ (it is for tests, benches and scripts)"
    if (from === "lib" && [...PROGRAMS, "demo", "bench", "scripts", "test", "testkit"].includes(to)) return "lib/ imports no program"
    if (PROGRAMS.includes(from) && from !== to && [...PROGRAMS, "demo", "bench", "scripts"].includes(to))
        return "a program (kiosk/, server/, sim/) imports no other program, and no demo, bench or script"
    if (from === "kiosk" && !isKioskCli(i.from) && isKioskCli(i.to)) return "the kiosk's domain code does not import its command line (kiosk/cli)"
    return undefined
}

/**
 * The module specifiers a source text imports, read with TypeScript's own parser (so comments,
 * strings and regular expressions are never taken for imports).
 */
function importsIn(text: string, fileName = "x.ts"): { spec: string; typeOnly: boolean }[] {
    const found: { spec: string; typeOnly: boolean }[] = []
    const literal = (n: ts.Node | undefined, typeOnly = false) => (n && ts.isStringLiteralLike(n) ? found.push({ spec: n.text, typeOnly }) : undefined)
    const visit = (node: ts.Node): void => {
        if (ts.isImportDeclaration(node)) literal(node.moduleSpecifier, !!node.importClause?.isTypeOnly)
        else if (ts.isExportDeclaration(node)) literal(node.moduleSpecifier, node.isTypeOnly)
        else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) literal(node.moduleReference.expression)
        else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal, true)
        else if (ts.isCallExpression(node)) {
            const callee = node.expression
            const loads =
                callee.kind === ts.SyntaxKind.ImportKeyword || // import("m")
                (ts.isIdentifier(callee) && callee.text === "require") || // require("m")
                (ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "createRequire") // createRequire(url)("m")
            if (loads) literal(node.arguments[0])
        }
        ts.forEachChild(node, visit)
    }
    visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, /\.[cm]?js$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS))
    return found
}

/** The file a relative specifier names, from the repository root (.js written for a .ts file). */
function resolve(from: string, spec: string): string | undefined {
    if (!spec.startsWith(".")) return undefined
    const path = normalize(join(dirname(from), spec))
    for (const candidate of [path, path.replace(/\.(m|c)?js$/, ".$1ts"), `${path}.ts`, join(path, "index.ts")])
        if (candidate.split("/")[0] !== ".." && existsAsFile(candidate)) return candidate
    return path
}

function existsAsFile(path: string): boolean {
    try {
        return statSync(join(root, path)).isFile()
    } catch {
        return false
    }
}

function sourceFiles(dir: string): string[] {
    return readdirSync(join(root, dir)).flatMap(name => {
        const path = dir ? `${dir}/${name}` : name
        if (NOT_SOURCES.has(name)) return []
        if (statSync(join(root, path)).isDirectory()) return sourceFiles(path)
        return /\.(ts|mts|cts|js|mjs|cjs)$/.test(name) && !name.endsWith(".d.ts") ? [path] : []
    })
}

function importsOf(file: string): Import[] {
    return importsIn(readFileSync(join(root, file), "utf8"), file).map(({ spec, typeOnly }) => ({ from: file, spec, to: resolve(file, spec), typeOnly }))
}

const isException = (i: Import) => TEMPORARY_EXCEPTIONS.some(e => e.from === i.from && e.to === i.to)

test("the import reader finds every kind of import and skips comments", () => {
    const text = [
        `import { a } from "./a.js"`,
        `import type { B } from '../b.js'`,
        `export { c } from "./c.js"`,
        `export * as d from "./d.js"`,
        `import "./side-effect.js"`,
        `import {\n    e,\n    f,\n} from "./ef.js"`,
        `const g = await import("./g.js")`,
        `let h: import("./h.js").H`,
        `const i = require("./i.cjs")`,
        `const j = createRequire(import.meta.url)("./j.cjs")`,
        `// import { no } from "./commented.js"`,
        `/* import { no } from "./block.js" */`,
        `const s = 'import { no } from "./string.js"', glob = "test/**/*.ts", re = /from "\\.\\/regex.js"/`,
    ].join("\n")
    expect(
        importsIn(text)
            .map(i => i.spec)
            .sort()
    ).toEqual(["../b.js", "./a.js", "./c.js", "./d.js", "./ef.js", "./g.js", "./h.js", "./i.cjs", "./j.cjs", "./side-effect.js"])
})

test("each rule catches the import it forbids and lets the allowed ones pass", () => {
    const broken = (from: string, to: string | undefined, spec = to ?? "") => brokenRule({ from, spec, to })
    expect(broken("src/main.ts", "src/gaen/index.ts")).toBeUndefined()
    expect(broken("src/main.ts", undefined, "@devicescript/core")).toBeUndefined()
    expect(broken("src/main.ts", undefined, "node:fs")).toMatch(/firmware/)
    expect(broken("src/main.ts", "lib/gaen/index.ts")).toMatch(/firmware/)
    expect(broken("src/storage/ram-flash.ts", "common/flash-damage.ts")).toBeUndefined()
    expect(broken("sim/hardware/flash-server.ts", "common/flash-damage.ts")).toBeUndefined()
    expect(broken("sim/hardware/flash-server.ts", "src/storage/ram-flash.ts")).toMatch(/does not import the firmware/)
    expect(broken("lib/gaen/index.ts", "src/gaen/constants.ts")).toMatch(/does not import the firmware/)
    expect(broken("scripts/x.ts", "src/storage/ram-flash.ts")).toMatch(/does not import the firmware/)
    expect(broken("bench/logread.bench.ts", "src/storage/contact-log.ts")).toMatch(/does not import the firmware/)
    expect(broken("test/gaen/constants.test.ts", "src/gaen/constants.ts")).toBeUndefined()
    expect(broken("test/firmware/flash-damage.test.ts", "src/storage/ram-flash.ts")).toBeUndefined()
    expect(broken("bench/firmware/log.bench-fw.ts", "src/storage/contact-log.ts")).toBeUndefined()
    expect(broken("common/flash-damage.ts", "common/other.ts")).toBeUndefined()
    expect(broken("common/flash-damage.ts", "src/storage/ram-flash.ts")).toMatch(/common\/ .* imports only its own files/)
    expect(broken("common/flash-damage.ts", "lib/gaen/index.ts")).toMatch(/common\/ .* imports only its own files/)
    expect(broken("common/flash-damage.ts", undefined, "@devicescript/core")).toMatch(/common\/ .* imports only its own files/)
    expect(broken("common/flash-damage.ts", undefined, "node:fs")).toMatch(/common\/ .* imports only its own files/)
    expect(broken("lib/gaen/index.ts", "kiosk/index.ts")).toMatch(/lib\/ imports no program/)
    expect(broken("lib/gaen/index.ts", "lib/keyfile/index.ts")).toBeUndefined()
    expect(broken("sim/world/world.ts", "server/app.ts")).toMatch(/imports no other program/)
    expect(broken("kiosk/index.ts", "sim/world/world.ts")).toMatch(/imports no other program/)
    expect(broken("server/app.ts", "demo/counter.ts")).toMatch(/imports no other program/)
    expect(broken("kiosk/index.ts", "lib/gaen/index.ts")).toBeUndefined()
    expect(broken("demo/counter.ts", "server/app.ts")).toBeUndefined()
    expect(broken("bench/kiosk.bench.ts", "test/kiosk/fixtures.ts")).toMatch(/test\//)
    expect(broken("scripts/x.ts", "testkit/seeded-random.ts")).toBeUndefined()
    expect(broken("sim/world/world.ts", "testkit/seeded-random.ts")).toMatch(/testkit/)
    expect(broken("test/kiosk/cli.test.ts", "kiosk/cli.ts")).toBeUndefined()
    expect(broken("kiosk/registration/details.ts", "kiosk/cli/options.ts")).toMatch(/command line/)
    expect(broken("kiosk/web/server.ts", "kiosk/cli.ts")).toMatch(/command line/)
    expect(broken("kiosk/cli/render.ts", "kiosk/cli/options.ts")).toBeUndefined()
    expect(broken("kiosk/cli.ts", "kiosk/registration/details.ts")).toBeUndefined()
    expect(broken("lib/jacdac/service-specs.ts", ".devicescript/ts/constants.js")).toMatch(/scratch folder/)
    expect(broken("lib/jacdac/service-specs.ts", "built/services/constants.ts")).toBeUndefined()
    expect(broken("sim/harness/token-vm.ts", "node_modules/jacdac-ts/dist/jacdac.cjs")).toMatch(/by its name/)
    expect(brokenRule({ ...JACDAC_TYPES, spec: "", typeOnly: false })).toMatch(/by its name/)
    expect(brokenRule({ ...JACDAC_TYPES, spec: "", typeOnly: true })).toBeUndefined()
})

test("every import in the tree goes the allowed way", () => {
    const files = ["", ...["src", "common", "lib", "kiosk", "server", "sim", "demo", "bench", "scripts", "testkit", "test"]].flatMap(dir =>
        dir ? sourceFiles(dir) : readdirSync(root).filter(n => /\.(ts|mts|js|mjs)$/.test(n))
    )
    expect(files.length).toBeGreaterThan(300)
    const imports = files.flatMap(importsOf)
    expect(imports.filter(i => i.to).length).toBeGreaterThan(1000)
    const broken = imports.filter(i => brokenRule(i) !== undefined && !isException(i)).map(i => `${i.from} imports ${i.to ?? i.spec}: ${brokenRule(i)}`)
    expect(broken).toEqual([])
})

test("each temporary exception is still needed (remove it once its import is gone)", () => {
    const stale = TEMPORARY_EXCEPTIONS.filter(e => !importsOf(e.from).some(i => i.to === e.to && brokenRule(i)))
    expect(stale.map(e => `${e.from} -> ${e.to} (${e.why})`)).toEqual([])
})

test("the folders the rules name exist (a renamed folder must not leave a rule holding nothing)", () => {
    for (const dir of [...PRODUCT, "common", "bench/firmware", "bench", "scripts", "testkit", "test", "kiosk/cli"])
        expect(statSync(join(root, dir)).isDirectory(), dir).toBe(true)
    expect(existsAsFile("kiosk/cli.ts")).toBe(true)
})
