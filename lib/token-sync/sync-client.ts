// Talks to one token's sync service (services/token-sync.md) over any jacdac-ts bus: the
// simulator's TCP bus or a USB serial connection. Used by the kiosk and by tests.
import jd, { type JDBus, type JDService, type Packet } from "../jacdac/jacdac-ts.js"
import {
    SRV_TOKEN_SYNC,
    TokenSyncAnswer,
    TokenSyncCmd,
    TokenSyncLayout as Layout,
    TokenSyncReg,
    TokenSyncSessionState,
    TokenSyncSetTimeOutcome,
    TokenSyncState,
    TokenSyncStoppedBy,
    loadProjectServiceSpecs,
} from "../jacdac/service-specs.js"
import { LINK_KEY_BYTES } from "../ble-link/protocol.js"
import { decodeRecord, type EncounterRecord } from "./records.js"
import { DigestLayout, digestAnswerState, digestArgument, parseDigestPage, type DigestEntry, type DigestPage } from "./log-digest.js"

export type { EncounterRecord } from "./records.js"
export type { DigestEntry } from "./log-digest.js"

export interface TokenStatus {
    firmwareVersion: string
    tokenId: string
    state: "active" | "time-not-set" | "stopped"
    /** Token clock, Unix seconds; 0 when not set. */
    clock: number
    lastDrift: number
    keysHeld: number
    recordsHeld: number
    storageUsed: number
    storageCapacity: number
    /** Mean seconds between the token's scans: exposure time ≈ scans × this. */
    scanPeriodSeconds: number
    /** Advertisements heard that were not GAEN or malformed (ignored, never logged). */
    ignoredAdvertisements: number
    /** Flash slots that failed their checksum and were skipped. */
    badRecords: number
}

/** Where a log read stands: resume from here after a lost connection. */
export interface LogCursor {
    seq: number
    slot: number
}

/** A wipe's read-back of the whole flash: bytesNotErased 0 is the proof that nothing is left. */
export interface WipeReadBack {
    sectorsErased: number
    bytesChecked: number
    bytesNotErased: number
}

export type DecommissionResult =
    /** `byOwner`: the owner stopped the token on the token itself (no kiosk asked). */
    | ({ state: "done"; byOwner: boolean } & WipeReadBack)
    /** `failed`: once an attempt's read-back found bytes left, how many attempts (since the token
     *  started) ended so, and the last read-back. The token keeps trying. */
    | { state: "erasing"; failed?: { attempts: number } & WipeReadBack }
    | { state: "waiting-for-button" | "not-requested" | "refused" }

export interface ExportedKey {
    keyData: Uint8Array
    rollingStartIntervalNumber: number
    rollingPeriod: number
}

export type ExportResult = { state: "ready"; keys: ExportedKey[] } | { state: "waiting-for-button" | "not-requested" | "refused" | "in-progress" }

export type LinkKeyAnswer = { state: "ready"; key: Buffer } | { state: Exclude<AnswerState, "ready"> }

/** Whether the owner's press has opened a session (services/token-sync.md). */
export type SessionState = "closed" | "waiting-for-button" | "open"

/** What set_time did: set, or nothing because the change needs the owner's press or is impossible. */
export interface SetTimeResult {
    /** Token minus kiosk, seconds (0 when nothing was set or the clock was not set). */
    drift: number
    outcome: "set" | "needs-press" | "refused"
}

/** The answer states every guarded command shares (services/token-sync.md `Answer`), as the host
 *  names them; `Answer.InProgress` has a name of its own for each command that has it. */
