// The token sync service (services/token-sync.md): what a kiosk sees and does over USB.
// Handlers never throw: an uncaught exception in a DeviceScript server restarts the program and
// would lose RAM state, so every failure becomes an error answer, and nothing a host sends can
// restart the token.
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { TEK_BYTES, TemporaryExposureKey, enIntervalNumber } from "../gaen"
import { DIGEST_ENTRY_BYTES, LogCursor, LOG_START } from "../storage/contact-log"
import { WipeReport } from "../storage/flash"
import { OwnerButton } from "./owner-button"
import { CONFIRM_WINDOW_MS, HOST_USB, OwnerPresence, PURPOSE_DECOMMISSION, PURPOSE_EXPORT, PURPOSE_LINK_KEY, PURPOSE_NONE, PURPOSE_SESSION } from "./presence"
import { Token } from "../token"
import { LinkKeyHandOut } from "../link/hand-out"
import { LATEST_USABLE_UNIX, freeAdjustSeconds } from "../time/clock-guard"
import { EARLIEST_VALID_UNIX } from "../time/wall-clock"
import { OwnerWithdrawal } from "./withdrawal"

export const FIRMWARE_VERSION = "0.5.0"

// The answer codes and sizes are services/token-sync.md's, generated into @devicescript/core.
const Answer = ds.TokenSyncAnswer
const Layout = ds.TokenSyncLayout
const StoppedBy = ds.TokenSyncStoppedBy
/** A Jacdac report carries at most 236 bytes. */
const MAX_REPORT = 236
const KEYS_PER_PAGE = Math.idiv(MAX_REPORT - Layout.KeyPageHeaderBytes, Layout.KeyEntryBytes)

export class TokenSyncServer extends Server implements ds.TokenSyncServerSpec {
    private readonly presence = new OwnerPresence()
    /** The confirmed export: readable only within the session the press opened. */
    private exported: TemporaryExposureKey[] = undefined
    /** Pressed for an export, keys not released yet: the kiosk hears "in progress", not "not pressed". */
    private releasing = false
    private readonly linkKeyHandOut: LinkKeyHandOut
    /** The owner's own withdrawal: a long hold, then one press (withdrawal.ts). */
    private readonly withdrawal: OwnerWithdrawal

    constructor(
        private readonly token: Token,
        button: OwnerButton
    ) {
        super(ds.TokenSync.spec)
        this.linkKeyHandOut = new LinkKeyHandOut(token.linkKeys)
        const self = this
        this.withdrawal = new OwnerWithdrawal(token)
        button.onPress(async () => {
            await self.onButton()
        })
        button.onRelease(async () => {
            await self.withdrawal.released()
        })
    }

    firmwareVersion() {
        return FIRMWARE_VERSION
    }
    tokenId() {
        return this.token.id
    }
    state() {
        if (this.token.isStopped()) return ds.TokenSyncState.Stopped
        return this.token.clock.isSet() ? ds.TokenSyncState.Active : ds.TokenSyncState.TimeNotSet
    }
    clock() {
        return this.token.clock.nowOrZero()
    }
    lastDrift() {
        return this.token.clock.lastDrift
    }
    keysHeld() {
        return this.token.keys.count()
    }
    async recordsHeld() {
        return await this.token.recordsHeld()
    }
    storageUsed() {
        return this.token.logStats().bytesUsed
    }
    storageCapacity() {
        return this.token.logStats().bytesCapacity
    }
    scanPeriod() {
        return this.token.scanPeriodSeconds()
    }
    ignoredAdvertisements() {
        return this.token.tracker.ignoredTotal
    }
    badRecords() {
        return this.token.logStats().badRecords
    }
    session() {
        if (this.presence.sessionOpen()) return ds.TokenSyncSessionState.Open
        return this.presence.isWaiting() ? ds.TokenSyncSessionState.WaitingForButton : ds.TokenSyncSessionState.Closed
    }
    newestRecord() {
        return this.newestRecordFor(HOST_USB)
    }
    /** Only within the session of the host asking (the registers reveal no contact time otherwise). */
    newestRecordFor(host: number) {
        return this.presence.use(host) ? this.token.storage.log.latestMinute() * 60 : 0
    }

