// Test fixtures for the kiosk: a kiosk data folder, and a small real HTTP proxy in front of the real
// server that can fail requests or alter what passes through (tampering, lost signatures). The
// encounter records the kiosk reads are synthesized in testkit/encounter-records.ts.
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

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
            if (!behave.failStatus) {
                req.socket.destroy()
                return
            }
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
        url,
        requests,
        close: () =>
            new Promise<void>(r => {
                server.close(() => r())
                server.closeAllConnections()
            }),
    }
}