export type AnswerState = "ready" | "waiting-for-button" | "not-requested" | "refused"
const ANSWER_STATES: Record<number, AnswerState> = {
    [TokenSyncAnswer.Ready]: "ready",
    [TokenSyncAnswer.WaitingForButton]: "waiting-for-button",
    [TokenSyncAnswer.NotRequested]: "not-requested",
    [TokenSyncAnswer.Refused]: "refused",
}
function answerState<InProgress extends string = never>(code: number, inProgress?: InProgress): AnswerState | InProgress | undefined {
    return code === TokenSyncAnswer.InProgress ? inProgress : ANSWER_STATES[code]
}
const SET_TIME_OUTCOMES: Record<number, SetTimeResult["outcome"]> = {
    [TokenSyncSetTimeOutcome.Set]: "set",
    [TokenSyncSetTimeOutcome.NeedsPress]: "needs-press",
    [TokenSyncSetTimeOutcome.Refused]: "refused",
}
/** Real ms to wait for the first log page (the token commits what it still hears first). */
const FIRST_LOG_PAGE_TIMEOUT_MS = 15_000
/** Pages a kiosk asks for in one read_log: the most the token answers. */
const BURST_PAGES = Layout.MaxBurstPages
/**
 * Real ms to wait for the first page of a burst after the first, and for each next page, before
 * asking again or going on from the last page received. The token's runtime sends at most 50
 * packets a second (two per page: the flash read and the report), so a burst takes ~0.7 s on the
 * device; a kiosk on a loaded machine may see pages late. An unplugged token is found out after
 * 3 × NEXT_BURST_MS.
 */
const NEXT_BURST_MS = 4000
const BURST_GAP_MS = 2000

export class TokenSyncError extends Error {}

/** The token wants its owner's press first (no session open): nothing was read or changed. */
export class NeedsOwnerPress extends TokenSyncError {}

export class TokenSyncClient {
    private constructor(readonly service: JDService) {}

    /** Waits (real time) for a token's sync service on the bus. */
    static async find(bus: JDBus, timeoutMs = 20_000): Promise<TokenSyncClient> {
        loadProjectServiceSpecs()
        const deadline = Date.now() + timeoutMs
        for (;;) {
            const service = bus.services({ serviceClass: SRV_TOKEN_SYNC })[0]
            if (service) return new TokenSyncClient(service)
            if (Date.now() > deadline) throw new TokenSyncError("no token found: is it plugged in and running?")
            await new Promise(r => setTimeout(r, 25))
        }
    }

    private async readRegister(code: number) {
        const reg = this.service.register(code)
        for (let attempt = 0; attempt < 5; attempt++) {
            if (await reg.refresh()) return reg
        }
        throw new TokenSyncError(`token did not answer (register 0x${code.toString(16)})`)
    }

    /** Just the State register: one read, for a caller that needs nothing else of status(). */
    async state(): Promise<TokenStatus["state"]> {
        const state = (await this.readRegister(TokenSyncReg.State)).uintValue
        return state === TokenSyncState.Active ? "active" : state === TokenSyncState.Stopped ? "stopped" : "time-not-set"
    }

    /** Just the token's clock (Unix seconds, 0 while not set). */
    async clock(): Promise<number> {
        return (await this.readRegister(TokenSyncReg.Clock)).uintValue
    }

    async status(): Promise<TokenStatus> {
        const u = async (code: number) => (await this.readRegister(code)).uintValue
        const s = async (code: number) => (await this.readRegister(code)).stringValue
        const state = await this.state()
        return {
            firmwareVersion: await s(TokenSyncReg.FirmwareVersion),
            tokenId: await s(TokenSyncReg.TokenId),
            state,
            clock: await u(TokenSyncReg.Clock),
            lastDrift: (await this.readRegister(TokenSyncReg.LastDrift)).intValue,
            keysHeld: await u(TokenSyncReg.KeysHeld),
            recordsHeld: await u(TokenSyncReg.RecordsHeld),
            storageUsed: await u(TokenSyncReg.StorageUsed),
            storageCapacity: await u(TokenSyncReg.StorageCapacity),
            scanPeriodSeconds: await u(TokenSyncReg.ScanPeriod),
            ignoredAdvertisements: await u(TokenSyncReg.IgnoredAdvertisements),
            badRecords: await u(TokenSyncReg.BadRecords),
        }
    }

