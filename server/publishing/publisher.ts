// A publishing run: delete what is older than 14 days, then turn every released, unpublished key
// into export files, one series per (region, key day), keys shuffled, at most 250,000 per file,
// signed. Keys are released only once their validity has ended, so nobody can replay a key that a
// token may still be broadcasting. Run by the server's schedule and by `npm run server -- publish`.
import { randomFillSync } from "node:crypto"
import { writeExportZip, type ExportSigner } from "../../lib/keyfile/index.js"
import { PublishConflictError, type Storage, type DiagnosisKeyRecord, type NewExportFile, type ExportFileInfo } from "../storage/storage.js"
import { enIntervalNumber, keyDay, RETENTION_DAYS } from "../../lib/gaen/index.js"
import { MAX_KEYS_PER_EXPORT_FILE, DAY_MS, DAY_SECONDS } from "../protocol.js"

export interface PublishReport {
    files: ExportFileInfo[]
    keys: number
    deleted: { keys: number; files: number; uploads: number; processingNumbers: number }
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

/** Groups by region and key day; each group becomes one or more files of at most maxPerFile keys. */
export function buildExportFiles(
    keys: DiagnosisKeyRecord[],
    opts: { signer: ExportSigner | readonly ExportSigner[]; createdBase: (region: string) => number; maxPerFile?: number },
): NewExportFile[] {
    const maxPerFile = opts.maxPerFile ?? MAX_KEYS_PER_EXPORT_FILE
    const groups = new Map<string, { region: string; keyDay: number; keys: DiagnosisKeyRecord[] }>()
    for (const k of keys) {
        const day = keyDay(k.rollingStartIntervalNumber)
        const id = `${k.region}\n${day}`
        let g = groups.get(id)
        if (!g) groups.set(id, (g = { region: k.region, keyDay: day, keys: [] }))
        g.keys.push(k)
    }
    const nextCreated = new Map<string, number>()
    const files: NewExportFile[] = []
    const ordered = [...groups.values()].sort((a, b) => a.region.localeCompare(b.region) || a.keyDay - b.keyDay)
    for (const g of ordered) {
        shuffle(g.keys)
        const batchSize = Math.ceil(g.keys.length / maxPerFile)
        for (let b = 0; b < batchSize; b++) {
            const chunk = g.keys.slice(b * maxPerFile, (b + 1) * maxPerFile)
            const created = nextCreated.get(g.region) ?? opts.createdBase(g.region)
            nextCreated.set(g.region, created + 1)
            files.push({
                region: g.region,
                keyDay: g.keyDay,
                batchNum: b + 1,
                batchSize,
                keyCount: chunk.length,
                created,
                zip: writeExportZip({
                    keys: chunk,
                    region: g.region,
                    start: g.keyDay * DAY_SECONDS,
                    end: (g.keyDay + 1) * DAY_SECONDS,
                    batchNum: b + 1,
                    batchSize,
                    signer: opts.signer,
                }),
            })
        }
    }
    return files
}

export async function publish(deps: { storage: Storage; signer: ExportSigner | readonly ExportSigner[]; clock: () => number; maxPerFile?: number }): Promise<PublishReport> {
    const now = deps.clock()
    const deleted = await deps.storage.deleteExpired(Math.floor(now / DAY_MS) - RETENTION_DAYS)
    const releasedBy = enIntervalNumber(now / 1000)
    for (let attempt = 0; ; attempt++) {
        const { keys, snapshot } = await deps.storage.readPublishableKeys(releasedBy)
        if (keys.length === 0) return { files: [], keys: 0, deleted }
        const lastCreated = new Map<string, number>()
        for (const region of new Set(keys.map(k => k.region))) lastCreated.set(region, await deps.storage.lastExportCreated(region))
        const files = buildExportFiles(keys, {
            signer: deps.signer,
            maxPerFile: deps.maxPerFile,
            // list.json's `created` is integer milliseconds (kiosks refuse anything else); the
            // configured clock need not be integral (the simulator's scaled clock is not).
            createdBase: region => Math.max(Math.floor(now), lastCreated.get(region)! + 1),
        })
        try {
            return { files: await deps.storage.savePublication(snapshot, files), keys: keys.length, deleted }
        } catch (err) {
            // Another publisher (the cron command next to the server's schedule) took keys first.
            if (!(err instanceof PublishConflictError) || attempt >= 3) throw err
        }
    }
}
