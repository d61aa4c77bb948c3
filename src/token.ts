// The token: every part of the firmware, wired together, and its life cycle (time set → running →
// stopped for good). main.ts only hands it the hardware.
import * as ds from "@devicescript/core"
import { randomBuffer } from "@devicescript/crypto"
import { readSetting, writeSetting } from "@devicescript/settings"
import { Beacon } from "./beacon/beacon"
import { Radio } from "./hardware/radio"
import { RealTimeClock } from "./hardware/rtc"
import { ExposureKeys } from "./keys/exposure-keys"
import { EncounterTracker } from "./scan/encounters"
import { SCAN_PERIOD_SECONDS, Scanner } from "./scan/scanner"
import { StatusLight, TokenState } from "./status/status-light"
import { Flash, WipeReport } from "./storage/flash"
import { SECTOR_SIZE } from "./storage/layout"
import { Storage, openStorage, wipeStorage } from "./storage/storage"
import { TOKEN_ID_BYTES } from "./storage/secrets"
import { LINK_KEY_BYTES } from "../common/ble-link-constants"
import { Mutex } from "./storage/mutex"
import { WallClock } from "./time/wall-clock"
import { enIntervalNumber } from "./gaen"
import { LinkKeyStore } from "./link/link-key"

/** Survives the wipe on purpose: a decommissioned token must not come back to life at the next
 *  power-on. It says nothing about the owner. Written before the first erase: from then on the wipe
 *  is pending, and every boot resumes it, until WIPE_PROOF_SETTING is saved. */
const STOPPED_SETTING = "stopped"
/** STOPPED_SETTING's value when the owner stopped the token on the token itself (src/sync/withdrawal.ts);
 *  `true` when a kiosk did. One setting, written once, so the two cannot disagree after a power cut. */
const STOPPED_BY_OWNER = "owner"
/** The read-back proof of a finished wipe (counts only), so that a kiosk can be shown it after a
 *  restart too. Absent while the wipe is pending. */
const WIPE_PROOF_SETTING = "wipe_proof"
/** Pause between attempts of a wipe that failed (a flash error): it is retried until it succeeds. */
const WIPE_RETRY_MS = 5_000
/** The log is "nearly full" for the status light above this share of its capacity. */
const NEARLY_FULL = 0.9
/** Expiry of keys and records runs this often (token time): a record goes at most a minute late. */
const MAINTENANCE_MS = 60_000
/** How often the status light is brought up to date besides the changes it is told about directly
 *  (the log filling up); kept long because in the simulator every wake-up costs. */
const LIGHT_UPDATE_MS = 30_000

export interface TokenHardware {
    radio: Radio
    flash: Flash
    light: StatusLight
    rtc: RealTimeClock
}

export interface LogSummary {
    /** Record rows the log knows of, without a flash read (records_held is recordsHeld(): exact). */
    records: number
    bytesUsed: number
    bytesCapacity: number
    badRecords: number
}

export class Token {
    readonly clock = new WallClock()
    readonly beacon: Beacon
    readonly tracker: EncounterTracker
    readonly scanner: Scanner
    private stopped = false
    private wipe: WipeReport = undefined
    /** Wipe attempts since this start whose read-back found bytes not erased, and the last such
     *  read-back: shown to a kiosk while "erasing", so that a flash that never erases is reported. */
    private failedWipes = 0
    private lastFailedWipe: WipeReport = undefined
    private readonly wipeLock = new Mutex()
    private waitingForButton = false
    private withdrawalArmed = false
    private byOwner = false

    private constructor(
        /** Cleared when the wipe finishes: the id goes with everything else (it lives in the
         *  secrets sector of the encrypted flash, src/storage/secrets.ts). */
        public id: string,
        readonly storage: Storage,
        readonly keys: ExposureKeys,
        private readonly hw: TokenHardware,
        /** The Bluetooth sync link's key (src/link/). */
        readonly linkKeys: LinkKeyStore
    ) {
        const clock = this.clock
        // The log hides records 14 days old by the token's time even between housekeeping runs.
        storage.log.setClock(() => (clock.isSet() ? Math.floor(clock.now() / 60) : -1))
        this.beacon = new Beacon(hw.radio, this.clock, keys)
        this.tracker = new EncounterTracker(async r => {
            await storage.log.append(r)
        })
        this.scanner = new Scanner(hw.radio, this.clock, this.tracker)
    }