    private async command(cmd: number, data: Uint8Array = new Uint8Array(0), timeoutMs = 1000): Promise<Uint8Array> {
        for (let attempt = 0; attempt < 3; attempt++) {
            try {
                const reply = await this.service.sendCmdAwaitResponseAsync(jd.Packet.from(cmd, data), timeoutMs)
                if (reply) return reply.data
            } catch {
                // retried below
            }
        }
        throw new TokenSyncError(`token did not answer (command 0x${cmd.toString(16)})`)
    }

    /** Sets the token's clock; says whether it did and the drift it measured (token minus kiosk, seconds). */
    async setTime(unixSeconds: number): Promise<SetTimeResult> {
        const arg = Buffer.alloc(4)
        arg.writeUInt32LE(Math.max(0, Math.floor(unixSeconds)) >>> 0)
        const reply = Buffer.from(await this.command(TokenSyncCmd.SetTime, arg))
        const at = Layout.SetTimeAnswerBytes - 1
        const outcome = reply.length >= Layout.SetTimeAnswerBytes ? SET_TIME_OUTCOMES[reply[at]] : undefined
        if (!outcome) throw new TokenSyncError(`the token answered set_time with ${reply.length} bytes (outcome ${reply[at]})`)
        return { drift: reply.readInt32LE(0), outcome }
    }

    /** Asks the owner to press the token's button to open a session (30 s). False: stopped, or another request waits. */
    async requestSession(): Promise<boolean> {
        const reply = await this.command(TokenSyncCmd.RequestSession)
        return reply.length > 0 && reply[0] !== 0
    }

    async session(): Promise<SessionState> {
        const s = (await this.readRegister(TokenSyncReg.Session)).uintValue
        return s === TokenSyncSessionState.Open ? "open" : s === TokenSyncSessionState.WaitingForButton ? "waiting-for-button" : "closed"
    }

    /** Within a session: the latest time the token's log knows of (Unix seconds; 0 for an empty log or no session). */
    async newestRecordTime(): Promise<number> {
        return (await this.readRegister(TokenSyncReg.NewestRecord)).uintValue
    }

    /** Closes the session (and drops a confirmed export). Sent without waiting for an answer. */
    async endSession(): Promise<void> {
        // A lost end_session costs nothing: the token closes an idle session by itself.
        await this.service.sendCmdAsync(TokenSyncCmd.EndSession, undefined, true).catch(() => {})
    }

    /** Asks the owner to press the token's button (30 s). False: the token refused (time not set, stopped, another request waits). */
    async requestKeyExport(): Promise<boolean> {
        const reply = await this.command(TokenSyncCmd.RequestKeyExport)
        return reply[0] !== 0 && reply.length > 0
    }

    /** Reads the confirmed export, all pages. */
    async exportKeys(): Promise<ExportResult> {
        const keys: ExportedKey[] = []
        for (;;) {
            const arg = Buffer.alloc(2)
            arg.writeUInt16LE(keys.length)
            const page = Buffer.from(await this.command(TokenSyncCmd.ExportKeys, arg))
            const state = answerState(page[0], "in-progress" as const)
            if (!state) throw new TokenSyncError(`token answered an unknown export state ${page[0]}`)
            if (state !== "ready") return { state }
            const total = page[1]
            const count = Math.floor((page.length - Layout.KeyPageHeaderBytes) / Layout.KeyEntryBytes)
            for (let i = 0; i < count; i++) {
                const off = Layout.KeyPageHeaderBytes + i * Layout.KeyEntryBytes
                keys.push({
                    keyData: new Uint8Array(page.subarray(off, off + 16)),
                    rollingStartIntervalNumber: page.readUInt32LE(off + 16),
                    rollingPeriod: page[off + 20],
                })
            }
            if (keys.length >= total) return { state: "ready", keys }
            if (count === 0) throw new TokenSyncError(`token export ended after ${keys.length} of ${total} keys`)
        }
    }

    /** One page of the log from `cursor` (null: from the beginning): the single-page read every
     *  token firmware answers. */
    async readLogPage(cursor: LogCursor | null): Promise<LogPage> {
        // The first page takes longer: the token first writes what it is still hearing (up to 400 records).
        const page = Buffer.from(await this.command(TokenSyncCmd.ReadLog, cursorArgument(cursor), cursor ? 1000 : FIRST_LOG_PAGE_TIMEOUT_MS))
        return parseLogPage(page, Layout.PageHeaderBytes)
    }

