// A token's log as rows of sectors, and the read_log_digest and single-page read_log answers a token
// gives from it (services/token-sync.md), built the way the firmware builds them: a second, small
// implementation of the digest's wire format to test the kiosk's two-phase reader and matcher
// against (kiosk/matching/candidates.ts, lib/token-sync/log-digest.ts), without a token.
// LogModelTokenServer serves them on an in-process Jacdac bus, with a cable that can be pulled.
import { EN_INTERVAL_SECONDS, RETENTION_DAYS } from "../lib/gaen/index.js"
import jd, { type JDBus, type Packet } from "../lib/jacdac/jacdac-ts.js"
import {
    SRV_TOKEN_SYNC,
    TokenSyncAnswer,
    TokenSyncCmd,
    TokenSyncLayout,
    TokenSyncReg,
    TokenSyncSessionState,
    loadProjectServiceSpecs,
} from "../lib/jacdac/service-specs.js"
import { DigestLayout } from "../lib/token-sync/log-digest.js"
import { encodeRecord, type EncounterRecord } from "../lib/token-sync/records.js"
import type { LogCursor } from "../lib/token-sync/sync-client.js"
import { RECORDS_PER_SECTOR } from "./log-flash-image.js"

/** A row of a log sector: a record, or a row that holds none (a torn append, a destroyed record). */
export type LogRow = EncounterRecord | "torn" | "destroyed"

export interface LogSector {
    seq: number
    rows: LogRow[]
}

const MINUTES_PER_INTERVAL = EN_INTERVAL_SECONDS / 60
const RETENTION_MINUTES = RETENTION_DAYS * 1440
const intervalOf = (minute: number) => Math.floor(minute / MINUTES_PER_INTERVAL)

/** Records oldest first into sectors of 127 rows, sequence numbers from `firstSeq` on. */
export function sectorsOf(rows: readonly LogRow[], firstSeq = 0): LogSector[] {
    const sectors: LogSector[] = []
    for (let at = 0; at < rows.length; at += RECORDS_PER_SECTOR) sectors.push({ seq: firstSeq + sectors.length, rows: rows.slice(at, at + RECORDS_PER_SECTOR) })
    return sectors
}

/** The records a full read hands out at `nowMinute` (Unix minutes): rows holding a record last seen
 *  within the 14 days, in log order. */
export function recordsHandedOut(log: readonly LogSector[], nowMinute: number): EncounterRecord[] {
    return log.flatMap(s => s.rows.filter((r): r is EncounterRecord => isHandedOut(r, nowMinute)))
}

function isHandedOut(row: LogRow, nowMinute: number): row is EncounterRecord {
    return typeof row !== "string" && row.lastSeen > nowMinute - RETENTION_MINUTES
}

/** Where a read from `cursor` starts: the cursor's sector at its slot, or the next sector at slot 0. */
function startOf(log: readonly LogSector[], cursor: LogCursor): { sector: number; slot: number } {
    const sector = log.findIndex(s => s.seq >= cursor.seq)
    if (sector < 0) return { sector: log.length, slot: 0 }
    return { sector, slot: log[sector].seq === cursor.seq ? cursor.slot : 0 }
}

const cursorBytes = (page: Buffer, at: number, c: LogCursor) => {
    page.writeUInt32LE(c.seq, at)
    page.writeUInt16LE(c.slot, at + 4)
}

/**
 * read_log_digest's pages from `cursor` (null: the beginning), as services/token-sync.md describes
 * them: each page holds records of the sector its `from` cursor names, oldest slot first, and ends at
 * the sector's end (next: the following sector's start; the last sector's end: its used slots, and
 * the log ends), at `maxEntries` (0: as many as fit), or before a record that would make its span
 * exceed 12 intervals. A page from a sector no longer in the log holds nothing and points at the
 * first sector after it.
 */
export function digestPages(log: readonly LogSector[], cursor: LogCursor | null, pages: number, maxEntries: number, nowMinute: number): Buffer[] {
    const perPage = maxEntries === 0 ? DigestLayout.MaxEntriesPerPage : Math.min(maxEntries, DigestLayout.MaxEntriesPerPage)
    const out: Buffer[] = []
    let from: LogCursor = cursor ?? { seq: 0, slot: 0 }
    while (out.length < Math.max(1, Math.min(TokenSyncLayout.MaxBurstPages, pages))) {
        const page = digestPage(log, from, perPage, nowMinute)
        out.push(page.bytes)
        if (page.done) break
        from = page.next
    }
    return out
}

