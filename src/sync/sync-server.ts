// The token sync service (services/token-sync.md): what a kiosk sees and does over USB.
// Handlers never throw: an uncaught exception in a DeviceScript server restarts the program and
// would lose RAM state, so every failure becomes an error answer, and nothing a host sends can
// restart the token.
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { TEK_BYTES, TemporaryExposureKey, enIntervalNumber } from "../gaen"
import { LogCursor, LOG_START } from "../storage/contact-log"
import { RECORD_SIZE } from "../storage/layout"
import { OwnerButton } from "./owner-button"
import { PresenceRequest } from "./presence"
import { Token } from "../token"

export const FIRMWARE_VERSION = "0.2.0"

/** How long a confirmed export stays readable. */
export const EXPORT_HOLD_MS = 5 * 60_000

// Answer states shared by export_keys, read_log and decommission (services/token-sync.md).
export const ANSWER_READY = 0
export const ANSWER_WAITING_FOR_BUTTON = 1
export const ANSWER_NOT_REQUESTED = 2
export const ANSWER_REFUSED = 3
export const ANSWER_IN_PROGRESS = 4

/** One exported key: TEK, rolling start u32, rolling period u8 (services/token-sync.md). */
const KEY_ENTRY_BYTES = TEK_BYTES + 5
/** A Jacdac report carries at most 236 bytes. */
const MAX_REPORT = 236
const KEYS_PER_PAGE = Math.idiv(MAX_REPORT - 2, KEY_ENTRY_BYTES)
const LOG_PAGE_HEADER = 9
const RECORDS_PER_PAGE = Math.idiv(MAX_REPORT - LOG_PAGE_HEADER, RECORD_SIZE)

export class TokenSyncServer extends Server implements ds.TokenSyncServerSpec {
    private readonly exportRequest = new PresenceRequest()
    private readonly decommissionRequest = new PresenceRequest()
    private exported: TemporaryExposureKey[] = undefined
    private exportReadyAt = 0

    constructor(
        private readonly token: Token,
        button: OwnerButton
    ) {
        super(ds.TokenSync.spec)
        const self = this
        button.onPress(async () => {
            await self.onButton()
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
    recordsHeld() {
        return this.token.logStats().records
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

    async setTime(unixTime: number) {
        try {
            return await this.token.setTime(unixTime)
        } catch (e) {
            console.log(`sync: set_time refused: ${e}`)
            return 0
        }
    }

    requestKeyExport() {
        this.exported = undefined
        this.decommissionRequest.cancel()
        if (!this.token.clock.isSet() || this.token.isStopped()) {
            this.exportRequest.cancel()
            return false
        }
        this.exportRequest.request()
        this.token.showWaitingForButton(true)
        return true
    }

    requestDecommission() {
        this.exportRequest.cancel()
        if (this.token.isStopped()) return false
        this.decommissionRequest.request()
        this.token.showWaitingForButton(true)
        return true
    }

    private async onButton() {
        this.token.showWaitingForButton(false)
        if (this.exportRequest.confirm()) {
            try {
                this.exported = await this.token.keys.releaseForExport(enIntervalNumber(this.token.clock.now()))
                this.exportReadyAt = ds.millis()
                this.token.beacon.requestRotation()
            } catch (e) {
                console.log(`sync: export failed: ${e}`)
            }
        } else if (this.decommissionRequest.confirm()) {
            try {
                await this.token.decommission()
            } catch (e) {
                console.log(`sync: decommission failed: ${e}`)
            }
        }
    }

    exportKeys(startIndex: number): Buffer {
        try {
            return this.exportPage(startIndex)
        } catch (e) {
            console.log(`sync: export_keys failed: ${e}`)
            return Buffer.from([ANSWER_REFUSED])
        }
    }

    private exportPage(startIndex: number): Buffer {
        if (this.token.isStopped() || !this.token.clock.isSet()) return Buffer.from([ANSWER_REFUSED])
        if (this.exported && ds.millis() - this.exportReadyAt > EXPORT_HOLD_MS) this.exported = undefined
        if (!this.exported)
            return Buffer.from([this.exportRequest.isWaiting() ? ANSWER_WAITING_FOR_BUTTON : ANSWER_NOT_REQUESTED])
        const keys = this.exported
        const start = typeof startIndex === "number" && startIndex >= 0 ? startIndex : 0
        const end = Math.min(keys.length, start + KEYS_PER_PAGE)
        const page = Buffer.alloc(2 + Math.max(0, end - start) * KEY_ENTRY_BYTES)
        page[0] = ANSWER_READY
        page[1] = keys.length
        for (let i = start; i < end; i++) {
            const off = 2 + (i - start) * KEY_ENTRY_BYTES
            page.blitAt(off, keys[i].keyData, 0, TEK_BYTES)
            page.setAt(off + TEK_BYTES, "u32", keys[i].rollingStartIntervalNumber)
            page[off + TEK_BYTES + 4] = keys[i].rollingPeriod
        }
        return page
    }

    async readLog(cursorBytes: Buffer): Promise<Buffer> {
        try {
            if (this.token.isStopped()) return Buffer.from([ANSWER_REFUSED])
            let cursor: LogCursor = LOG_START
            // A read from the start also takes what is still being heard: the kiosk sees everything
            // up to now (an identifier heard again later simply gets a second record).
            if (!cursorBytes || cursorBytes.length === 0) await this.token.tracker.commitAll()
            if (cursorBytes && cursorBytes.length >= 6)
                cursor = { seq: cursorBytes.getAt(0, "u32"), slot: cursorBytes.getAt(4, "u16") }
            else if (cursorBytes && cursorBytes.length !== 0) return Buffer.from([ANSWER_REFUSED])
            const chunk = await this.token.storage.log.readChunk(cursor, RECORDS_PER_PAGE)
            const page = Buffer.alloc(LOG_PAGE_HEADER + chunk.count * RECORD_SIZE)
            page[0] = ANSWER_READY
            page[1] = chunk.count
            page[2] = chunk.done ? 1 : 0
            page.setAt(3, "u32", chunk.next.seq)
            page.setAt(7, "u16", chunk.next.slot)
            page.blitAt(LOG_PAGE_HEADER, chunk.records, 0, chunk.count * RECORD_SIZE)
            return page
        } catch (e) {
            console.log(`sync: read_log failed: ${e}`)
            return Buffer.from([ANSWER_REFUSED])
        }
    }

    decommission(): Buffer {
        try {
            const proof = this.token.wipeProof()
            if (proof) {
                const out = Buffer.alloc(13)
                out[0] = ANSWER_READY
                out.setAt(1, "u32", proof.sectorsErased)
                out.setAt(5, "u32", proof.bytesChecked)
                out.setAt(9, "u32", proof.bytesNotErased)
                return out
            }
            // Stopped without a proof: the wipe is running or pending (the token resumes it by
            // itself, also after a restart), so the kiosk asks again until the proof is there.
            if (this.token.isStopped()) return Buffer.from([ANSWER_IN_PROGRESS])
            return Buffer.from([this.decommissionRequest.isWaiting() ? ANSWER_WAITING_FOR_BUTTON : ANSWER_NOT_REQUESTED])
        } catch (e) {
            console.log(`sync: decommission answer failed: ${e}`)
            return Buffer.from([ANSWER_REFUSED])
        }
    }
}