    async setTime(unixTime: number): Promise<Buffer> {
        return await this.setTimeFrom(unixTime, HOST_USB)
    }

    /** set_time from `host` (services/token-sync.md): a pressed set only within that host's session. */
    async setTimeFrom(unixTime: number, host: number): Promise<Buffer> {
        const answer = (drift: number, outcome: number) => {
            const out = Buffer.alloc(Layout.SetTimeAnswerBytes)
            out.setAt(0, "i32", drift)
            out[Layout.SetTimeAnswerBytes - 1] = outcome
            return out
        }
        try {
            if (typeof unixTime !== "number" || !(unixTime >= EARLIEST_VALID_UNIX && unixTime <= LATEST_USABLE_UNIX))
                return answer(0, ds.TokenSyncSetTimeOutcome.Refused)
            // Within the host's session the owner's press stands behind the time: it is the anchor.
            const pressed = this.presence.use(host)
            if (!pressed && !this.mayChangeClockUnpressed(unixTime)) return answer(0, ds.TokenSyncSetTimeOutcome.NeedsPress)
            return answer(await this.token.setTime(unixTime, pressed || !this.token.clock.isSet()), ds.TokenSyncSetTimeOutcome.Set)
        } catch (e) {
            console.log(`sync: set_time refused: ${e}`)
            return answer(0, ds.TokenSyncSetTimeOutcome.Refused)
        }
    }

    /** The clock guard (src/time/clock-guard.ts): a time within the bound of the anchor's
     *  projection; without an anchor, only the first time of a token that holds nothing. The answer
     *  depends on the anchor and on whether anything is held, never on the log's times. */
    private mayChangeClockUnpressed(unixTime: number): boolean {
        const clock = this.token.clock
        if (clock.hasAnchor()) return Math.abs(unixTime - clock.anchorNow()) <= freeAdjustSeconds(clock.secondsSinceAnchor())
        return !this.token.holdsAnything()
    }

    requestSession() {
        return this.requestSessionFrom(HOST_USB)
    }
    requestSessionFrom(host: number) {
        if (this.token.isStopped()) return false
        return this.askOwner(PURPOSE_SESSION, host)
    }

    endSession() {
        this.endSessionOf(HOST_USB)
    }
    /** `host` ends its own session; another host's session stays open. */
    endSessionOf(host: number) {
        this.presence.endSession(host)
        this.dropIfSessionClosed()
    }

    /** The connection of `host` ended (the Bluetooth link closed): its session and request go. */
    hostGone(host: number) {
        this.presence.hostGone(host)
        this.dropIfSessionClosed()
        if (!this.presence.isWaiting()) this.token.showWaitingForButton(false)
    }

    /** What a session held (a confirmed export, a confirmed hand-out, the digest's kept rows) goes with it. */
    private dropIfSessionClosed() {
        if (this.presence.sessionOpen()) return
        this.exported = undefined
        this.linkKeyHandOut.drop()
        this.token.storage.log.forgetDigestRows()
    }

    requestKeyExport() {
        return this.requestKeyExportFrom(HOST_USB)
    }
    requestKeyExportFrom(host: number) {
        if (!this.token.clock.isSet() || this.token.isStopped()) return false
        if (!this.askOwner(PURPOSE_EXPORT, host)) return false
        this.exported = undefined
        return true
    }

    requestDecommission() {
        return this.requestDecommissionFrom(HOST_USB)
    }
    requestDecommissionFrom(host: number) {
        if (this.token.isStopped()) return false
        return this.askOwner(PURPOSE_DECOMMISSION, host)
    }

