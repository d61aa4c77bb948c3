// The export files written to a folder that a CDN or any static web server serves, in the same
// layout as the server's own routes: <dir>/c19r/<region>/list.json and <dir>/c19r/<region>/<id>.zip.
// The folder is brought in line with the database after every publishing run: new zips first, then
// list.json, then zips no longer listed are removed; each file is written under a temporary name
// and renamed, so a reader never sees half a file nor a list naming a zip that is not there yet.
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import type { Storage } from "../storage/storage.js"
import type { ExportListEntry } from "../../lib/keyfile/index.js"
import { PATHS } from "../../lib/cocoa/protocol.js"

const TEMP_MARK = ".tmp-"

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
    const temp = `${path}${TEMP_MARK}${randomBytes(6).toString("hex")}`
    try {
        await writeFile(temp, data, { flush: true })
        await rename(temp, path)
    } catch (err) {
        await rm(temp, { force: true })
        throw new Error(`writing ${path}: ${(err as Error).message}`)
    }
}

const exists = (path: string) =>
    stat(path).then(
        () => true,
        () => false
    )

/** Brings `dir` in line with the published files of each region; returns what changed. */
export async function syncExportDir(
    storage: Storage,
    o: { dir: string; publicUrl: string; regions: readonly string[] }
): Promise<{ written: number; removed: number }> {
    const base = o.publicUrl.replace(/\/+$/, "")
    let written = 0
    let removed = 0
    for (const region of o.regions) {
        const folder = join(o.dir, ...PATHS.exportPrefix.split("/").filter(Boolean), region)
        await mkdir(folder, { recursive: true })
        const files = await storage.listExportFiles(region)
        for (const f of files) {
            const path = join(folder, `${f.id}.zip`)
            if (await exists(path)) continue // a published file never changes
            const zip = await storage.readExportFile(region, f.id)
            if (!zip) continue // deleted by another process since the listing; the next list leaves it out
            await writeAtomically(path, zip)
            written++
        }
        const list: ExportListEntry[] = files.map(f => ({ region, url: `${base}${PATHS.exportPrefix}/${region}/${f.id}.zip`, created: f.created }))
        await writeAtomically(join(folder, "list.json"), JSON.stringify(list))
        // After the new list: zips past retention, and temporary files a crash left behind.
        const listed = new Set(files.map(f => `${f.id}.zip`))
        for (const name of await readdir(folder)) {
            if (name === "list.json" || listed.has(name)) continue
            if (!name.endsWith(".zip") && !name.includes(TEMP_MARK)) continue // not ours
            await rm(join(folder, name), { force: true })
            if (name.endsWith(".zip")) removed++
        }
    }
    return { written, removed }
}
