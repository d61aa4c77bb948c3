// Structured logs: one JSON line per event with time and level (pino), for journald or any log
// shipper. What is logged is events and counts only: never a processing number, a key, an API key,
// a request body or a client address (the server writes no access log).
import pino from "pino"

export type LogLevel = "info" | "warn" | "error"
export type Log = (message: string, level?: LogLevel, fields?: Record<string, string | number | boolean>) => void

/** A logger writing JSON lines to stderr (stdout stays for the commands' own output). */
export function jsonLog(): Log {
    const logger = pino({ base: { service: "gaen-server" }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2))
    return (message, level = "info", fields = {}) => logger[level](fields, message)
}