    /** Asks for the press; the light blinks for exactly the window (unless pressed or asked again). */
    private askOwner(purpose: number, host: number): boolean {
        if (!this.presence.request(purpose, host)) return false
        this.token.showWaitingForButton(true)
        const self = this
        setTimeout(() => {
            if (!self.presence.isWaiting()) self.token.showWaitingForButton(false)
        }, CONFIRM_WINDOW_MS + 100)
        return true
    }

    private async onButton() {
        const purpose = this.presence.confirm()
        this.withdrawal.pressed(purpose !== PURPOSE_NONE)
        if (purpose === PURPOSE_NONE) return
        this.token.showWaitingForButton(false)
        if (purpose === PURPOSE_EXPORT) {
            this.releasing = true
            try {
                this.exported = await this.token.keys.releaseForExport(enIntervalNumber(this.token.clock.now()))
                this.token.beacon.requestRotation()
            } catch (e) {
                console.log(`sync: export failed: ${e}`)
            } finally {
                this.releasing = false
            }
        } else if (purpose === PURPOSE_DECOMMISSION) {
            try {
                await this.token.decommission()
            } catch (e) {
                console.log(`sync: decommission failed: ${e}`)
            }
        } else if (purpose === PURPOSE_LINK_KEY) this.linkKeyHandOut.confirm()
    }

    /** USB only: src/link/token-sync-dispatch.ts does not carry it over Bluetooth. */
    requestLinkKey() {
        if (!this.linkKeyHandOut.mayAsk(this.token.isStopped())) return false
        return this.askOwner(PURPOSE_LINK_KEY, HOST_USB)
    }

    async handOutLinkKey(): Promise<Buffer> {
        try {
            return await this.linkKeyHandOut.answer(this.presence.waitingFor() === PURPOSE_LINK_KEY)
        } catch (e) {
            console.log(`sync: link key hand-out failed: ${e}`)
            return Buffer.from([Answer.Refused])
        }
    }

    exportKeys(startIndex: number): Buffer {
        return this.exportKeysFor(startIndex, HOST_USB)
    }
    exportKeysFor(startIndex: number, host: number): Buffer {
        try {
            return this.exportPage(startIndex, host)
        } catch (e) {
            console.log(`sync: export_keys failed: ${e}`)
            return Buffer.from([Answer.Refused])
        }
    }

    private exportPage(startIndex: number, host: number): Buffer {
        if (this.token.isStopped() || !this.token.clock.isSet()) return Buffer.from([Answer.Refused])
        if (this.releasing) return Buffer.from([Answer.InProgress])
        // Another host's asking neither reads nor drops the export; a closed session drops it.
        const inSession = this.presence.use(host)
        if (!this.presence.sessionOpen()) this.exported = undefined
        if (!inSession || !this.exported) return Buffer.from([this.presence.waitingFor() === PURPOSE_EXPORT ? Answer.WaitingForButton : Answer.NotRequested])
        const keys = this.exported
        const start = typeof startIndex === "number" && startIndex >= 0 ? startIndex : 0
        const end = Math.min(keys.length, start + KEYS_PER_PAGE)
        const page = Buffer.alloc(Layout.KeyPageHeaderBytes + Math.max(0, end - start) * Layout.KeyEntryBytes)
        page[0] = Answer.Ready
        page[1] = keys.length
        for (let i = start; i < end; i++) {
            const off = Layout.KeyPageHeaderBytes + (i - start) * Layout.KeyEntryBytes
            page.blitAt(off, keys[i].keyData, 0, TEK_BYTES)
            page.setAt(off + TEK_BYTES, "u32", keys[i].rollingStartIntervalNumber)
            page[off + TEK_BYTES + 4] = keys[i].rollingPeriod
        }
        return page
    }

