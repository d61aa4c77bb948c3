// A privacy-safe /metrics in Prometheus text format (hand-written: a few counters and gauges do not
// need a library). Labels are route, method, status and outcome only: never a kiosk, a region's
// single upload, a processing number or a time finer than the scrape.
import type { Storage } from "../storage/storage.js"

type Labels = Record<string, string>

const labelText = (labels: Labels) => {
    const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    return parts.length ? `{${parts.join(",")}}` : ""
}

class Counter {
    private readonly values = new Map<string, number>()
    constructor(
        readonly name: string,
        readonly help: string
    ) {}
    inc(labels: Labels = {}, by = 1): void {
        const key = labelText(labels)
        this.values.set(key, (this.values.get(key) ?? 0) + by)
    }
    render(): string {
        const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
        for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${value}`)
        return lines.join("\n")
    }
}

export class ServerMetrics {
    readonly httpRequests = new Counter("gaen_http_requests_total", "HTTP requests answered, by route, method and status.")
    readonly publishRuns = new Counter("gaen_publish_runs_total", "Publishing runs by result (ok, failed).")
    private lastPublishOk = 0
    private readonly started = Date.now()

    publishSucceeded(at: number): void {
        this.publishRuns.inc({ result: "ok" })
        this.lastPublishOk = at
    }

    /** The text for GET /metrics; gauges are read from storage at scrape time. */
    async render(storage: Storage, state: { endOfService: boolean }): Promise<string> {
        const keys = await storage.countKeys()
        const gauge = (name: string, help: string, value: number) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}`
        return (
            [
                this.httpRequests.render(),
                this.publishRuns.render(),
                gauge("gaen_keys", "Diagnosis keys kept (within the 14-day retention).", keys.total),
                gauge("gaen_keys_unpublished", "Keys waiting for a publishing run (not yet released, or since the last run).", keys.unpublished),
                gauge(
                    "gaen_last_publish_success_seconds",
                    "Unix time of the last successful publishing run in this process (0: none yet).",
                    Math.floor(this.lastPublishOk / 1000)
                ),
                gauge("gaen_end_of_service", "1 once end of service was declared.", state.endOfService ? 1 : 0),
                gauge("gaen_process_start_seconds", "Unix time this server process started.", Math.floor(this.started / 1000)),
            ].join("\n") + "\n"
        )
    }
}
