// A tiny router: exact or regex paths, per-method handlers, 404 for unknown paths and 405 (with
// Allow) for a wrong method. Any thrown HttpError becomes its JSON answer; anything else is logged
// and becomes a 500, so one bad request never takes the server down.
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpError } from "./errors.js"
import { sendError } from "./respond.js"

export type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>

interface Route {
    pattern: string | RegExp
    methods: Record<string, Handler>
}

export class Router {
    private readonly routes: Route[] = []

    constructor(private readonly log: (msg: string) => void = msg => console.error(msg)) {}

    on(pattern: string | RegExp, methods: Record<string, Handler>): this {
        this.routes.push({ pattern, methods })
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
        try {
            const path = new URL(req.url ?? "/", "http://x").pathname
            const found = this.match(path)
            if (!found) throw new HttpError(404, "not_found", `no such resource: ${path}`)
            const method = req.method === "HEAD" ? "GET" : req.method ?? ""
            const handler = found.route.methods[method]
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
                this.log(`internal error on ${req.method} ${req.url}: ${(err as Error).stack ?? err}`)
                sendError(res, new HttpError(500, "internal_error", "the server could not process the request; nothing was stored"))
            }
        }
    }
}
