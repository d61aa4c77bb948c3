// Flash over Jacdac: the client side of the "NOR Flash" service (services/flash.md), served by the
// native server on ESP32 and by sim/hardware/flash-server.ts in the simulator.
// One request at a time; every request carries a fresh tag that its report echoes, and is retried
// on timeout or `busy`. read, erase_sector, destroy, row_states and read_rows are idempotent; a
// program retried after its first attempt did land is refused with `not_erased`, which the client
// then checks by reading the rows back (see program). read_rows is answered in several parts
// (services/flash.md): the client takes the parts of its own request only (by tag) and asks again for
// the rows of parts that did not come.
import * as ds from "@devicescript/core"
import { Flash, FlashGeometry, RowState, RowsRead } from "./flash"
import { MAX_ROWS_PER_REQUEST, ROW_SIZE } from "./layout"
import { Mutex } from "./mutex"
import { sendAndAwaitReport } from "../hardware/command-report"

/** How long to wait for a report before retrying, ms (an erase may take 400 ms on ESP32). */
const REPLY_TIMEOUT_MS = 500
const ERASE_REPLY_TIMEOUT_MS = 2000
const ATTEMPTS = 4
const BUSY_PAUSE_MS = 20

const STATUS_NAMES = ["ok", "out of range", "too long", "busy", "hardware error", "power lost", "unaligned", "not erased"]
/** Status `not_erased` (services/flash.md): a program's target row was not erased; flash unchanged. */
const STATUS_NOT_ERASED = 7
/** Commands of the service's encrypted-flash rules (services/flash.md), by code. */
const CMD_DESTROY = 0x83
const CMD_ROW_STATES = 0x84
const CMD_READ_ROWS = 0x85
/** read_rows' report: tag u16, status u8, part u8, states u16 (2 bits per row), then the rows. */
const PART_HEADER = 6

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
                // The service's row_size register is 32 on every chip (services/flash.md).
                rowSize: ROW_SIZE,
            }
        }
        return this.geo
    }

    async read(offset: number, length: number) {
        const g = await this.geometry()
        const out = Buffer.alloc(length)
        for (let done = 0; done < length;) {
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

    /** Programs whole rows into erased rows (max_transfer is whole rows: 224 = 7 × 32). */
    async program(offset: number, data: Buffer) {
        const g = await this.geometry()
        const step = g.maxTransfer - (g.maxTransfer % g.rowSize)
        for (let done = 0; done < data.length;) {
            const n = Math.min(step, data.length - done)
            const req = Buffer.alloc(8 + n)
            req.setAt(4, "u32", offset + done)
            req.blitAt(8, data, done, n)
            const reply = await this.request(ds.NorFlashCodes.CmdProgram, req, REPLY_TIMEOUT_MS, STATUS_NOT_ERASED)
            // `not_erased` after a retry is the first attempt's success when the rows read back as
            // the data (its report was lost); anything else is a real refusal.
            if (reply[2] === STATUS_NOT_ERASED && !(await this.holds(offset + done, data, done, n)))
                throw new Error(`flash: command ${ds.NorFlashCodes.CmdProgram} failed: not erased`)
            done += n
        }
    }

    async destroy(offset: number, rows: number) {
        const g = await this.geometry()
        for (let done = 0; done < rows;) {
            const n = Math.min(MAX_ROWS_PER_REQUEST, rows - done)
            const req = Buffer.alloc(8)
            req.setAt(2, "u16", n)
            req.setAt(4, "u32", offset + done * g.rowSize)
            await this.request(CMD_DESTROY, req, REPLY_TIMEOUT_MS)
            done += n
        }
    }

    /** One byte per row (RowState), decoded from the report's 2 bits per row. */
    async rowStates(offset: number, rows: number) {
        const g = await this.geometry()
        const out = Buffer.alloc(rows)
        for (let done = 0; done < rows;) {
            const n = Math.min(MAX_ROWS_PER_REQUEST, rows - done)
            const req = Buffer.alloc(8)
            req.setAt(2, "u16", n)
            req.setAt(4, "u32", offset + done * g.rowSize)
            const report = await this.request(CMD_ROW_STATES, req, REPLY_TIMEOUT_MS)
            if (report.length < 8 + ((n + 3) >> 2)) throw new Error("flash: short row_states report")
            for (let i = 0; i < n; ++i) {
                const state = (report[8 + (i >> 2)] >> (2 * (i & 3))) & 3
                out[done + i] = state > RowState.Written ? RowState.Written : state
            }
            done += n
        }
        return out
    }

    /**
     * States and bytes of `rows` rows (1 … 128) from row-aligned `offset`: one read_rows. Its parts
     * are kept as they came (the rows' bytes stay in the reports: no large buffer). Parts that do not
     * come within the timeout are asked for again (the run from the first missing part to the last,
     * with a new tag: a late part of an earlier request is never taken).
     */
    async readRows(offset: number, rows: number): Promise<RowsRead> {
        const g = await this.geometry()
        if (!(rows >= 1 && rows <= MAX_ROWS_PER_REQUEST)) throw new Error(`flash: command ${CMD_READ_ROWS} failed: unaligned (${rows} rows)`)
        const perPart = Math.idiv(g.maxTransfer, g.rowSize)
        const out: RowsRead = { states: Buffer.alloc(rows), pieces: [], rowsPerPiece: perPart, pieceHeader: PART_HEADER }
        await this.lock.lock()
        try {
            await this.readRowsRun(offset, rows, out)
        } finally {
            this.lock.unlock()
        }
        return out
    }

    /** One read_rows of `rows` rows (≤ 128) into `out` from row `at`; retries what did not come. */
    private async readRowsRun(offset: number, rows: number, out: RowsRead) {
        const g = await this.geometry()
        const perPart = Math.idiv(g.maxTransfer, g.rowSize)
        const parts = Math.idiv(rows + perPart - 1, perPart)
        const got = Buffer.alloc(parts)
        let missingFrom = 0
        let missingTo = parts
        for (let fruitless = 0; ;) {
            // Ask for the parts missingFrom … missingTo − 1 of the run; the answer's part p is the run's missingFrom + p.
            const firstRow = missingFrom * perPart
            const askRows = Math.min(rows, missingTo * perPart) - firstRow
            const status = await this.askRows(offset + firstRow * g.rowSize, askRows, perPart, (part, states, data) => {
                const p = missingFrom + part
                if (p >= missingTo || got[p]) return
                const first = p * perPart
                const n = Math.min(perPart, rows - first)
                if (data.length !== PART_HEADER + n * g.rowSize) return
                for (let j = 0; j < n; ++j) {
                    const state = (states >> (2 * j)) & 3
                    out.states[first + j] = state > RowState.Written ? RowState.Written : state
                }
                out.pieces[p] = data
                got[p] = 1
            })
            const before = missingTo - missingFrom
            while (missingFrom < parts && got[missingFrom]) missingFrom++
            while (missingTo > missingFrom && got[missingTo - 1]) missingTo--
            if (missingFrom >= missingTo) return
            if (status >= 0 && status !== ds.NorFlashStatus.Ok && status !== ds.NorFlashStatus.Busy)
                throw new Error(`flash: command ${CMD_READ_ROWS} failed: ${STATUS_NAMES[status] || status}`)
            if (missingTo - missingFrom < before && status !== ds.NorFlashStatus.Busy) fruitless = 0
            else if (++fruitless >= ATTEMPTS) throw new Error(`flash: command ${CMD_READ_ROWS} failed: ${status < 0 ? "no reply" : STATUS_NAMES[status]}`)
            else await ds.sleep(BUSY_PAUSE_MS)
        }
    }

    /**
     * Sends one read_rows with a fresh tag and hands each part of it to `take` (part number, states,
     * the report) until `parts` have come, a refusal came, or the timeout passed since the last one.
     * Returns the status (ok, or the refusal's), or -1 when nothing came at all.
     */
    private async askRows(offset: number, rows: number, perPart: number, take: (part: number, states: number, report: Buffer) => void): Promise<number> {
        this.tag = (this.tag + 1) & 0xffff
        const tag = this.tag
        const expected = Math.idiv(rows + perPart - 1, perPart)
        const req = Buffer.alloc(8)
        req.setAt(0, "u16", tag)
        req.setAt(2, "u16", rows)
        req.setAt(4, "u32", offset)
        const fiber = ds.Fiber.self()
        let status = -1
        let arrived = 0
        let finished = false
        const unsubscribe = this.service.report().subscribe(pkt => {
            const r = pkt.payload
            if (finished || pkt.serviceCommand !== CMD_READ_ROWS || r.length < PART_HEADER || r.getAt(0, "u16") !== tag) return
            status = r[2]
            if (status === ds.NorFlashStatus.Ok) {
                take(r[3], r.getAt(4, "u16"), r)
                arrived++
            }
            if (status !== ds.NorFlashStatus.Ok || arrived >= expected) {
                finished = true
                if (fiber.suspended) fiber.resume(undefined)
            }
        })
        try {
            await this.service.sendCommand(CMD_READ_ROWS, req)
            // Wait while parts keep coming: the timeout counts from the latest one.
            for (let seen = -1; !finished && seen !== arrived;) {
                seen = arrived
                await ds.suspend(REPLY_TIMEOUT_MS)
            }
        } finally {
            finished = true
            unsubscribe()
        }
        return status
    }

    async eraseSector(sector: number) {
        const req = Buffer.alloc(8)
        req.setAt(4, "u32", sector)
        await this.request(ds.NorFlashCodes.CmdEraseSector, req, ERASE_REPLY_TIMEOUT_MS)
    }

    /** True when the `n` bytes at flash `offset` read back as `data` from `from`. */
    private async holds(offset: number, data: Buffer, from: number, n: number) {
        const back = await this.read(offset, n)
        for (let i = 0; i < n; ++i) if (back[i] !== data[from + i]) return false
        return true
    }

    /**
     * Sends `payload` (bytes 0..1 get the tag) and returns the report payload once its status is ok
     * (or is `acceptAfterRetry` on a retry: the caller decides what it means).
     */
    private async request(code: number, payload: Buffer, timeoutMs: number, acceptAfterRetry = -2): Promise<Buffer> {
        await this.lock.lock()
        try {
            for (let attempt = 1; ; attempt++) {
                const reply = await this.attempt(code, payload, timeoutMs)
                const status = reply ? reply[2] : -1
                if (status === ds.NorFlashStatus.Ok || (attempt > 1 && status === acceptAfterRetry)) return reply
                const retry = status === -1 || status === ds.NorFlashStatus.Busy
                if (!retry || attempt >= ATTEMPTS) throw new Error(`flash: command ${code} failed: ${status < 0 ? "no reply" : STATUS_NAMES[status] || status}`)
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