    /**
     * Up to `pages` pages of the log from `cursor` on, asked for in one read_log (a burst: the
     * token answers with one report per page, services/token-sync.md). Only pages that follow on
     * from `cursor` without a gap are kept: a page lost on the way ends the burst early (the
     * caller goes on from the last page it got), and a late page of an earlier burst is ignored.
     * Throws when no page at all came back after a few tries.
     */
    async readLogBurst(cursor: LogCursor | null, pages: number): Promise<LogPage[]> {
        const arg = Buffer.concat([cursorArgument(cursor), Buffer.from([pages])])
        const start = cursor ?? BEGINNING
        for (let attempt = 0; attempt < 3; attempt++) {
            const got = await this.collectBurst(
                jd.Packet.from(TokenSyncCmd.ReadLog, arg),
                start,
                pages,
                cursor ? NEXT_BURST_MS : FIRST_LOG_PAGE_TIMEOUT_MS,
                parseBurstPage
            )
            if (got.length > 0) return got
        }
        throw new TokenSyncError("token did not answer (command 0x83, read_log)")
    }

    /**
     * Sends a burst request (read_log or read_log_digest) and gathers its pages until the last, or
     * until `gapMs` pass without one. Only pages that follow on from `start` are kept (a page that
     * says where it starts must start where the last one kept ended; null is the beginning).
     */
    private collectBurst<P extends BurstPage>(
        request: Packet,
        start: LogCursor,
        wanted: number,
        firstMs: number,
        parse: (data: Buffer, first: boolean) => P
    ): Promise<P[]> {
        return new Promise((resolve, reject) => {
            const got: P[] = []
            let expected = start
            let timer: ReturnType<typeof setTimeout> | undefined
            const finish = (error?: Error) => {
                clearTimeout(timer)
                this.service.off(jd.REPORT_RECEIVE, onReport)
                if (error) reject(error)
                else resolve(got)
            }
            const wait = (ms: number) => {
                clearTimeout(timer)
                timer = setTimeout(() => finish(), ms)
            }
            const onReport = (pkt: Packet) => {
                if (pkt.serviceCommand !== request.serviceCommand) return
                let page: P
                try {
                    page = parse(Buffer.from(pkt.data), got.length === 0)
                } catch (e) {
                    return finish(e as Error)
                }
                // A page of an earlier burst (answered late) does not start where this one stands.
                const from = page.from === null ? BEGINNING : page.from
                if (from && (from.seq !== expected.seq || from.slot !== expected.slot)) return
                got.push(page)
                expected = page.next
                if (page.done || !from || got.length >= wanted) finish()
                else wait(BURST_GAP_MS)
            }
            this.service.on(jd.REPORT_RECEIVE, onReport)
            wait(firstMs)
            // A send that fails (the connection is gone) is a burst without an answer.
            this.service.sendPacketAsync(request).catch(() => finish())
        })
    }

    /**
     * The whole encounter log, oldest first, read in bursts with a cursor: if the token stops
     * answering, the error carries the records read so far and the cursor to resume from
     * (`readLog({ resumeFrom })`), so an unplugged cable costs only the burst under way.
     */
    async readLog(opts: { onProgress?(read: number, total: number): void; resumeFrom?: LogReadProgress } = {}): Promise<EncounterRecord[]> {
        const total = (await this.readRegister(TokenSyncReg.RecordsHeld)).uintValue
        const records = opts.resumeFrom ? opts.resumeFrom.records.slice() : []
        let cursor: LogCursor | null = opts.resumeFrom?.cursor ?? null
        for (;;) {
            let pages
            try {
                pages = await this.readLogBurst(cursor, BURST_PAGES)
            } catch (e) {
                if (e instanceof NeedsOwnerPress) throw e
                throw new LogReadInterrupted(records, cursor, e as Error)
            }
            for (const page of pages) {
                records.push(...page.records)
                cursor = page.next
            }
            opts.onProgress?.(records.length, Math.max(total, records.length))
            if (pages[pages.length - 1].done) return records
        }
    }