    static async boot(hw: TokenHardware): Promise<Token> {
        const storage = await openStorage(hw.flash)
        const stoppedAs = await readSetting<boolean | string>(STOPPED_SETTING, false)
        const stopped = !!stoppedAs
        // A stopped token gets no new identity (its old one goes with the wipe).
        if (!storage.secrets.linkKey() && !stopped) await storage.secrets.create(randomBuffer(TOKEN_ID_BYTES), randomBuffer(LINK_KEY_BYTES))
        const tokenId = storage.secrets.tokenId()
        const id = tokenId ? tokenId.toString("hex") : ""
        const token = new Token(id, storage, new ExposureKeys(storage.keys), hw, new LinkKeyStore(storage.secrets, stopped))
        token.stopped = stopped
        token.byOwner = stoppedAs === STOPPED_BY_OWNER
        if (stopped) {
            const proof: WipeReport = await readSetting(WIPE_PROOF_SETTING, undefined)
            if (proof && proof.bytesNotErased === 0) token.wipe = proof
        } else await token.restoreTimeFromRtc()
        return token
    }

    /** With a real-time clock the token keeps working after a restart; without, it waits for a kiosk. */
    private async restoreTimeFromRtc() {
        try {
            const t = await this.hw.rtc.read()
            // A clock that kept running on its battery (it reads as unset when it stopped) is a time
            // the token can prove: the anchor (src/time/clock-guard.ts).
            if (t) this.clock.set(t, true)
        } catch (e) {
            console.log(`token: no time from the RTC: ${e}`)
        }
    }

    isStopped() {
        return this.stopped
    }

    scanPeriodSeconds() {
        return SCAN_PERIOD_SECONDS
    }

    logStats(): LogSummary {
        const s = this.storage.log.stats()
        return {
            records: s.records,
            bytesUsed: s.sectorsInUse * SECTOR_SIZE,
            bytesCapacity: s.sectorCount * SECTOR_SIZE,
            badRecords: s.badRecords + s.badHeaders,
        }
    }

    /** Records the log holds: exactly what a full read hands out (not slots, torn or expired ones). */
    async recordsHeld(): Promise<number> {
        // A stopped token hands out no record (and its log may be half erased while the wipe runs).
        if (this.stopped) return 0
        return await this.storage.log.countRecords()
    }

    /** Keys or records (or a log that has held them): a restarted token then takes its first time
     *  only with the owner's press. */
    holdsAnything(): boolean {
        return this.keys.count() > 0 || this.storage.log.latestMinute() > 0
    }

    /**
     * A kiosk sets the time (at every connection). Returns the drift (token minus kiosk). `trusted`:
     * the owner's press (or the first time of a token holding nothing) stands behind it: it becomes
     * the clock's anchor, and what the token made while its clock ran ahead of it goes
     * (followTrustedTime).
     */
    async setTime(unixSeconds: number, trusted = false): Promise<number> {
        const wasSet = this.clock.isSet()
        const drift = this.clock.set(unixSeconds, trusted) // throws for nonsense, changing nothing
        // Expiry follows the corrected clock at once (a clock set back must not hide new records).
        const nowMinutes = Math.floor(unixSeconds / 60)
        if (trusted) await this.followTrustedTime(nowMinutes)
        else if (drift > 0) await this.storage.log.followClockBack(nowMinutes, false)
        // A clock that moved by more than a minute invalidates what is on air.
        if (!wasSet || Math.abs(drift) > 60) this.beacon.requestRotation()
        this.updateLight() // the owner at the kiosk sees "time not set" end now, not at the next update
        try {
            await this.hw.rtc.write(unixSeconds)
        } catch (e) {
            console.log(`token: RTC not updated: ${e}`)
        }
        return drift
    }

    /**
     * The owner's press put the clock at `nowMinutes`: records stamped later were heard while the
     * clock ran ahead and their true time is not known, so they are destroyed; keys of later days
     * (made, maybe aired, in the false future) are erased, never released or aired again
     * (docs/threat-model.md, "The clock").
     */
    private async followTrustedTime(nowMinutes: number) {
        // What is still being heard goes to the log first, with the times it was heard at.
        await this.tracker.commitAll()
        const dropped = await this.storage.log.followClockBack(nowMinutes, true)
        const keysDropped = await this.keys.dropLaterThan(enIntervalNumber(nowMinutes * 60))
        if (dropped > 0 || keysDropped > 0) {
            console.log(`token: clock corrected back: ${dropped} records and ${keysDropped} keys from its false future erased`)
            this.beacon.requestRotation()
        }
    }

