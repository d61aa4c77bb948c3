// Writing responses. JSON everywhere except the export zips.
import type { ServerResponse } from "node:http"
import { HttpError } from "./errors.js"

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    sendJsonText(res, status, JSON.stringify(body), headers)
}

/** JSON that is already text: an answer stored for an idempotent replay goes out byte for byte. */
export function sendJsonText(res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
    const data = Buffer.from(json)
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": data.length, ...headers })
    res.end(data)
}

export function sendBytes(res: ServerResponse, status: number, data: Uint8Array, contentType: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": contentType, "content-length": data.length, ...headers })
    res.end(data)
}

export function sendError(res: ServerResponse, err: HttpError): void {
    sendJson(res, err.status, { error: err.code, message: err.message }, err.headers)
}
