// Request bodies: read with a hard size limit (413 without buffering the excess) and parsed as JSON
// (400 with the parser's reason). Stops reading as soon as the limit is crossed.
import type { IncomingMessage } from "node:http"
import { HttpError, badRequest } from "./errors.js"

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
    const tooLarge = () => new HttpError(413, "body_too_large", `request body exceeds ${limitBytes} bytes`, { connection: "close" })
    const declared = Number(req.headers["content-length"])
    if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge()
    const chunks: Buffer[] = []
    let size = 0
    try {
        for await (const chunk of req as AsyncIterable<Buffer>) {
            size += chunk.length
            if (size > limitBytes) throw tooLarge()
            chunks.push(chunk)
        }
    } catch (err) {
        if (err instanceof HttpError) throw err
        // The client went away mid-body: not a server fault, and nobody is left to read the answer.
        throw badRequest("request_aborted", "the request body was not received completely")
    }
    return Buffer.concat(chunks)
}

export async function readJson(req: IncomingMessage, limitBytes: number): Promise<unknown> {
    const body = await readBody(req, limitBytes)
    if (body.length === 0) throw badRequest("malformed_json", "request body is empty; expected a JSON object")
    let text: string
    try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(body)
    } catch {
        throw badRequest("malformed_json", "request body is not valid UTF-8")
    }
    try {
        return JSON.parse(text)
    } catch (err) {
        throw badRequest("malformed_json", `request body is not valid JSON: ${(err as Error).message}`)
    }
}
