// The token sync service (services/token-sync.md): what a kiosk sees and does over USB.
// Handlers never throw: an uncaught exception in a DeviceScript server restarts the program and
// would lose RAM state, so every failure becomes an error answer.
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { TemporaryExposureKey, enIntervalNumber } from "../gaen"
import { Beacon } from "../beacon/beacon"
import { ExposureKeys } from "../keys/exposure-keys"
import { WallClock } from "../time/wall-clock"
import { OwnerButton } from "./owner-button"

export const FIRMWARE_VERSION = "0.1.0"

/** How long the owner has to press the button after a kiosk asks (token time). */
export const CONFIRM_WINDOW_MS = 30_000
/** How long a confirmed export stays readable. */
export const EXPORT_HOLD_MS = 5 * 60_000

export const EXPORT_READY = 0
export const EXPORT_WAITING_FOR_BUTTON = 1
export const EXPORT_NOT_REQUESTED = 2
export const EXPORT_REFUSED = 3

const KEY_ENTRY_BYTES = 21
/** Report payload limit (Jacdac packet) minus the two header bytes. */
const KEYS_PER_PAGE = Math.idiv(236 - 2, KEY_ENTRY_BYTES)

export interface TokenIdentity {
    tokenId: string
}

export class TokenSyncServer extends Server implements ds.TokenSyncServerSpec {
    private exportRequestedAt: number = undefined
    private exportReadyAt: number = undefined
    private exported: TemporaryExposureKey[] = undefined
    private stoppedForGood = false

    constructor(
        private readonly identity: TokenIdentity,
        private readonly wallClock: WallClock,
        private readonly keys: ExposureKeys,
        private readonly beacon: Beacon,
        button: OwnerButton
    ) {
        super(ds.TokenSync.spec)
        const self = this
        button.onPress(async () => {
            await self.confirmExport()
        })
    }

    firmwareVersion() {
        return FIRMWARE_VERSION
    }
    tokenId() {
        return this.identity.tokenId
    }
    state() {
        if (this.stoppedForGood) return ds.TokenSyncState.Stopped
        return this.wallClock.isSet() ? ds.TokenSyncState.Active : ds.TokenSyncState.TimeNotSet
    }
    clock() {
        return this.wallClock.nowOrZero()
    }
    lastDrift() {
        return this.wallClock.lastDrift
    }
    keysHeld() {
        return this.keys.count()
    }
    recordsHeld() {
        return 0
    }
    storageUsed() {
        return 0
    }
    storageCapacity() {
        return 0
    }

    setTime(unixTime: number) {
        try {
            const wasSet = this.wallClock.isSet()
            const drift = this.wallClock.set(unixTime)
            // A clock that moved by more than a rotation invalidates what is on air.
            if (!wasSet || Math.abs(drift) > 60) this.beacon.requestRotation()
            return drift
        } catch (e) {
            console.log(`sync: set_time refused: ${e}`)
            return 0
        }
    }

    requestKeyExport() {
        this.exported = undefined
        this.exportReadyAt = undefined
        const accepted = this.wallClock.isSet() && !this.stoppedForGood
        this.exportRequestedAt = accepted ? ds.millis() : undefined
        return accepted
    }

    private async confirmExport() {
        if (this.exportRequestedAt === undefined) return
        if (ds.millis() - this.exportRequestedAt > CONFIRM_WINDOW_MS) {
            this.exportRequestedAt = undefined
            return
        }
        this.exportRequestedAt = undefined
        try {
            this.exported = await this.keys.releaseForExport(enIntervalNumber(this.wallClock.now()))
            this.exportReadyAt = ds.millis()
            this.beacon.requestRotation()
        } catch (e) {
            console.log(`sync: export failed: ${e}`)
        }
    }

    exportKeys(startIndex: number): Buffer {
        try {
            return this.exportPage(startIndex)
        } catch (e) {
            console.log(`sync: export_keys failed: ${e}`)
            return Buffer.from([EXPORT_REFUSED])
        }
    }

    private exportPage(startIndex: number): Buffer {
        if (this.stoppedForGood || !this.wallClock.isSet()) return Buffer.from([EXPORT_REFUSED])
        if (this.exported && ds.millis() - this.exportReadyAt > EXPORT_HOLD_MS) this.exported = undefined
        if (!this.exported) {
            const waiting = this.exportRequestedAt !== undefined && ds.millis() - this.exportRequestedAt <= CONFIRM_WINDOW_MS
            return Buffer.from([waiting ? EXPORT_WAITING_FOR_BUTTON : EXPORT_NOT_REQUESTED])
        }
        const keys = this.exported
        const start = typeof startIndex === "number" && startIndex >= 0 ? startIndex : 0
        const end = Math.min(keys.length, start + KEYS_PER_PAGE)
        const page = Buffer.alloc(2 + Math.max(0, end - start) * KEY_ENTRY_BYTES)
        page[0] = EXPORT_READY
        page[1] = keys.length
        for (let i = start; i < end; i++) {
            const off = 2 + (i - start) * KEY_ENTRY_BYTES
            page.blitAt(off, keys[i].keyData, 0, 16)
            page.setAt(off + 16, "u32", keys[i].rollingStartIntervalNumber)
            page[off + 20] = keys[i].rollingPeriod
        }
        return page
    }
}
