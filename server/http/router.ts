// A tiny router: exact or regex paths, per-method handlers, 404 for unknown paths and 405 (with
// Allow) for a wrong method. Any thrown HttpError becomes its JSON answer; anything else is logged
// and becomes a 500, so one bad request never takes the server down.
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpError } from "./errors.js"
import { sendError } from "./respond.js"
import type { Log } from "../operations/logger.js"

export type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>

interface Route {
    pattern: string | RegExp
    methods: Record<string, Handler>
    /** The label in metrics (a path pattern, never a concrete id). */
    name: string
}

/** Called once per answered request, for metrics. */
export type Observe = (route: string, method: string, status: number) => void

const KNOWN_METHODS = new Set(["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"])

export class Router {
    private readonly routes: Route[] = []

    constructor(
        private readonly log: Log = msg => console.error(msg),
        private readonly observe: Observe = () => undefined
    ) {}

    on(pattern: string | RegExp, methods: Record<string, Handler>, name = String(pattern)): this {
        this.routes.push({ pattern, methods, name })
        return this
    }

    private match(path: string): { route: Route; params: string[] } | undefined {
        for (const route of this.routes) {
            if (typeof route.pattern === "string") {
                if (route.pattern === path) return { route, params: [] }
            } else {
                const m = route.pattern.exec(path)
                if (m) return { route, params: m.slice(1) }
            }
        }
        return undefined
    }

    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        let path = "/"
        try {
            path = new URL(req.url ?? "/", "http://x").pathname
        } catch {
            // An unparsable target is answered 404 below.
        }
        const found = this.match(path)
        // Known methods only, so a client cannot grow the metrics without bound.
        const method = KNOWN_METHODS.has(req.method ?? "") ? req.method! : "other"
        res.once("finish", () => this.observe(found?.route.name ?? "unknown", method, res.statusCode))
        try {
            if (!found) throw new HttpError(404, "not_found", `no such resource: ${path}`)
            const handler = found.route.methods[req.method === "HEAD" ? "GET" : (req.method ?? "")]
            if (!handler) {
                const allow = Object.keys(found.route.methods).join(", ")
                throw new HttpError(405, "method_not_allowed", `${req.method} is not allowed here; use ${allow}`, { allow })
            }
            await handler(req, res, found.params)
        } catch (err) {
            if (res.headersSent) {
                res.destroy()
                return
            }
            if (err instanceof HttpError) {
                sendError(res, err)
            } else {
                // The path only: no query string, no body, no client address.
                this.log(`internal error: ${(err as Error).stack ?? err}`, "error", { method: req.method ?? "", path })
                sendError(res, new HttpError(500, "internal_error", "the server could not process the request; nothing was stored"))
            }
        }
    }
}
