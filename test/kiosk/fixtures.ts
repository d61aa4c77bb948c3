// Test fixtures for the kiosk: encounter records synthesized as a token logs them (from real GAEN
// keys through lib/gaen), a kiosk data folder, and a small real HTTP proxy in front of the real
// server that can fail requests or alter what passes through (tampering, lost signatures).
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import { deriveDailyKeys, identifiersFor, generateTemporaryExposureKey, type TemporaryExposureKey } from "../../lib/gaen/index.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"

export const DAY_MS = 86_400_000
export const SCAN_PERIOD_SECONDS = 240

/** A positive person's key for the UTC day `daysAgo` days before `now`. */
export function keyOfDay(now: number, daysAgo: number): TemporaryExposureKey {
    const dayStartMs = (Math.floor(now / DAY_MS) - daysAgo) * DAY_MS
    return generateTemporaryExposureKey(dayStartMs / 600_000)
}

export interface ContactOptions {
    /** When the meeting began (ms) and how long it lasted. */
    startMs: number
    minutes: number
    /** RSSI the listener measured, dBm (per-scan strongest). */
    rssi: number
    txPower?: number
    scanPeriodSeconds?: number
    /** Shift every sighting by this many minutes: a replay of the identifiers at another time. */
    heardLaterByMinutes?: number
}

/**
 * What a listening token logs while near a person broadcasting `key`: the sender's RPI changes at
 * each 10-minute interval here, the listener scans every scan period, and each RPI's scans are
 * summed into one record (first/last seen in Unix minutes, scans, RSSI max/mean/min).
 */
export function contactRecords(key: TemporaryExposureKey, o: ContactOptions): EncounterRecord[] {
    const daily = deriveDailyKeys(key.keyData)
    const period = (o.scanPeriodSeconds ?? SCAN_PERIOD_SECONDS) * 1000
    const byInterval = new Map<number, EncounterRecord>()
    for (let t = o.startMs; t < o.startMs + o.minutes * 60_000; t += period) {
        const enin = Math.floor(t / 600_000)
        const heardAt = Math.floor(t / 60_000) + (o.heardLaterByMinutes ?? 0)
        let r = byInterval.get(enin)
        if (!r) {
            const { rpi, aem } = identifiersFor(daily, enin, o.txPower ?? -8)
            r = { rpi, aem, firstSeen: heardAt, lastSeen: heardAt, scans: 0, rssiMax: o.rssi, rssiMean: o.rssi, rssiMin: o.rssi }
            byInterval.set(enin, r)
        }
        r.lastSeen = heardAt
        r.scans++
    }
    return [...byInterval.values()]
}

/** Strangers' identifiers: records that match no published key. */
export function strangerRecords(count: number, aroundMs: number): EncounterRecord[] {
    return Array.from({ length: count }, (_, i) => {
        const minute = Math.floor(aroundMs / 60_000) + (i % 600)
        return { rpi: randomBytes(16), aem: randomBytes(4), firstSeen: minute, lastSeen: minute + 4, scans: 2, rssiMax: -70, rssiMean: -75, rssiMin: -80 }
    })
}

export function tempDir(prefix: string): { path: string; remove(): void } {
    const path = mkdtempSync(join(tmpdir(), prefix))
    return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

export interface ProxiedRequest {
    method: string
    path: string
    body: string
}

export interface ProxyBehaviour {
    /** Answer this many requests (of `failMethod`) with `failStatus` (or close the connection for 0) before passing any on. */
    failFirst?: number
    failStatus?: number
    failMethod?: string
    /** Rewrites an answer body on its way back (e.g. tamper with a zip). */
    alter?(path: string, body: Buffer): Buffer
}

/** A real HTTP proxy on 127.0.0.1 in front of `target`, rewriting list.json URLs to point at itself. */
export async function startProxy(target: string, behave: ProxyBehaviour = {}): Promise<{ url: string; requests: ProxiedRequest[]; close(): Promise<void> }> {
    const requests: ProxiedRequest[] = []
    let failuresLeft = behave.failFirst ?? 0
    let url = ""
    const server: Server = createServer(async (req: IncomingMessage, res) => {
        const chunks: Buffer[] = []
        for await (const c of req) chunks.push(c as Buffer)
        const body = Buffer.concat(chunks).toString("utf8")
        requests.push({ method: req.method ?? "", path: req.url ?? "", body })
        if (failuresLeft > 0 && (!behave.failMethod || behave.failMethod === req.method)) {
            failuresLeft--
            if (!behave.failStatus) { req.socket.destroy(); return }
            res.writeHead(behave.failStatus, { "content-type": "application/json" })
            res.end(JSON.stringify({ error: "internal_error", message: "injected failure" }))
            return
        }
        const headers: Record<string, string> = {}
        for (const h of ["content-type", "authorization", "x-api-key"]) if (req.headers[h]) headers[h] = String(req.headers[h])
        const answer = await fetch(target + req.url, { method: req.method, headers, body: body || undefined })
        let out: Buffer = Buffer.from(await answer.arrayBuffer())
        if ((req.url ?? "").endsWith("list.json")) out = Buffer.from(out.toString("utf8").split(target).join(url))
        if (behave.alter) out = behave.alter(req.url ?? "", out)
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/octet-stream" })
        res.end(out)
    })
    await new Promise<void>(r => server.listen(0, "127.0.0.1", () => r()))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return {
        url, requests,
        close: () => new Promise<void>(r => { server.close(() => r()); server.closeAllConnections() }),
    }
}
