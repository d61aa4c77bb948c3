// Diagnosis keys from the notification server: list.json, then every export zip the kiosk does not
// have yet. Unlike a phone, a kiosk checks many tokens, so it keeps every file still listed (the last
// 14 days) in its data folder and only downloads what is new; files no longer listed are deleted.
// Every file, fresh or cached, is verified against the trusted public key before its keys are used:
// one bad file stops the whole check, so nothing is matched against keys of unknown origin.
import { mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { createHash } from "node:crypto"
import { readExportZip, parseExportList, entriesNewerThan, type ExportListEntry, type TemporaryExposureKey } from "../../lib/keyfile/index.js"
import { KioskError } from "../errors.js"
import { downloadsDirFor } from "../config.js"
import { httpRequest, errorForAnswer, checkServerUrl, MAX_EXPORT_ZIP_BYTES } from "../http/server-client.js"
import type { TrustedKey } from "./public-key.js"
import { DiagnosisKeySet } from "./key-set.js"
import { PATHS } from "../../lib/cocoa/protocol.js"

export type DiagnosisKey = TemporaryExposureKey

export interface ExportFileSummary {
    url: string
    created: number
    keys: number
    fromCache: boolean
}

export interface SyncedExports {
    /** All keys of the listed files, oldest file first, in columns (a 14-day set is millions of keys). */
    keys: DiagnosisKeySet
    files: ExportFileSummary[]
    /** Files fetched from the server in this run (0 when everything was cached). */
    downloaded: number
    /** `created` of the newest listed file (Unix ms), if any. */
    newestFileCreated?: number
    /**
     * True when no file is listed or the newest is older than EXPORTS_STALE_AFTER_MS: the server may
     * have stopped publishing, so "no contact found" cannot be trusted; show a warning, not all-clear.
     */
    stale: boolean
}

/** The server publishes at least daily (hourly by default); two days without a new file is a fault. */
export const EXPORTS_STALE_AFTER_MS = 48 * 3_600_000

export interface DownloadProgress {
    /** Files handled so far (downloaded or read from the cache) and in all. */
    done: number
    total: number
    downloaded: number
}

interface CacheIndex {
    files: { url: string; created: number; file: string }[]
}

export interface SyncOptions {
    server: string
    region: string
    dataDir: string
    trustedKey: TrustedKey
    onProgress?(p: DownloadProgress): void
    /** For the staleness check; default Date.now. */
    clock?: () => number
}

export async function syncExports(o: SyncOptions): Promise<SyncedExports> {
    const listUrl = `${o.server}${PATHS.exportPrefix}/${encodeURIComponent(o.region)}/list.json`
    const answer = await httpRequest(listUrl)
    if (answer.status !== 200) throw errorForAnswer(`downloading ${listUrl}`, answer)
    let list: ExportListEntry[]
    try {
        list = parseExportList(answer.text).filter(e => e.region === o.region)
    } catch (e) {
        throw new KioskError("bad-request", `${listUrl}: ${(e as Error).message}`)
    }

    const dir = downloadsDirFor(o.dataDir, o.server, o.region)
    mkdirSync(dir, { recursive: true })
    const index = readIndex(dir)
    const cached = new Map(index.files.filter(f => existsSync(join(dir, f.file))).map(f => [`${f.created} ${f.url}`, f]))

    const newestFileCreated = list.length > 0 ? Math.max(...list.map(e => e.created)) : undefined
    const now = (o.clock ?? Date.now)()
    const stale = newestFileCreated === undefined || now - newestFileCreated > EXPORTS_STALE_AFTER_MS
    const result: SyncedExports = { keys: new DiagnosisKeySet(), files: [], downloaded: 0, newestFileCreated, stale }
    const kept: CacheIndex["files"] = []
    const ordered = entriesNewerThan(list, -1) // all listed files, oldest first
    o.onProgress?.({ done: 0, total: ordered.length, downloaded: 0 })
    for (const [i, entry] of ordered.entries()) {
        const hit = cached.get(`${entry.created} ${entry.url}`)
        let zip: Uint8Array
        const file = hit?.file ?? `${createHash("sha256").update(entry.url).digest("hex").slice(0, 24)}-${entry.created}.zip`
        if (hit) {
            zip = readFileSync(join(dir, hit.file))
        } else {
            zip = await fetchZip(entry.url)
            result.downloaded++
        }
        const keysBefore = result.keys.length
        try {
            // Keys go into the packed set one by one (never a whole file of key objects at once);
            // a file refused here fails the whole sync, so none of its keys is used.
            const parsed = readExportZip(zip, { publicKey: o.trustedKey.key, onKey: k => result.keys.push(k) }).export
            if (parsed.region && parsed.region !== o.region) throw new Error(`file is for region ${parsed.region}, not ${o.region}`)
        } catch (e) {
            // A cached copy that no longer verifies was changed on disk: drop it so a fresh copy comes next time.
            if (hit) rmSync(join(dir, hit.file), { force: true })
            const keptKeys = new Set(kept.map(f => `${f.created} ${f.url}`))
            writeIndex(dir, { files: kept.concat(index.files.filter(f => f !== hit && !keptKeys.has(`${f.created} ${f.url}`))) })
            throw new KioskError("download-refused", `${entry.url}${hit ? " (cached copy)" : ""}: ${(e as Error).message}`, { url: entry.url })
        }
        if (!hit) atomicWrite(join(dir, file), zip)
        kept.push({ url: entry.url, created: entry.created, file })
        result.files.push({ url: entry.url, created: entry.created, keys: result.keys.length - keysBefore, fromCache: !!hit })
        o.onProgress?.({ done: i + 1, total: ordered.length, downloaded: result.downloaded })
    }
    writeIndex(dir, { files: kept })
    // Files the server no longer lists (older than 14 days) are not needed any more.
    const keep = new Set(kept.map(f => f.file).concat("index.json"))
    for (const name of readdirSync(dir)) if (!keep.has(name)) rmSync(join(dir, name), { force: true })
    return result
}

async function fetchZip(url: string): Promise<Uint8Array> {
    try {
        checkServerUrl(url, "list.json names the file")
    } catch (e) {
        throw new KioskError("download-refused", (e as Error).message, { url })
    }
    // Export files are larger than anything else the server sends: a longer timeout and size limit.
    const a = await httpRequest(url, {}, 120_000, MAX_EXPORT_ZIP_BYTES)
    if (a.status !== 200) throw errorForAnswer(`downloading ${url}`, a)
    return a.body
}

function readIndex(dir: string): CacheIndex {
    try {
        const data = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"))
        if (Array.isArray(data?.files)) return data
    } catch {
        /* missing or damaged: start over, the files are re-downloaded */
    }
    return { files: [] }
}

function writeIndex(dir: string, index: CacheIndex): void {
    atomicWrite(join(dir, "index.json"), Buffer.from(JSON.stringify(index, null, 1)))
}

function atomicWrite(path: string, data: Uint8Array): void {
    writeFileSync(path + ".tmp", data)
    renameSync(path + ".tmp", path)
}
