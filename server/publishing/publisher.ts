// A publishing run: delete what is older than 14 days, then turn every released, unpublished key
// into export files, as Google's reference server exports a batch: one series per region for the
// publishing window (since the previous file), padded with random keys up to a minimum, shuffled,
// at most 250,000 keys per file, signed. Keys are released only once their validity has ended, so
// nobody can replay a key that a token may still be broadcasting. Run by the server's schedule and
// by `npm run server -- publish`.
import { randomBytes, randomFillSync, randomInt } from "node:crypto"
import { writeExportZip, type ExportSigner } from "../../lib/keyfile/index.js"
import { PublishConflictError, type Storage, type DiagnosisKeyRecord, type NewExportFile, type ExportFileInfo } from "../storage/storage.js"
import { enIntervalNumber, keyDay, RETENTION_DAYS } from "../../lib/gaen/index.js"
import { MAX_KEYS_PER_EXPORT_FILE, DAY_MS, DAY_SECONDS, DEFAULT_EXPORT_PADDING } from "../protocol.js"

export interface PublishReport {
    files: ExportFileInfo[]
    /** Real keys published (padding not counted). */
    keys: number
    /** Random keys added so that small runs reach the minimum. */
    paddingKeys: number
    deleted: { keys: number; files: number; uploads: number; processingNumbers: number }
}

export interface ExportPadding {
    /** A region's run with fewer real keys is padded up to this many… */
    minKeys: number
    /** …plus a random 0…extraUpTo more, so the count itself does not reveal that padding happened. */
    extraUpTo: number
}

/** The publishing window a file covers, in UTC seconds (the file's start and end timestamps). */
export interface ExportWindow {
    start: number
    end: number
}

/** In-place Fisher-Yates with crypto randomness (upload order must not show in the file). */
export function shuffle<T>(items: T[]): T[] {
    const rnd = new Uint32Array(Math.min(items.length, 65_536) * 2)
    let r = rnd.length
    for (let i = items.length - 1; i > 0; i--) {
        if (r === rnd.length) {
            randomFillSync(rnd)
            r = 0
        }
        // 53 random bits -> index in [0, i]; bias is negligible (< 2^-20 for any batch size here).
        const u = (rnd[r++] * 2 ** 21 + (rnd[r++] >>> 11)) / 2 ** 53
        const j = Math.floor(u * (i + 1))
        const t = items[i]
        items[i] = items[j]
        items[j] = t
    }
    return items
}

/**
 * Random keys for a region's run of `real` keys (none when it already has `minKeys`). Each copies the
 * rolling start, period, report type and days since onset of a randomly chosen real key, with fresh
 * random key data (as Google's reference server does): on the wire a padding key looks like any
 * other, and no token ever broadcast it, so it never matches at a kiosk.
 */
export function paddingKeys(real: readonly DiagnosisKeyRecord[], padding: ExportPadding): DiagnosisKeyRecord[] {
    if (real.length === 0 || real.length >= padding.minKeys) return []
    const count = padding.minKeys - real.length + randomInt(padding.extraUpTo + 1)
    return Array.from({ length: count }, () => ({ ...real[randomInt(real.length)], keyData: new Uint8Array(randomBytes(16)) }))
}

/**
 * Groups by region; each region's keys (padded, then shuffled) become one or more files of at most
 * maxPerFile keys, all with the run's window as start/end.
 */
export function buildExportFiles(
    keys: DiagnosisKeyRecord[],
    opts: {
        signer: ExportSigner | readonly ExportSigner[]
        createdBase: (region: string) => number
        window: (region: string) => ExportWindow
        padding: ExportPadding
        maxPerFile?: number
    }
): { files: NewExportFile[]; paddingKeys: number } {
    const maxPerFile = opts.maxPerFile ?? MAX_KEYS_PER_EXPORT_FILE
    const byRegion = new Map<string, DiagnosisKeyRecord[]>()
    for (const k of keys) {
        let g = byRegion.get(k.region)
        if (!g) byRegion.set(k.region, (g = []))
        g.push(k)
    }
    const files: NewExportFile[] = []
    let padded = 0
    for (const region of [...byRegion.keys()].sort()) {
        const real = byRegion.get(region)!
        // Kept until its newest key day is past retention (the column is export_files.key_day).
        const newestKeyDay = real.reduce((max, k) => Math.max(max, keyDay(k.rollingStartIntervalNumber)), 0)
        const pad = paddingKeys(real, opts.padding)
        padded += pad.length
        const all = shuffle([...real, ...pad])
        const window = opts.window(region)
        const batchSize = Math.ceil(all.length / maxPerFile)
        const createdBase = opts.createdBase(region)
        for (let b = 0; b < batchSize; b++) {
            const chunk = all.slice(b * maxPerFile, (b + 1) * maxPerFile)
            files.push({
                region,
                newestKeyDay,
                batchNum: b + 1,
                batchSize,
                keyCount: chunk.length,
                created: createdBase + b,
                zip: writeExportZip({ keys: chunk, region, start: window.start, end: window.end, batchNum: b + 1, batchSize, signer: opts.signer }),
            })
        }
    }
    return { files, paddingKeys: padded }
}

export async function publish(deps: {
    storage: Storage
    signer: ExportSigner | readonly ExportSigner[]
    clock: () => number
    maxPerFile?: number
    padding?: ExportPadding
}): Promise<PublishReport> {
    const now = deps.clock()
    const deleted = await deps.storage.deleteExpired(Math.floor(now / DAY_MS) - RETENTION_DAYS)
    const releasedBy = enIntervalNumber(now / 1000)
    const end = Math.floor(now / 1000)
    for (let attempt = 0; ; attempt++) {
        const { keys, snapshot } = await deps.storage.readPublishableKeys(releasedBy)
        if (keys.length === 0) return { files: [], keys: 0, paddingKeys: 0, deleted }
        const lastCreated = new Map<string, number>()
        for (const region of new Set(keys.map(k => k.region))) lastCreated.set(region, await deps.storage.lastExportCreated(region))
        const { files, paddingKeys } = buildExportFiles(keys, {
            signer: deps.signer,
            maxPerFile: deps.maxPerFile,
            padding: deps.padding ?? DEFAULT_EXPORT_PADDING,
            // list.json's `created` is integer milliseconds (kiosks refuse anything else); the
            // configured clock need not be integral (the simulator's scaled clock is not).
            createdBase: region => Math.max(Math.floor(now), lastCreated.get(region)! + 1),
            // From the previous file of the region (its `created` is that run's time) to now; the
            // first file's window reaches back over the retention period its keys may come from.
            window: region => {
                const last = lastCreated.get(region)!
                return { start: last > 0 ? Math.min(Math.floor(last / 1000), end) : end - RETENTION_DAYS * DAY_SECONDS, end }
            },
        })
        try {
            return { files: await deps.storage.savePublication(snapshot, files), keys: keys.length, paddingKeys, deleted }
        } catch (err) {
            // Another publisher (the cron command next to the server's schedule) took keys first.
            if (!(err instanceof PublishConflictError) || attempt >= 3) throw err
        }
    }
}
