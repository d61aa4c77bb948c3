// `npm run kiosk -- serve`: the web app for staff at the counter, on loopback only. A per-launch
// secret in the printed URL is swapped for a SameSite=Strict, HttpOnly cookie on first load (and the
// URL cleaned), and every other request must carry that cookie and come with a loopback Host, so
// other local programs and web pages (DNS rebinding included) cannot drive the kiosk.
// Nothing is logged; the API answers JSON and holds nothing about a person beyond the desk's memory.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { randomBytes, timingSafeEqual } from "node:crypto"
import { KioskError } from "../errors.js"
import { listTokenPorts, type TokenPort } from "../transport/ports.js"
import { KioskDesk, errorView, type DeskOptions } from "./desk.js"
import { buildWebAssets } from "./bundle.js"
import { isLoopbackHost } from "../../lib/net/loopback.js"

export interface WebAppOptions extends DeskOptions {
    port?: number
    /** Serial ports to offer (tests); default: the OS's list, filtered to token-like ports. */
    listPorts?: () => Promise<TokenPort[]>
}

export interface WebApp {
    /** Open this in the browser (carries the per-launch secret). */
    url: string
    port: number
    desk: KioskDesk
    close(): Promise<void>
}

const COOKIE = "gaen_kiosk"
const BODY_LIMIT = 64 * 1024

export async function startWebApp(o: WebAppOptions): Promise<WebApp> {
    const assets = await buildWebAssets()
    const secret = randomBytes(24).toString("base64url")
    const desk = new KioskDesk(o)
    const listPorts = o.listPorts ?? listTokenPorts
    let port = 0

    const authorised = (req: IncomingMessage) => {
        const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`).exec(req.headers.cookie ?? "")
        return !!m && same(m[1], secret)
    }

    const api: Record<string, (body: any) => Promise<unknown> | unknown> = {
        "GET /api/view": () => ({ ...desk.view(), settings: desk.settingsView() }),
        "GET /api/ports": async () => ({ ports: await listPorts() }),
        "POST /api/connect": async b => {
            await desk.connect(String(b.address ?? "").trim())
            return {}
        },
        "POST /api/disconnect": async () => {
            await desk.disconnect()
            return {}
        },
        "POST /api/check": () => {
            desk.startCheck()
            return {}
        },
        "POST /api/register": b => {
            desk.startRegister(b)
            return {}
        },
        "POST /api/register/again": () => {
            desk.sendAgain()
            return {}
        },
        "POST /api/decommission": b => {
            desk.startDecommission(b)
            return {}
        },
        "POST /api/hand-out": async b => {
            await desk.startHandOut(String(b.address ?? "").trim())
            return {}
        },
        "POST /api/dismiss": () => {
            desk.dismiss()
            return {}
        },
        "POST /api/settings": b => {
            desk.saveSettings(b)
            return {}
        },
    }

    const server = createServer(async (req, res) => {
        try {
            // Only a loopback Host: a page on another name that resolves to 127.0.0.1 gets nothing.
            const host = (req.headers.host ?? "").replace(/:\d+$/, "")
            if (!isLoopbackHost(host)) return send(res, 421, "text/plain", "wrong host")
            const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`)
            if (req.method === "GET" && url.pathname === "/") {
                const key = url.searchParams.get("key")
                if (key !== null) {
                    if (!same(key, secret)) return send(res, 403, "text/plain", "wrong key: use the URL printed by the kiosk")
                    // The secret becomes a cookie and leaves the address bar (and the history) at once.
                    res.setHeader("set-cookie", `${COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/`)
                    res.writeHead(303, { location: "/", "cache-control": "no-store" })
                    return res.end()
                }
            }
            if (url.pathname === "/favicon.ico") {
                res.writeHead(204)
                return res.end()
            }
            if (!authorised(req)) return send(res, 403, "text/plain", "open the URL printed by the kiosk (npm run kiosk -- serve)")
            if (req.method === "GET" && url.pathname === "/") return send(res, 200, "text/html; charset=utf-8", assets.html)
            if (req.method === "GET" && url.pathname === "/app.js") return send(res, 200, "text/javascript; charset=utf-8", assets.js)
            if (req.method === "GET" && url.pathname === "/app.css") return send(res, 200, "text/css; charset=utf-8", assets.css)
            // The hand-out's printable pages: plain documents, no script.
            if (req.method === "GET" && url.pathname === "/handout/sheet")
                return send(res, 200, "text/html; charset=utf-8", desk.ownerSheet(url.searchParams.get("lang") === "en" ? "en" : "ja"), DOCUMENT_CSP)
            if (req.method === "GET" && url.pathname === "/handout/sticker") {
                const page = desk.stickerPage()
                return page ? send(res, 200, "text/html; charset=utf-8", page, DOCUMENT_CSP) : send(res, 404, "text/plain", "no token has just been handed out")
            }
            const handler = api[`${req.method} ${url.pathname}`]
            if (!handler) return send(res, 404, "text/plain", "not found")
            const body = req.method === "POST" ? await readJson(req) : {}
            try {
                return sendJson(res, 200, await handler(body))
            } catch (e) {
                return sendJson(res, e instanceof KioskError ? 400 : 500, { error: errorView(e) })
            }
        } catch (e) {
            return sendJson(res, 400, { error: errorView(e) })
        }
    })
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject)
        server.listen(o.port ?? 0, "127.0.0.1", () => resolve())
    })
    port = (server.address() as AddressInfo).port
    return {
        url: `http://127.0.0.1:${port}/?key=${secret}`,
        port,
        desk,
        close: async () => {
            await desk.close()
            server.closeAllConnections()
            await new Promise<void>(r => server.close(() => r()))
        },
    }
}

function same(a: string, b: string): boolean {
    const x = Buffer.from(a),
        y = Buffer.from(b)
    return x.length === y.length && timingSafeEqual(x, y)
}

/** Everything comes from this server; nothing from elsewhere, no framing by other pages. */
const APP_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
/** A printable page (the owner's sheet, the sticker): its own inline styles and SVG, no script at all. */
const DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

function send(res: ServerResponse, status: number, type: string, body: string, csp = APP_CSP): void {
    res.writeHead(status, {
        "content-type": type,
        "cache-control": "no-store",
        "content-security-policy": csp,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
    })
    res.end(body)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
    send(res, status, "application/json; charset=utf-8", JSON.stringify(body))
}

async function readJson(req: IncomingMessage): Promise<any> {
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) throw new KioskError("usage", "requests must be JSON (content-type: application/json)")
    let size = 0
    const chunks: Buffer[] = []
    for await (const c of req) {
        size += c.length
        if (size > BODY_LIMIT) throw new KioskError("usage", `request body over ${BODY_LIMIT} bytes`)
        chunks.push(c)
    }
    try {
        const v = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}")
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object")
        return v
    } catch (e) {
        throw new KioskError("usage", `request body is not a JSON object (${(e as Error).message})`)
    }
}