function digestPage(log: readonly LogSector[], from: LogCursor, perPage: number, nowMinute: number): { bytes: Buffer; next: LogCursor; done: boolean } {
    const L = DigestLayout
    const entries: { slot: number; rpi: Uint8Array; interval: number }[] = []
    let next = from
    let done = false
    const sector = log.findIndex(s => s.seq === from.seq)
    if (sector < 0) {
        // A cursor from before a wipe (past the next sequence number) starts again at the first sector.
        const stale = log.length > 0 && from.seq > log[log.length - 1].seq + 1
        const following = stale ? log[0] : log.find(s => s.seq > from.seq)
        if (following) next = { seq: following.seq, slot: 0 }
        else done = true
    } else {
        const rows = log[sector].rows
        let slot = from.slot
        let ended = false
        for (; slot < rows.length; slot++) {
            const row = rows[slot]
            if (!isHandedOut(row, nowMinute)) continue
            const interval = intervalOf(row.firstSeen)
            const all = [...entries.map(e => e.interval), interval]
            if (entries.length === perPage || Math.max(...all) - Math.min(...all) > L.MaxSpanIntervals) {
                ended = true
                break
            }
            entries.push({ slot, rpi: row.rpi, interval })
        }
        if (ended) next = { seq: log[sector].seq, slot }
        else if (sector + 1 < log.length) next = { seq: log[sector + 1].seq, slot: 0 }
        else {
            next = { seq: log[sector].seq, slot: rows.length }
            done = true
        }
    }
    const first = entries.length ? Math.min(...entries.map(e => e.interval)) : 0
    const bytes = Buffer.alloc(L.PageHeaderBytes + entries.length * L.EntryBytes)
    bytes[0] = TokenSyncAnswer.Ready
    bytes[1] = entries.length
    bytes[2] = done ? 1 : 0
    cursorBytes(bytes, 3, next)
    cursorBytes(bytes, 9, from)
    bytes.writeUInt32LE(first, 15)
    bytes[19] = entries.length ? Math.max(...entries.map(e => e.interval)) - first : 0
    entries.forEach((e, i) => {
        bytes[L.PageHeaderBytes + i * L.EntryBytes] = e.slot
        bytes.set(e.rpi.subarray(0, L.EntryBytes - 1), L.PageHeaderBytes + i * L.EntryBytes + 1)
    })
    return { bytes, next, done }
}

/** read_log's single page from `cursor`: up to 7 records, across sectors, as the token reads them. */
export function logPage(log: readonly LogSector[], cursor: LogCursor, nowMinute: number): Buffer {
    let { sector, slot } = startOf(log, cursor)
    const records: EncounterRecord[] = []
    for (; sector < log.length && records.length < TokenSyncLayout.RecordsPerPage; sector++, slot = 0) {
        const rows = log[sector].rows
        for (; slot < rows.length && records.length < TokenSyncLayout.RecordsPerPage; slot++) {
            const row = rows[slot]
            if (isHandedOut(row, nowMinute)) records.push(row)
        }
        if (records.length === TokenSyncLayout.RecordsPerPage) break
    }
    const at = Math.min(sector, log.length - 1)
    const next: LogCursor = log.length ? { seq: log[at].seq, slot: sector < log.length ? slot : log[at].rows.length } : cursor
    const page = Buffer.alloc(TokenSyncLayout.PageHeaderBytes + records.length * TokenSyncLayout.RecordBytes)
    page[0] = TokenSyncAnswer.Ready
    page[1] = records.length
    page[2] = sector >= log.length - 1 && next.slot >= (log[at]?.rows.length ?? 0) ? 1 : 0
    cursorBytes(page, 3, next)
    records.forEach((r, i) => encodeRecord(r).copy(page, TokenSyncLayout.PageHeaderBytes + i * TokenSyncLayout.RecordBytes))
    return page
}

/**
 * The token-sync service answering records_held, session (open), read_log_digest and read_log's
 * single page from a LogSector model, on an in-process bus (`bus`, found by TokenSyncClient.find).
 * `unplug()` makes it answer nothing (a pulled cable) until `plugIn()`; `unplugAfter(n)` pulls the
 * cable once n more pages have gone out (mid-burst too). `answered` counts the log commands answered and the digest entries sent.
 */
export class LogModelTokenServer extends jd.JDServiceServer {
    readonly bus: JDBus
    answered = { digest: 0, readLog: 0, digestEntriesSent: 0 }
    private plugged = true
    private answersLeft = Infinity

    constructor(
        readonly log: LogSector[],
        private readonly nowMinute: number
    ) {
        loadProjectServiceSpecs()
        super(SRV_TOKEN_SYNC)
        this.addRegister<[number]>(TokenSyncReg.RecordsHeld, [recordsHandedOut(log, nowMinute).length])
        this.addRegister<[number]>(TokenSyncReg.Session, [TokenSyncSessionState.Open])
        this.addCommand(DigestLayout.Command, pkt => this.answer(pkt, () => this.digest(pkt.data)))
        this.addCommand(TokenSyncCmd.ReadLog, pkt => this.answer(pkt, () => [logPage(this.log, cursorOf(pkt.data), this.nowMinute)]))
        this.bus = new jd.JDBus([], { client: false, disableRoleManager: true })
        this.bus.addServiceProvider(new jd.JDServerServiceProvider("log-model-token", [this]))
    }

    unplug() {
        this.plugged = false
    }
    plugIn() {
        this.plugged = true
        this.answersLeft = Infinity
    }
    unplugAfter(commands: number) {
        this.answersLeft = commands
    }

    private digest(arg: Uint8Array): Buffer[] {
        this.answered.digest++
        const hasCursor = arg.length === TokenSyncLayout.CursorBytes + 2
        if (!hasCursor && arg.length !== 2) return [Buffer.from([TokenSyncAnswer.Refused])]
        return digestPages(this.log, hasCursor ? cursorOf(arg) : null, arg[arg.length - 2], arg[arg.length - 1], this.nowMinute)
    }

    private answer(pkt: Packet, pages: () => Buffer[]) {
        if (!this.plugged) return
        if (pkt.serviceCommand === TokenSyncCmd.ReadLog) this.answered.readLog++
        for (const page of pages()) {
            if (this.answersLeft-- <= 0) return void (this.plugged = false)
            if (pkt.serviceCommand === DigestLayout.Command && page[0] === TokenSyncAnswer.Ready) this.answered.digestEntriesSent += page[1]
            void this.sendPacketAsync(jd.Packet.from(pkt.serviceCommand, page))
        }
    }
}

function cursorOf(arg: Uint8Array): LogCursor {
    const b = Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength)
    return b.length >= TokenSyncLayout.CursorBytes ? { seq: b.readUInt32LE(0), slot: b.readUInt16LE(4) } : { seq: 0, slot: 0 }
}
