// The public, unauthenticated download side: list.json, the export zips and the signing public key.
// Served by the server itself; a national deployment would put a CDN in front (the URLs in
// list.json use --public-url when set, else the Host the request came to).
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpError } from "../http/errors.js"
import { sendJson, sendBytes } from "../http/respond.js"
import type { Storage } from "../storage/storage.js"
import type { ExportListEntry } from "../../lib/keyfile/index.js"
import type { PublicKeyInfo } from "./signing-key.js"
import { PATHS } from "../../lib/cocoa/protocol.js"
import { RETENTION_DAYS } from "../../lib/gaen/index.js"

export interface DownloadDeps {
    storage: Storage
    regions: readonly string[]
    publicUrl?: string
    trustProxy: boolean
    /** The signing keys now (read per request: a rotation begun by the CLI shows without a restart). */
    publicKeys: () => { info: PublicKeyInfo; incoming?: PublicKeyInfo }
}

function servedRegion(deps: DownloadDeps, region: string): void {
    if (!deps.regions.includes(region))
        throw new HttpError(404, "region_not_served", `region ${region} is not served here (served: ${deps.regions.join(", ")})`)
}

const firstValue = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h)?.split(",")[0].trim()

/** --public-url; else, behind a trusted proxy, its forwarded scheme and host; else (loopback only) the Host. */
function baseUrl(deps: DownloadDeps, req: IncomingMessage): string {
    if (deps.publicUrl) return deps.publicUrl.replace(/\/+$/, "")
    if (deps.trustProxy) {
        const proto = firstValue(req.headers["x-forwarded-proto"]) === "https" ? "https" : "http"
        return `${proto}://${firstValue(req.headers["x-forwarded-host"]) ?? req.headers.host ?? "localhost"}`
    }
    return `http://${req.headers.host ?? "localhost"}`
}

export function listJsonHandler(deps: DownloadDeps) {
    return async (req: IncomingMessage, res: ServerResponse, [region]: string[]): Promise<void> => {
        servedRegion(deps, region)
        const base = baseUrl(deps, req)
        const list: ExportListEntry[] = (await deps.storage.listExportFiles(region)).map(f => ({
            region: f.region,
            url: `${base}${PATHS.exportPrefix}/${f.region}/${f.id}.zip`,
            created: f.created,
        }))
        sendJson(res, 200, list, { "cache-control": "public, max-age=60" })
    }
}

export function exportZipHandler(deps: DownloadDeps) {
    return async (_req: IncomingMessage, res: ServerResponse, [region, id]: string[]): Promise<void> => {
        servedRegion(deps, region)
        const zip = await deps.storage.readExportFile(region, Number(id))
        if (!zip) throw new HttpError(404, "not_found", `no export file ${id} for region ${region} (deleted after ${RETENTION_DAYS} days, or never published)`)
        // A published file never changes: its id is never reused.
        sendBytes(res, 200, zip, "application/zip", { "cache-control": "public, max-age=31536000, immutable" })
    }
}

export function publicKeyHandler(deps: DownloadDeps) {
    return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
        // The active key's fields as before; during a rotation `incoming` is the key files are also signed with.
        const keys = deps.publicKeys()
        sendJson(res, 200, keys.incoming ? { ...keys.info, incoming: keys.incoming } : keys.info, { "cache-control": "no-store" })
    }
}