    /** Over USB: the pages of a burst go out as reports back to back, the last as the answer. */
    async readLog(cursorBytes: Buffer): Promise<Buffer> {
        const pages = await this.readLogPages(cursorBytes, HOST_USB)
        const spec = ds.TokenSync.spec.byCode(ds.TokenSyncCodes.CmdReadLog)
        for (let i = 0; i < pages.length - 1; ++i) await this._send(spec.response.encode(pages[i]))
        return pages[pages.length - 1]
    }

    /**
     * The answer to read_log (services/token-sync.md): one page, or with a burst asked for, up
     * to Layout.MaxBurstPages pages, each with its own cursors so that a host that loses some resumes
     * from the last one it got. Holds one burst: its records as read (4 × 210 bytes) and its pages
     * (4 × 225 bytes), about 1.7 KB of heap (16 pages, 7 KB, ran out of memory beside the tracker's
     * table in a crowd of 200: test/token/crowd.test.ts).
     */
    async readLogPages(arg: Buffer, host: number): Promise<Buffer[]> {
        try {
            if (this.token.isStopped()) return [Buffer.from([Answer.Refused])]
            if (!this.presence.use(host)) return [Buffer.from([this.presence.isWaiting() ? Answer.WaitingForButton : Answer.NotRequested])]
            const length = arg ? arg.length : 0
            if (length !== 0 && length !== 1 && length !== Layout.CursorBytes && length !== Layout.CursorBytes + 1) return [Buffer.from([Answer.Refused])]
            const hasCursor = length >= Layout.CursorBytes
            const cursor: LogCursor = hasCursor ? { seq: arg.getAt(0, "u32"), slot: arg.getAt(4, "u16") } : LOG_START
            const burst = length === 1 || length === Layout.CursorBytes + 1
            const wanted = burst ? Math.max(1, Math.min(Layout.MaxBurstPages, arg[length - 1])) : 1
            // A read from the start also takes what is still being heard: the kiosk sees everything
            // up to now (an identifier heard again later simply gets a second record).
            if (!hasCursor) await this.token.tracker.commitAll()
            const chunks = await this.token.storage.log.readPages(cursor, Layout.RecordsPerPage, wanted)
            const header = burst ? Layout.BurstPageHeaderBytes : Layout.PageHeaderBytes
            const pages: Buffer[] = []
            let from = cursor
            for (const chunk of chunks) {
                const page = Buffer.alloc(header + chunk.count * Layout.RecordBytes)
                page[0] = Answer.Ready
                page[1] = chunk.count
                page[2] = chunk.done ? 1 : 0
                page.setAt(3, "u32", chunk.next.seq)
                page.setAt(7, "u16", chunk.next.slot)
                if (burst) {
                    page.setAt(9, "u32", from.seq)
                    page.setAt(13, "u16", from.slot)
                }
                page.blitAt(header, chunk.records, 0, chunk.count * Layout.RecordBytes)
                pages.push(page)
                from = chunk.next
            }
            return pages
        } catch (e) {
            console.log(`sync: read_log failed: ${e}`)
            return [Buffer.from([Answer.Refused])]
        }
    }

    /** Over USB: one report per digest page, each sent once the next is made, the last as the answer. */
    async readLogDigest(arg: Buffer): Promise<Buffer> {
        const spec = ds.TokenSync.spec.byCode(ds.TokenSyncCodes.CmdReadLogDigest)
        const self = this
        let held: Buffer = undefined
        await this.readLogDigestPages(arg, HOST_USB, async page => {
            if (held) await self._send(spec.response.encode(held))
            held = page
        })
        return held
    }