    /** The end of use, after the owner's button press (`byOwner`: the owner's withdrawal on the token,
     *  no kiosk asked): off the air for good, everything erased and read back (one attempt here; if
     *  it fails, run() retries until it succeeds, and so does every boot). The proof is kept for the
     *  kiosk to read. */
    async decommission(byOwner = false) {
        this.stopped = true
        this.byOwner = byOwner
        this.withdrawalArmed = false
        this.updateLight() // dark from the press on, not only once the wipe is done
        // Persisted before the first erase: a power cut from here on resumes the wipe at boot.
        await writeSetting(STOPPED_SETTING, byOwner ? STOPPED_BY_OWNER : true)
        await this.beacon.stop()
        await this.scanner.stop()
        await this.finishWipe()
    }

    /**
     * Erases the Bluetooth link key and the token id (the secrets sector), keys and log until the read-back proof
     * shows 0 bytes not erased, then saves the proof. Returns it at once when the wipe is already
     * done; throws when this attempt failed (a flash error), leaving the wipe pending. Only for a
     * stopped token.
     */
    async finishWipe(): Promise<WipeReport> {
        if (!this.stopped) throw new Error("token: not stopped, nothing to wipe")
        await this.wipeLock.lock()
        try {
            if (this.wipe && this.wipe.bytesNotErased === 0) return this.wipe
            await this.linkKeys.destroy()
            const report = await wipeStorage(this.storage)
            if (report.bytesNotErased !== 0) {
                this.failedWipes++
                this.lastFailedWipe = report
                throw new Error(`token: wipe left ${report.bytesNotErased} bytes not erased`)
            }
            this.id = ""
            await writeSetting(WIPE_PROOF_SETTING, report)
            this.wipe = report
            return report
        } finally {
            this.wipeLock.unlock()
            this.updateLight()
        }
    }

    /** Tries finishWipe until it succeeds (a stopped token, at boot or after decommission). */
    private async completeWipe() {
        for (;;) {
            try {
                await this.finishWipe()
                return
            } catch (e) {
                console.log(`token: wipe not finished, retrying: ${e}`)
            }
            await ds.sleep(WIPE_RETRY_MS)
        }
    }

    /** Stopped, and the wipe not finished yet (running now, or pending until the next attempt). */
    isErasing() {
        return this.stopped && !this.wipe
    }

    /** The proof of a finished wipe; undefined while the wipe is pending or running. */
    wipeProof(): WipeReport {
        return this.wipe
    }

    /** While erasing: attempts since this start whose read-back found bytes left (0: none yet). */
    failedWipeAttempts() {
        return this.failedWipes
    }

    /** While erasing: the read-back of the last failed attempt; undefined if none failed so. */
    lastFailedWipeReadBack(): WipeReport {
        return this.lastFailedWipe
    }

    /** Stopped by its owner on the token itself, not at a kiosk's request (kept across restarts). */
    stoppedByOwner() {
        return this.stopped && this.byOwner
    }

    showWithdrawalArmed(on: boolean) {
        this.withdrawalArmed = on
        this.updateLight()
    }

    showWaitingForButton(on: boolean) {
        this.waitingForButton = on
        this.updateLight()
    }

    state(): TokenState {
        if (this.stopped) return TokenState.Stopped
        if (this.waitingForButton) return TokenState.WaitingForButton
        if (this.withdrawalArmed) return TokenState.WithdrawalArmed
        if (!this.clock.isSet()) return TokenState.TimeNotSet
        const s = this.logStats()
        if (s.bytesUsed >= s.bytesCapacity * NEARLY_FULL) return TokenState.LogNearlyFull
        return TokenState.Running
    }

    private updateLight() {
        this.hw.light.show(this.state())
    }

    /** Runs the beacon, the scanner and housekeeping until the token is stopped. */
    async run() {
        if (this.stopped) {
            await this.hw.radio.stopAdvertising()
            this.updateLight()
            await this.completeWipe()
            return
        }
        const beacon = this.beacon
        const scanner = this.scanner
        ;(async () => {
            await beacon.run()
        }).start()
        ;(async () => {
            await scanner.run()
        }).start()
        let lastHousekeeping = -MAINTENANCE_MS
        while (!this.stopped) {
            try {
                if (this.clock.isSet() && ds.millis() - lastHousekeeping >= MAINTENANCE_MS) {
                    lastHousekeeping = ds.millis()
                    const nowMinutes = Math.floor(this.clock.now() / 60)
                    await this.storage.log.expire(nowMinutes)
                    await this.keys.expire(nowMinutes)
                }
            } catch (e) {
                console.log(`token: housekeeping: ${e}`)
            }
            this.updateLight()
            await ds.sleep(LIGHT_UPDATE_MS)
        }
        // Decommissioned while running: make sure the wipe it started is finished.
        await this.completeWipe()
    }
}
