// What a folder holds, for privacy checks: every file under it (relative paths), and which of them
// carry any of a person's secrets (an identifier, a key) raw, in hex or in base64.
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"

export function filesUnder(dir: string): string[] {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter(e => e.isFile())
        .map(e => relative(dir, join(e.parentPath, e.name)))
        .sort()
}

/** Files under `dir` containing one of `secrets` in any of the forms a program would write it. */
export function filesHolding(dir: string, secrets: Uint8Array[]): string[] {
    const needles = secrets.flatMap(s => {
        const b = Buffer.from(s)
        return [b, Buffer.from(b.toString("hex")), Buffer.from(b.toString("hex").toUpperCase()), Buffer.from(b.toString("base64"))]
    })
    return filesUnder(dir).filter(f => {
        const content = readFileSync(join(dir, f))
        return needles.some(n => content.includes(n))
    })
}