    /**
     * The most digest entries per page this host takes (0: as many as the token puts in a Jacdac
     * report). A Bluetooth host sets it so that each sealed page fits one radio value
     * (kiosk/transport/connect.ts).
     */
    digestEntriesPerPage = 0

    /** Up to `pages` digest pages from `cursor` on (null: the beginning), in one read_log_digest:
     *  kept as readLogBurst keeps read_log's pages. */
    async readLogDigestBurst(cursor: LogCursor | null, pages: number): Promise<DigestPage[]> {
        const arg = digestArgument(cursor, pages, this.digestEntriesPerPage)
        for (let attempt = 0; attempt < 3; attempt++) {
            const got = await this.collectBurst(
                jd.Packet.from(DigestLayout.Command, arg),
                cursor ?? BEGINNING,
                pages,
                cursor ? NEXT_BURST_MS : FIRST_LOG_PAGE_TIMEOUT_MS,
                parseDigestAnswer
            )
            if (got.length > 0) return got
        }
        throw new TokenSyncError(`token did not answer (command 0x${DigestLayout.Command.toString(16)}, read_log_digest)`)
    }

    /**
     * The first phase of a counter check: the digest of the whole log (each record's cursor and RPI
     * prefix, services/token-sync.md read_log_digest), oldest first, read in bursts with a cursor. If
     * the token stops answering, the error (LogDigestInterrupted) carries what was read and the
     * cursor to resume from (`resumeFrom`): no entry is read twice or lost.
     */
    async readLogDigest(
        opts: {
            onProgress?(read: number, total: number): void
            resumeFrom?: DigestReadProgress
            /** The records the token holds (records_held), if the caller has read it; read here otherwise. */
            total?: number
            /** After each burst: the entries read so far (the same array, grown), so the caller can
             *  work on them while the rest is read (kiosk/matching/candidates.ts CandidatePipeline). */
            onEntries?(entries: readonly DigestEntry[]): void
        } = {}
    ): Promise<DigestEntry[]> {
        const total = opts.total ?? (await this.readRegister(TokenSyncReg.RecordsHeld)).uintValue
        const entries = opts.resumeFrom ? opts.resumeFrom.entries.slice() : []
        let cursor: LogCursor | null = opts.resumeFrom?.cursor ?? null
        for (;;) {
            let pages
            try {
                pages = await this.readLogDigestBurst(cursor, BURST_PAGES)
            } catch (e) {
                if (e instanceof NeedsOwnerPress) throw e
                throw new LogDigestInterrupted(entries, cursor, e as Error)
            }
            for (const page of pages) {
                entries.push(...page.entries)
                cursor = page.next
            }
            opts.onEntries?.(entries)
            opts.onProgress?.(entries.length, Math.max(total, entries.length))
            if (pages[pages.length - 1].done) return entries
        }
    }

    /**
     * The record a digest entry names, read whole with read_log from the entry's cursor (one page,
     * which starts at that slot). Undefined when that slot no longer holds it: the page's first
     * record is the slot's only if its RPI starts with the entry's prefix (a record that expired
     * since the digest is gone, and the page then starts with a later one).
     */
    async readRecordAt(entry: DigestEntry): Promise<EncounterRecord | undefined> {
        const first = (await this.readLogPage(entry.at)).records[0]
        return first && startsWith(first.rpi, entry.prefix) ? first : undefined
    }

