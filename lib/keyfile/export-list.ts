// list.json: the index clients poll at {base}/c19r/{region}/list.json. A bare JSON array of
// {region, url, created}, `created` in Unix milliseconds (COCOA's server wrote milliseconds even
// though its field was named like seconds). Clients fetch only entries newer than the last they processed.

export interface ExportListEntry {
    region: string
    url: string
    /** Unix milliseconds when the file was published. */
    created: number
}

/** Validates a parsed or raw list.json. Throws a descriptive Error on any malformed entry. */
export function parseExportList(input: string | unknown): ExportListEntry[] {
    const data = typeof input === "string" ? JSON.parse(input) : input
    if (!Array.isArray(data)) throw new Error("list.json: expected a JSON array")
    return data.map((e, i) => {
        if (typeof e !== "object" || e === null) throw new Error(`list.json[${i}]: not an object`)
        const { region, url, created } = e as Record<string, unknown>
        // COCOA's client model typed region as a number; accept both and normalise to a string.
        if (typeof region !== "string" && typeof region !== "number") throw new Error(`list.json[${i}].region: expected a string`)
        if (typeof url !== "string" || url === "") throw new Error(`list.json[${i}].url: expected a string`)
        if (typeof created !== "number" || !Number.isSafeInteger(created)) throw new Error(`list.json[${i}].created: expected integer milliseconds`)
        return { region: String(region), url, created }
    })
}

/** Entries published after `lastProcessedCreated` (ms), oldest first. */
export function entriesNewerThan(list: ExportListEntry[], lastProcessedCreated: number): ExportListEntry[] {
    return list.filter(e => e.created > lastProcessedCreated).sort((a, b) => a.created - b.created)
}
