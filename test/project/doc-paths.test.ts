// Every repository path a Markdown file names exists, so a newcomer who follows the docs never
// lands on a file that moved or never was. A path counts when it is in backticks or a link and
// starts with one of the project's top folders (read from the repository root) or with ./ or ../
// (read from the Markdown file's own folder; a folder's README may also name its own files by
// their path inside it). Folders the programs make at run time (git-ignored: server-data/, tmp/…)
// are not in a clean checkout and are accepted.
import { test, expect } from "vitest"
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs"
import { dirname, join, relative } from "node:path"

const root = new URL("../../", import.meta.url).pathname
const NOT_DOCS = new Set(["node_modules", ".git", ".devicescript", "built", "tmp"])
const TOP_FOLDERS = /^(src|common|services|sim|kiosk|server|lib|native|test|bench|scripts|docs|boards|data|demo|testkit|\.ci)\//

function markdownFiles(dir: string): string[] {
    return readdirSync(dir).flatMap(name => {
        const path = join(dir, name)
        if (NOT_DOCS.has(name)) return []
        if (statSync(path).isDirectory()) return markdownFiles(path)
        return name.endsWith(".md") ? [path] : []
    })
}

/** Backticked spans and link targets of one Markdown text, cut to the path they name. */
function namedPaths(markdown: string): string[] {
    const spans = [...markdown.matchAll(/`([^`\n]+)`/g), ...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1])
    return spans
        .map(s => s.replace(/[:#].*$/, "").replace(/[,.;)]+$/, ""))
        .filter(s => !/[*<>…{}\s$]|\.\.\./.test(s))
        .filter(s => TOP_FOLDERS.test(s) || /^\.\.?\/[\w./-]+$/.test(s))
}

/** Git-ignored as a file or as a folder (a folder made at run time is absent from a checkout). */
function isIgnoredByGit(path: string): boolean {
    return [path, `${path}/`].some(p => {
        try {
            execFileSync("git", ["check-ignore", "-q", p], { cwd: root })
            return true
        } catch {
            return false
        }
    })
}

/** The places a path may be read from: the root (top folders) and the Markdown file's folder. */
function exists(markdownFile: string, path: string): boolean {
    const here = dirname(markdownFile)
    const candidates = path.startsWith(".") ? [join(here, path)] : [join(root, path), join(here, path)]
    return candidates.some(p => existsSync(p) || isIgnoredByGit(relative(root, p)))
}

test("the path finder sees backticked paths and links, and skips patterns and placeholders", () => {
    const found = namedPaths("see `src/storage/contact-log.ts:120`, [spec](../services/flash.md#x), `sim/*.ts`, `lib/<name>`, `npm test`")
    expect(found).toEqual(["src/storage/contact-log.ts", "../services/flash.md"])
})

test("every repository path named in a Markdown file exists", () => {
    const files = markdownFiles(root)
    expect(files.length).toBeGreaterThan(10)
    const missing = files.flatMap(file =>
        namedPaths(readFileSync(file, "utf8"))
            .filter(path => !exists(file, path))
            .map(path => `${relative(root, file)}: ${path}`)
    )
    expect(missing).toEqual([])
})