    /**
     * The second phase of a counter check: the whole records of the candidates (digest entries, in
     * log order), one read_log page each. If the token stops answering, the error
     * (CandidateReadInterrupted) carries the records kept and how many candidates are done: pass it
     * back as `resumeFrom` and each candidate is read once.
     */
    async readCandidateRecords(
        candidates: readonly DigestEntry[],
        opts: { onProgress?(done: number, total: number): void; resumeFrom?: CandidateReadProgress } = {}
    ): Promise<EncounterRecord[]> {
        const records = opts.resumeFrom ? opts.resumeFrom.records.slice() : []
        for (let done = opts.resumeFrom?.done ?? 0; done < candidates.length; done++) {
            let record
            try {
                record = await this.readRecordAt(candidates[done])
            } catch (e) {
                if (e instanceof NeedsOwnerPress) throw e
                throw new CandidateReadInterrupted(records, done, candidates.length, e as Error)
            }
            if (record) records.push(record)
            opts.onProgress?.(done + 1, candidates.length)
        }
        return records
    }

    /** Asks the owner to confirm handing out the token's Bluetooth link key (30 s), over USB only.
     *  False: it was handed out before, the token is stopped, or another request waits. */
    async requestLinkKey(): Promise<boolean> {
        const reply = await this.command(TokenSyncCmd.RequestLinkKey)
        return reply.length > 0 && reply[0] !== 0
    }

    /** The link key after the owner's press (once in the token's life), or where the hand-out stands. */
    async handOutLinkKey(): Promise<LinkKeyAnswer> {
        const page = Buffer.from(await this.command(TokenSyncCmd.HandOutLinkKey))
        const state = answerState(page[0])
        if (!state) throw new TokenSyncError(`the token answered an unknown hand-out state ${page[0]}`)
        if (state !== "ready") return { state }
        if (page.length !== 1 + LINK_KEY_BYTES)
            throw new TokenSyncError(`the token's Bluetooth key came incomplete: ${page.length - 1} of ${LINK_KEY_BYTES} bytes`)
        return { state, key: page.subarray(1) }
    }

    /** Asks the owner to confirm the end of use with the button (30 s). False: already stopped. */
    async requestDecommission(): Promise<boolean> {
        const reply = await this.command(TokenSyncCmd.RequestDecommission)
        return reply.length > 0 && reply[0] !== 0
    }

    /** The decommission's state, and once done the proof of erasure read back from flash. */
    async decommission(): Promise<DecommissionResult> {
        const r = Buffer.from(await this.command(TokenSyncCmd.Decommission))
        const state = answerState(r[0], "erasing" as const)
        if (!state) throw new TokenSyncError(`token answered an unknown decommission state ${r[0]}`)
        if (state === "ready") {
            if (r.length < Layout.WipeProofAnswerBytes) throw new TokenSyncError("the token's proof of erasure is incomplete")
            return { state: "done", byOwner: r[Layout.WipeProofAnswerBytes - 1] === TokenSyncStoppedBy.Owner, ...readBackAt(r, 1) }
        }
        if (state === "erasing" && r.length > 1) {
            if (r.length < Layout.WipeFailedAnswerBytes)
                throw new TokenSyncError(`the token's failed erase read-back is ${r.length} bytes, not ${Layout.WipeFailedAnswerBytes}`)
            return { state, failed: { attempts: r.readUInt32LE(1), ...readBackAt(r, 5) } }
        }
        return { state }
    }
}

/** The three u32 of a wipe's read-back at `at` (services/token-sync.md, decommission). */
function readBackAt(r: Buffer, at: number): WipeReadBack {
    return { sectorsErased: r.readUInt32LE(at), bytesChecked: r.readUInt32LE(at + 4), bytesNotErased: r.readUInt32LE(at + 8) }
}

/** The cursor of the log's beginning as a burst page states it (all zeros). */
const BEGINNING: LogCursor = { seq: 0, slot: 0 }

/** What collectBurst needs of a page: where it starts (undefined: a single page that does not say;
 *  null: the beginning), where the next starts, and whether the log ends after it. */
interface BurstPage {
    from?: LogCursor | null
    next: LogCursor
    done: boolean
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
    return prefix.every((b, i) => bytes[i] === b)
}

