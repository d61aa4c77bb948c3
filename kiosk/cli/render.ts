// Text for people: results on stdout, progress on stderr (one updating line on a terminal).
import type { DecommissionResult, TokenStatus } from "../../lib/token-sync/sync-client.js"
import type { KioskProgress } from "../progress.js"
import { KioskError } from "../errors.js"
import { errorText, text } from "../i18n/messages.js"
import type { Lang } from "../i18n/locale.js"

export interface Output {
    write(s: string): void
    isTTY?: boolean
}

export interface ClockView {
    driftSeconds: number
    clockWasUnset: boolean
    clockNeedsPress: boolean
    clocks: { kiosk: number; token: number }
}

export function renderStatus(s: TokenStatus, c: ClockView & { stop?: DecommissionResult }, lang: Lang): string {
    const state = s.state === "active" ? text.stateActive : s.state === "stopped" ? text.stateStopped : text.stateTimeNotSet
    const lines = [
        `${text.statusTitle[lang]}: ${state[lang]}`,
        text.clocks(c.clocks.kiosk, c.clocks.token, lang),
        c.clockNeedsPress ? text.clockNeedsPress[lang] : c.clockWasUnset ? text.clockSetFirst[lang] : text.drift(c.driftSeconds)[lang],
        text.keysHeld(s.keysHeld)[lang],
        text.recordsHeld(s.recordsHeld)[lang],
        text.storage(s.storageUsed, s.storageCapacity)[lang],
        `(ID ${s.tokenId}, firmware ${s.firmwareVersion})`,
    ]
    if (s.state === "active") lines.push("", text.statusNext[lang])
    if (c.stop) lines.push("", stopText(c.stop)[lang])
    return lines.join("\n") + "\n"
}

/** A stopped token's stop, for people: who stopped it and the proof (or that it is still erasing). */
export function stopText(stop: DecommissionResult) {
    const done = stop.state === "done"
    return text.stopRecord(done && stop.byOwner, done && stop.bytesNotErased === 0, done ? stop.bytesChecked : 0)
}

export function renderError(e: KioskError, lang: Lang): string {
    return `${errorText[e.code](e.params)[lang]}\n\n${text.details[lang]}: ${e.message}\n`
}

/** Progress lines, throttled so a fast loop does not flood the terminal. */
export function progressPrinter(out: Output, lang: Lang): (p: KioskProgress) => void {
    let last = ""
    let lastAt = 0
    let lastStep = ""
    let open = false
    let step = ""
    const show = (line: string, final: boolean) => {
        if (line === last) return
        const now = Date.now()
        if (!final && step === lastStep && now - lastAt < 200) return
        last = line
        lastAt = now
        lastStep = step
        if (out.isTTY) {
            out.write(`\r\x1b[K${line}`)
            open = true
            if (final) {
                out.write("\n")
                open = false
            }
        } else out.write(line + "\n")
    }
    return p => {
        step = p.step
        switch (p.step) {
            case "download":
                return show(text.progressDownload(p.done, p.total, p.downloaded)[lang], p.done === p.total)
            case "read-log":
                return show(text.progressReadLog(p.read, p.total)[lang], p.read === p.total)
            case "read-candidates":
                return show(text.progressReadCandidates(p.done, p.total)[lang], p.done === p.total)
            case "match":
                return show(text.progressMatch(p.keysDone, p.keysTotal)[lang], p.keysDone === p.keysTotal)
            case "press-button":
                return show(
                    (p.purpose === "export"
                        ? text.pressButtonExport
                        : p.purpose === "session"
                          ? text.pressButtonSession
                          : p.purpose === "sticker"
                            ? text.pressButtonSticker
                            : text.pressButtonDecommission)(p.secondsLeft)[lang],
                    false
                )
            case "retry":
                if (open) {
                    out.write("\n")
                    open = false
                }
                return show(text.progressRetry(p.attempt, Math.round(p.delayMs / 1000))[lang], true)
            case "token-unplugged":
                return show(text.tokenUnplugged[lang], true)
            case "token-back":
                return show(text.tokenBack[lang], true)
        }
    }
}
