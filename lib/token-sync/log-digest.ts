// The log digest (services/token-sync.md, read_log_digest): the first phase of a counter check. The
// token sends, for each record of its log, only its slot and the first 4 bytes of its RPI, grouped in
// pages of one log sector whose first-seen times lie within 2 hours; the kiosk finds the candidates
// among them (kiosk/matching/candidates.ts) and reads only the candidates' whole records (read_log
// from each candidate's cursor). The host's one parser of the digest page.
import { TokenSyncAnswer, TokenSyncCmd, TokenSyncLayout } from "../jacdac/service-specs.js"
import type { LogCursor } from "./sync-client.js"

/** The digest's numbers, as generated from services/token-sync.md (the token has the same). */
export const DigestLayout = {
    Command: TokenSyncCmd.ReadLogDigest,
    PageHeaderBytes: TokenSyncLayout.DigestPageHeaderBytes,
    EntryBytes: TokenSyncLayout.DigestEntryBytes,
    MaxSpanIntervals: TokenSyncLayout.DigestMaxSpanIntervals,
    MaxEntriesPerPage: TokenSyncLayout.MaxDigestEntriesPerPage,
} as const

/** How many bytes of an RPI the digest carries. */
export const DIGEST_PREFIX_BYTES = DigestLayout.EntryBytes - 1

/** One record as the digest names it: where it lies (for read_log) and its RPI's first bytes. */
export interface DigestEntry {
    /** The record's cursor: its sector's sequence number and its slot there. */
    at: LogCursor
    prefix: Uint8Array
    /** The EN intervals (10 minutes) in which the first sightings of the page's records lie: the
     *  record's own first sighting is somewhere in [firstInterval, lastInterval]. */
    firstInterval: number
    lastInterval: number
}

/** One digest page: a run of records of one log sector and the cursors around it. */
export interface DigestPage {
    entries: DigestEntry[]
    next: LogCursor
    done: boolean
    /** Where the page starts: the request's cursor for a burst's first page (null: the beginning). */
    from: LogCursor | null
}

export class DigestFormatError extends Error {}

/** read_log_digest's argument: the cursor (none: the beginning), the pages wanted, the most
 *  entries per page this host takes (0: as many as fit in a Jacdac report). */
export function digestArgument(cursor: LogCursor | null, pages: number, maxEntries: number): Buffer {
    const arg = Buffer.alloc((cursor ? TokenSyncLayout.CursorBytes : 0) + 2)
    if (cursor) {
        arg.writeUInt32LE(cursor.seq, 0)
        arg.writeUInt16LE(cursor.slot, 4)
    }
    arg[arg.length - 2] = pages
    arg[arg.length - 1] = maxEntries
    return arg
}

/** Entries that fit in a page of at most `bytes` bytes (the token's own limit included). */
export function digestEntriesWithin(bytes: number): number {
    return Math.max(1, Math.min(DigestLayout.MaxEntriesPerPage, Math.floor((bytes - DigestLayout.PageHeaderBytes) / DigestLayout.EntryBytes)))
}

const cursorAt = (page: Buffer, at: number): LogCursor => ({ seq: page.readUInt32LE(at), slot: page.readUInt16LE(at + 4) })

/**
 * Parses one page. The state byte must say ready (the caller turns the others into the owner's
 * press or a refusal first: `digestAnswerState`). Throws DigestFormatError naming what is wrong.
 * The page's entries are in the sector its `from` cursor names (all zeros: sector 0, slot 0), at
 * slots from the cursor's on.
 */
export function parseDigestPage(page: Buffer): DigestPage {
    const L = DigestLayout
    if (page.length < L.PageHeaderBytes) throw new DigestFormatError(`the token answered a digest page of ${page.length} bytes`)
    const count = page[1]
    if (page.length !== L.PageHeaderBytes + count * L.EntryBytes)
        throw new DigestFormatError(`the token's digest page says ${count} entries but holds ${page.length - L.PageHeaderBytes} bytes`)
    if (count > L.MaxEntriesPerPage) throw new DigestFormatError(`the token's digest page holds ${count} entries, more than ${L.MaxEntriesPerPage}`)
    const next = cursorAt(page, 3)
    const start = cursorAt(page, 9)
    const firstInterval = page.readUInt32LE(15)
    const span = page[19]
    if (span > L.MaxSpanIntervals) throw new DigestFormatError(`the token's digest page spans ${span} intervals, more than ${L.MaxSpanIntervals}`)
    const entries: DigestEntry[] = []
    let lastSlot = start.slot - 1
    for (let i = 0; i < count; i++) {
        const at = L.PageHeaderBytes + i * L.EntryBytes
        const slot = page[at]
        if (slot <= lastSlot) throw new DigestFormatError(`the token's digest page names slot ${slot} after slot ${lastSlot} (it starts at slot ${start.slot})`)
        if (next.seq === start.seq && slot >= next.slot)
            throw new DigestFormatError(`the token's digest page names slot ${slot}, at or after its next cursor's slot ${next.slot}`)
        lastSlot = slot
        entries.push({
            at: { seq: start.seq, slot },
            prefix: new Uint8Array(page.subarray(at + 1, at + L.EntryBytes)),
            firstInterval,
            lastInterval: firstInterval + span,
        })
    }
    return { entries, next, done: page[2] === 1, from: start.seq === 0 && start.slot === 0 ? null : start }
}

/** The page's state byte as an answer: ready, or why not. */
export function digestAnswerState(page: Buffer): "ready" | "needs-press" | "refused" {
    if (page.length >= 1 && page[0] === TokenSyncAnswer.Ready) return "ready"
    if (page.length >= 1 && (page[0] === TokenSyncAnswer.WaitingForButton || page[0] === TokenSyncAnswer.NotRequested)) return "needs-press"
    return "refused"
}