    /**
     * The answer to read_log_digest (services/token-sync.md): up to Layout.MaxBurstPages digest
     * pages, each with its own cursors, handed to `take` one by one as they are made (a refusal: one
     * page of one byte). Holds one page and one run of rows at a time (the log's readDigestPages), so
     * that a token in a crowd of 200 does not run out of heap (test/token/crowd.test.ts).
     */
    async readLogDigestPages(arg: Buffer, host: number, take: (page: Buffer) => Promise<void>): Promise<void> {
        let answered = false
        const answer = async (page: Buffer) => {
            answered = true
            await take(page)
        }
        try {
            if (this.token.isStopped()) return await answer(Buffer.from([Answer.Refused]))
            if (!this.presence.use(host)) return await answer(Buffer.from([this.presence.isWaiting() ? Answer.WaitingForButton : Answer.NotRequested]))
            const length = arg ? arg.length : 0
            if (length !== 2 && length !== Layout.CursorBytes + 2) return await answer(Buffer.from([Answer.Refused]))
            const hasCursor = length === Layout.CursorBytes + 2
            const cursor: LogCursor = hasCursor ? { seq: arg.getAt(0, "u32"), slot: arg.getAt(4, "u16") } : LOG_START
            const wanted = Math.max(1, Math.min(Layout.MaxBurstPages, arg[length - 2]))
            const asked = arg[length - 1]
            const perPage = asked === 0 ? Layout.MaxDigestEntriesPerPage : Math.min(asked, Layout.MaxDigestEntriesPerPage)
            // As read_log: a read from the start also takes what is still being heard.
            if (!hasCursor) await this.token.tracker.commitAll()
            await this.token.storage.log.readDigestPages(cursor, perPage, Layout.DigestMaxSpanIntervals, wanted, async d => {
                const page = Buffer.alloc(Layout.DigestPageHeaderBytes + d.count * DIGEST_ENTRY_BYTES)
                page[0] = Answer.Ready
                page[1] = d.count
                page[2] = d.done ? 1 : 0
                page.setAt(3, "u32", d.next.seq)
                page.setAt(7, "u16", d.next.slot)
                page.setAt(9, "u32", d.from.seq)
                page.setAt(13, "u16", d.from.slot)
                page.setAt(15, "u32", d.firstInterval)
                page[19] = d.span
                page.blitAt(Layout.DigestPageHeaderBytes, d.entries, 0, d.count * DIGEST_ENTRY_BYTES)
                await answer(page)
            })
        } catch (e) {
            console.log(`sync: read_log_digest failed: ${e}`)
            // A failure before any page is a refusal; after some, the host asks again from the last.
            if (!answered) await take(Buffer.from([Answer.Refused]))
        }
    }

    decommission(): Buffer {
        try {
            const proof = this.token.wipeProof()
            if (proof) {
                const out = Buffer.alloc(Layout.WipeProofAnswerBytes)
                out[0] = Answer.Ready
                putWipeReport(out, 1, proof)
                out[Layout.WipeProofAnswerBytes - 1] = this.token.stoppedByOwner() ? StoppedBy.Owner : StoppedBy.Kiosk
                return out
            }
            // Stopped without a proof: the wipe is running or pending (the token resumes it by
            // itself, also after a restart), so the kiosk asks again until the proof is there. The
            // last failed read-back goes with it: a flash that never erases is then reported.
            if (this.token.isStopped()) {
                const failed = this.token.lastFailedWipeReadBack()
                if (!failed) return Buffer.from([Answer.InProgress])
                const out = Buffer.alloc(Layout.WipeFailedAnswerBytes)
                out[0] = Answer.InProgress
                out.setAt(1, "u32", this.token.failedWipeAttempts())
                putWipeReport(out, 5, failed)
                return out
            }
            return Buffer.from([this.presence.waitingFor() === PURPOSE_DECOMMISSION ? Answer.WaitingForButton : Answer.NotRequested])
        } catch (e) {
            console.log(`sync: decommission answer failed: ${e}`)
            return Buffer.from([Answer.Refused])
        }
    }
}

/** A wipe's read-back at `at`: sectors erased, bytes checked, bytes not erased (u32 LE each). */
function putWipeReport(out: Buffer, at: number, report: WipeReport) {
    out.setAt(at, "u32", report.sectorsErased)
    out.setAt(at + 4, "u32", report.bytesChecked)
    out.setAt(at + 8, "u32", report.bytesNotErased)
}
