// The browser's calls to the kiosk (kiosk/web/server.ts). The cookie set from the launch URL
// authorises them; every answer is JSON, errors as { error: { code, text, message } }.
import type { ErrorView, JobView, StatusView } from "../desk.js"
import type { DeskSettings } from "../../config.js"
import type { TokenPort } from "../../transport/ports.js"

export type SettingsView = DeskSettings & { apiKeySet: boolean; fingerprint?: string }
export interface DeskView {
    status?: StatusView
    job?: JobView
    settings: SettingsView
}

export class ApiError extends Error {
    constructor(readonly view: ErrorView) {
        super(view.message)
    }
}

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await fetch(path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
    })
    const json = await res.json().catch(() => ({ error: { code: "usage", text: { ja: "", en: "" }, message: `HTTP ${res.status}` } }))
    if (!res.ok || json.error) throw new ApiError(json.error)
    return json as T
}

export const api = {
    view: () => call<DeskView>("GET", "/api/view"),
    ports: () => call<{ ports: TokenPort[] }>("GET", "/api/ports"),
    connect: (address: string) => call("POST", "/api/connect", { address }),
    disconnect: () => call("POST", "/api/disconnect", {}),
    check: () => call("POST", "/api/check", {}),
    register: (input: { processingNumber: string; symptoms: "yes" | "no"; onset: string }) => call("POST", "/api/register", input),
    sendAgain: () => call("POST", "/api/register/again", {}),
    decommission: (input: Record<string, unknown>) => call("POST", "/api/decommission", input),
    handOut: (address: string) => call("POST", "/api/hand-out", { address }),
    dismiss: () => call("POST", "/api/dismiss", {}),
    saveSettings: (input: Record<string, unknown>) => call("POST", "/api/settings", input),
}
