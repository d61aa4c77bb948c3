// Constants that both runtimes need have one home in common/ (the firmware and the host import it).
// A second definition of one of them anywhere in the product's code would let the two ends drift
// apart unseen: this finds such twins.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

const root = new URL("../../", import.meta.url).pathname

/** Every "file: NAME" where a product source other than `home` defines `const NAME =` for one of `names`. */
export function definitionsOutside(home: string, names: readonly string[]): string[] {
    const sources = execFileSync("git", ["ls-files", "src", "lib", "kiosk", "sim", "server", "common"], { cwd: root, encoding: "utf8" })
        .split("\n")
        .filter(f => f.endsWith(".ts") && f !== home)
    return sources.flatMap(f => {
        const text = readFileSync(root + f, "utf8")
        return names.filter(name => new RegExp(`\\bconst ${name}\\s*=`).test(text)).map(name => `${f}: ${name}`)
    })
}
