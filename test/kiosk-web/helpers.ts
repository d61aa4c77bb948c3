// Shared by the web app's browser tests: where screenshots go (for people to look at), and a search
// of a folder's files, byte for byte, for what must never be written about a person.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"

export const SCREENS_DIR = new URL("../../tmp/kiosk-screens/", import.meta.url).pathname

export interface Needle {
    what: string
    bytes: Buffer
}

/** Each secret as the bytes it would be on disk: UTF-8 and UTF-16LE (Chromium's storage) for text. */
export function needles(secrets: Record<string, (string | Uint8Array)[]>): Needle[] {
    return Object.entries(secrets).flatMap(([what, list]) =>
        list.flatMap(s =>
            typeof s === "string"
                ? [
                      { what, bytes: Buffer.from(s, "utf8") },
                      { what, bytes: Buffer.from(s, "utf16le") },
                  ]
                : [{ what, bytes: Buffer.from(s) }]
        )
    )
}

/** Every file under `dir` holding one of the needles, as { file (relative), what }. */
export function filesContaining(dir: string, list: Needle[]): { file: string; what: string }[] {
    const found: { file: string; what: string }[] = []
    for (const name of readdirSync(dir, { recursive: true }).map(String)) {
        const path = join(dir, name)
        let st
        try {
            st = statSync(path)
        } catch {
            continue
        } // a lock file that went away
        if (!st.isFile()) continue
        const data = readFileSync(path)
        for (const n of list) if (data.includes(n.bytes)) found.push({ file: relative(dir, path), what: n.what })
    }
    return found
}
