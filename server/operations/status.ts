// GET /healthz (for load balancers and systemd watchdogs: the database answers) and GET /v1/status
// (for kiosks: is the programme running, or has it ended and until when are keys published).
import type { IncomingMessage, ServerResponse } from "node:http"
import { sendJson } from "../http/respond.js"
import type { Storage } from "../storage/storage.js"
import { RETENTION_DAYS } from "../../lib/gaen/index.js"
import { DAY_MS } from "../protocol.js"

export interface ServiceStatus {
    status: "running" | "end_of_service"
    /** Unix ms; set once end of service was declared. */
    endOfServiceAt?: number
    /** Unix ms after which no key uploaded before the end is still within its 14 days: publishing ends. */
    lastKeysExpireAt?: number
}

export async function serviceStatus(storage: Storage): Promise<ServiceStatus> {
    const at = await storage.endOfServiceAt()
    if (at === undefined) return { status: "running" }
    // A key uploaded just before the end can be from that day; it stays relevant 14 days more.
    return { status: "end_of_service", endOfServiceAt: at, lastKeysExpireAt: (Math.floor(at / DAY_MS) + RETENTION_DAYS + 1) * DAY_MS }
}

export function healthHandler(storage: Storage) {
    return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
        try {
            await storage.countKeys()
        } catch (err) {
            sendJson(res, 503, { status: "unhealthy", reason: `database: ${(err as Error).message}` }, { "cache-control": "no-store" })
            return
        }
        sendJson(res, 200, { status: "ok" }, { "cache-control": "no-store" })
    }
}

export function statusHandler(storage: Storage) {
    return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
        sendJson(res, 200, await serviceStatus(storage), { "cache-control": "public, max-age=60" })
    }
}
