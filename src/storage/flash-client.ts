// Flash over Jacdac: the client side of the "NOR Flash" service (services/flash.md), served by the
// native server on ESP32 and by sim/hardware/flash-server.ts in the simulator.
// One request at a time; every request carries a fresh tag that its report echoes, and is retried
// on timeout or `busy` (all three commands are idempotent, so a retry never does harm).
import * as ds from "@devicescript/core"
import { Flash, FlashGeometry } from "./flash"
import { Mutex } from "./mutex"
import { sendAndAwaitReport } from "../hardware/command-report"

/** How long to wait for a report before retrying, ms (an erase may take 400 ms on ESP32). */
const REPLY_TIMEOUT_MS = 500
const ERASE_REPLY_TIMEOUT_MS = 2000
const ATTEMPTS = 4
const BUSY_PAUSE_MS = 20

const STATUS_NAMES = ["ok", "out of range", "too long", "busy", "hardware error", "power lost"]

export class FlashClient implements Flash {
    private geo: FlashGeometry
    private tag = 0
    private readonly lock = new Mutex()

    constructor(private readonly service: ds.NorFlash = new ds.NorFlash()) {}

    async geometry() {
        if (!this.geo) {
            this.geo = {
                sectorSize: await this.service.sectorSize.read(),
                sectorCount: await this.service.sectorCount.read(),
                maxTransfer: await this.service.maxTransfer.read(),
            }
        }
        return this.geo
    }

    async read(offset: number, length: number) {
        const g = await this.geometry()
        const out = Buffer.alloc(length)
        for (let done = 0; done < length; ) {
            const n = Math.min(g.maxTransfer, length - done)
            const req = Buffer.alloc(8)
            req.setAt(2, "u16", n)
            req.setAt(4, "u32", offset + done)
            const report = await this.request(ds.NorFlashCodes.CmdRead, req, REPLY_TIMEOUT_MS)
            if (report.length !== 8 + n) throw new Error("flash: short read")
            out.blitAt(done, report, 8, n)
            done += n
        }
        return out
    }

    async program(offset: number, data: Buffer) {
        const g = await this.geometry()
        for (let done = 0; done < data.length; ) {
            const n = Math.min(g.maxTransfer, data.length - done)
            const req = Buffer.alloc(8 + n)
            req.setAt(4, "u32", offset + done)
            req.blitAt(8, data, done, n)
            await this.request(ds.NorFlashCodes.CmdProgram, req, REPLY_TIMEOUT_MS)
            done += n
        }
    }

    async eraseSector(sector: number) {
        const req = Buffer.alloc(8)
        req.setAt(4, "u32", sector)
        await this.request(ds.NorFlashCodes.CmdEraseSector, req, ERASE_REPLY_TIMEOUT_MS)
    }

    /** Sends `payload` (bytes 0..1 get the tag) and returns the report payload once its status is ok. */
    private async request(code: number, payload: Buffer, timeoutMs: number): Promise<Buffer> {
        await this.lock.lock()
        try {
            for (let attempt = 1; ; attempt++) {
                const reply = await this.attempt(code, payload, timeoutMs)
                const status = reply ? reply[2] : -1
                if (status === ds.NorFlashStatus.Ok) return reply
                const retry = status === -1 || status === ds.NorFlashStatus.Busy
                if (!retry || attempt >= ATTEMPTS)
                    throw new Error(`flash: command ${code} failed: ${status < 0 ? "no reply" : STATUS_NAMES[status] || status}`)
                await ds.sleep(BUSY_PAUSE_MS)
            }
        } finally {
            this.lock.unlock()
        }
    }

    /** One try with a fresh tag: the report payload, or undefined after `timeoutMs`. */
    private async attempt(code: number, payload: Buffer, timeoutMs: number): Promise<Buffer> {
        this.tag = (this.tag + 1) & 0xffff
        const tag = this.tag
        payload.setAt(0, "u16", tag)
        return await sendAndAwaitReport(this.service, code, payload, timeoutMs, r => r.length >= 8 && r.getAt(0, "u16") === tag)
    }
}
