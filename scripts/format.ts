// `npm run format`: lays out the whole tree as test/project/formatting.test.ts checks it, TypeScript
// and JavaScript with Prettier (.prettierrc.json), the native C with clang-format (.clang-format).
import { execFileSync } from "node:child_process"
import { pathToFileURL } from "node:url"

const root = new URL("../", import.meta.url).pathname
export const PRETTIER_BIN = new URL("../node_modules/prettier/bin/prettier.cjs", import.meta.url).pathname

/** The native C sources under version control, minus the headers generated from services/*.md. */
export function nativeSources(): string[] {
    return execFileSync("git", ["ls-files", "native"], { cwd: root, encoding: "utf8" })
        .split("\n")
        .filter(path => /\.(c|h)$/.test(path) && !path.startsWith("native/esp32/gen/"))
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
    execFileSync(process.execPath, [PRETTIER_BIN, "--write", "--log-level", "warn", "."], { cwd: root, stdio: "inherit" })
    execFileSync("clang-format", ["-i", ...nativeSources()], { cwd: root, stdio: "inherit" })
}
