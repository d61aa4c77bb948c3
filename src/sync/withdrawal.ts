// The owner's withdrawal without a kiosk: a gesture no pocket or child makes by chance, then the same
// stop-and-wipe as a kiosk's decommission, its read-back proof kept for the next kiosk to show.
//   1. Hold the button WITHDRAW_HOLD_MS (10 s). At 10 s, still held, the light turns steady red
//      (TokenState.WithdrawalArmed): the token is ready to end its use.
//   2. Let go, then press once more, briefly (at most CONFIRM_PRESS_MAX_MS), within
//      WITHDRAW_CONFIRM_MS (10 s) of letting go. At the end of that press the token stops for good.
// Anything else cancels and the light goes back to what it showed: letting go before 10 s, no press
// within the 10 s, a confirming press held longer, or a press that answers a kiosk's request (a press
// while a kiosk waits for the button is the kiosk's, never part of a withdrawal).
import * as ds from "@devicescript/core"

export const WITHDRAW_HOLD_MS = 10_000
export const WITHDRAW_CONFIRM_MS = 10_000
/** A confirming press held longer than this is not "one press": it cancels. */
export const CONFIRM_PRESS_MAX_MS = 2_000

/** What the gesture needs of the token (src/token.ts). */
export interface WithdrawingToken {
    isStopped(): boolean
    showWithdrawalArmed(on: boolean): void
    /** The stop-and-wipe, recorded as the owner's. */
    decommission(byOwner: boolean): Promise<void>
}

export interface WithdrawalTiming {
    holdMs: number
    confirmMs: number
    confirmPressMaxMs: number
}

export const OWNER_WITHDRAWAL_TIMING: WithdrawalTiming = {
    holdMs: WITHDRAW_HOLD_MS,
    confirmMs: WITHDRAW_CONFIRM_MS,
    confirmPressMaxMs: CONFIRM_PRESS_MAX_MS,
}

const IDLE = 0
/** Down, not yet long enough. */
const HOLDING = 1
/** Down for the whole hold: the light shows the withdrawal is armed. */
const HELD = 2
/** Let go after the hold: waiting for the confirming press. */
const AWAITING_CONFIRM = 3
/** The confirming press is down. */
const CONFIRMING = 4

export class OwnerWithdrawal {
    private phase = IDLE
    private downAt = 0
    private releasedAt = 0
    /** Counts presses, so that a timer of an earlier press does nothing to a later one. */
    private press = 0

    constructor(
        private readonly token: WithdrawingToken,
        private readonly timing: WithdrawalTiming = OWNER_WITHDRAWAL_TIMING
    ) {}

    /** The button went down; `forKiosk`: this press answered a kiosk's request. */
    pressed(forKiosk: boolean) {
        const now = ds.millis()
        const press = ++this.press
        if (forKiosk || this.token.isStopped()) return this.cancel()
        if (this.phase === AWAITING_CONFIRM && now - this.releasedAt <= this.timing.confirmMs) {
            this.phase = CONFIRMING
            this.downAt = now
            return
        }
        this.cancel()
        this.phase = HOLDING
        this.downAt = now
        const self = this
        setTimeout(() => {
            if (self.press === press && self.phase === HOLDING) self.arm()
        }, this.timing.holdMs)
    }

    /** The button was let go. Resolves once a confirmed withdrawal's first wipe attempt has run. */
    async released() {
        const now = ds.millis()
        const press = this.press
        if (this.phase === HOLDING && now - this.downAt >= this.timing.holdMs) this.arm() // its timer is late
        if (this.phase === HOLDING) {
            this.phase = IDLE // an ordinary press
        } else if (this.phase === HELD) {
            this.phase = AWAITING_CONFIRM
            this.releasedAt = now
            const self = this
            setTimeout(() => {
                if (self.press === press && self.phase === AWAITING_CONFIRM) self.cancel()
            }, this.timing.confirmMs + 1)
        } else if (this.phase === CONFIRMING) {
            const brief = now - this.downAt <= this.timing.confirmPressMaxMs
            this.cancel()
            if (!brief || this.token.isStopped()) return
            try {
                await this.token.decommission(true)
            } catch (e) {
                // The token is stopped from the first step: its run loop (and every boot) finishes the wipe.
                console.log(`withdrawal: wipe not finished yet: ${e}`)
            }
        }
    }

    /** Held long enough and not cancelled: the light shows the armed pattern. */
    private isArmed() {
        return this.phase === HELD || this.phase === AWAITING_CONFIRM || this.phase === CONFIRMING
    }

    private arm() {
        this.phase = HELD
        this.token.showWithdrawalArmed(true)
    }

    private cancel() {
        const wasArmed = this.isArmed()
        this.phase = IDLE
        if (wasArmed) this.token.showWithdrawalArmed(false)
    }
}