/** A read_log_digest answer: a page, or the owner's press wanted, or a refusal. */
function parseDigestAnswer(page: Buffer): DigestPage {
    const state = digestAnswerState(page)
    if (state === "needs-press") throw new NeedsOwnerPress("the token hands out its log only after its owner's press (no session open)")
    if (state === "refused")
        throw new TokenSyncError(`the token refused to hand out its log digest (state ${page[0]}: stopped, or an argument it does not take)`)
    try {
        return parseDigestPage(page)
    } catch (e) {
        throw new TokenSyncError((e as Error).message)
    }
}

/** One page of the log: its records and the cursor after them. */
export interface LogPage {
    records: EncounterRecord[]
    next: LogCursor
    done: boolean
    /** Where a burst's page starts (a single page does not say). */
    from?: LogCursor
}

function cursorArgument(cursor: LogCursor | null): Buffer {
    const arg = Buffer.alloc(cursor ? Layout.CursorBytes : 0)
    if (cursor) {
        arg.writeUInt32LE(cursor.seq, 0)
        arg.writeUInt16LE(cursor.slot, 4)
    }
    return arg
}

/** A page of a burst; as the first answer, also a single page (a token before bursts answers one). */
function parseBurstPage(page: Buffer, first: boolean): LogPage {
    const single = first && page.length >= Layout.PageHeaderBytes && page.length === Layout.PageHeaderBytes + page[1] * Layout.RecordBytes
    return parseLogPage(page, single ? Layout.PageHeaderBytes : Layout.BurstPageHeaderBytes)
}

function parseLogPage(page: Buffer, header: number): LogPage {
    const state = page.length >= 1 ? answerState(page[0]) : undefined
    if (state === "waiting-for-button" || state === "not-requested")
        throw new NeedsOwnerPress("the token hands out its log only after its owner's press (no session open)")
    if (state !== "ready") throw new TokenSyncError("the token refused to hand out its log (it is stopped)")
    if (page.length < header) throw new TokenSyncError(`the token answered a log page of ${page.length} bytes`)
    const count = page[1]
    if (page.length !== header + count * Layout.RecordBytes)
        throw new TokenSyncError(`the token's log page says ${count} records but holds ${page.length - header} bytes`)
    const records: EncounterRecord[] = []
    for (let i = 0; i < count; i++) records.push(decodeRecord(page.subarray(header + i * Layout.RecordBytes, header + (i + 1) * Layout.RecordBytes)))
    const cursorAt = (at: number) => ({ seq: page.readUInt32LE(at), slot: page.readUInt16LE(at + 4) })
    return { records, next: cursorAt(3), done: page[2] === 1, from: header === Layout.BurstPageHeaderBytes ? cursorAt(Layout.PageHeaderBytes) : undefined }
}

/** What a log read got before it was interrupted: pass it back as `resumeFrom`. */
export interface LogReadProgress {
    records: EncounterRecord[]
    cursor: LogCursor | null
}

export class LogReadInterrupted extends TokenSyncError implements LogReadProgress {
    constructor(
        readonly records: EncounterRecord[],
        readonly cursor: LogCursor | null,
        readonly cause: Error
    ) {
        super(`reading the token's log stopped after ${records.length} records: ${cause.message}`)
    }
}

/** What a digest read got before it was interrupted: pass it back as `resumeFrom`. */
export interface DigestReadProgress {
    entries: DigestEntry[]
    cursor: LogCursor | null
}

export class LogDigestInterrupted extends TokenSyncError implements DigestReadProgress {
    constructor(
        readonly entries: DigestEntry[],
        readonly cursor: LogCursor | null,
        readonly cause: Error
    ) {
        super(`reading the token's log digest stopped after ${entries.length} records: ${cause.message}`)
    }
}

/** How far the reading of the candidates' records got: `done` candidates, `records` kept of them. */
export interface CandidateReadProgress {
    records: EncounterRecord[]
    done: number
}

export class CandidateReadInterrupted extends TokenSyncError implements CandidateReadProgress {
    constructor(
        readonly records: EncounterRecord[],
        readonly done: number,
        readonly total: number,
        readonly cause: Error
    ) {
        super(`reading the candidates' records stopped after ${done} of ${total}: ${cause.message}`)
    }
}
