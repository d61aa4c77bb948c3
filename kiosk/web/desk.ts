// The web app's counter desk: one token at a time, one job at a time (check, registration or
// decommission), everything about the person held in this object's memory only and dropped when the
// token is disconnected or the result dismissed. The HTTP layer (server.ts) only translates; the
// browser polls view() to draw progress, the "press the button" step and results.
import { KioskError } from "../errors.js"
import { errorText } from "../i18n/messages.js"
import { KioskSettings, DEFAULT_REGION, type DeskSettings } from "../config.js"
import { openTokenSession, type TokenSession } from "../token/session.js"
import { twoPhaseLogRead } from "../token/log-reader.js"
import { resolveTrustedKey, trustedKeyFrom } from "../downloads/public-key.js"
import { loadRiskConfig } from "../matching/risk-config.js"
import { checkWithLogReader, type CheckOptions, type CheckResult } from "../matching/check.js"
import { parseRegistrationDetails } from "../registration/details.js"
import { exportKeysForRegistration } from "../registration/register.js"
import { sendUpload, type PreparedUpload, type UploadTarget } from "../registration/upload.js"
import { parseSurveyOptions, prepareSurvey, exposureDaysFromCheck } from "../decommission/survey.js"
import { decommissionToken } from "../decommission/decommission.js"
import { serverBaseUrl, DEFAULT_RETRY, type RetryPolicy } from "../http/server-client.js"
import type { KioskProgress, PressPurpose } from "../progress.js"
import { CheckProgress, type ProgressView } from "./check-progress.js"
import { handOutToken, requireFresh } from "../handout/hand-out-token.js"
import { ownerSheet } from "../handout/owner-sheet.js"
import { stickerPage } from "../link/sticker-page.js"
import type { Lang } from "../i18n/locale.js"

export interface DeskOptions {
    dataDir: string
    /** The kiosk's clock, Unix ms (tests: the simulated world's clock). */
    now?: () => number
    retry?: Omit<RetryPolicy, "retries">
    /** Real ms between tries to reach an unplugged token again. */
    reconnectMs?: number
    /** Also receives every progress event (the demo's narration, tests' simulated owner). */
    observe?: (p: KioskProgress) => void
}

export interface ErrorView {
    code: string
    text: { ja: string; en: string }
    message: string
}

export interface StatusView {
    address: string
    state: "active" | "time-not-set" | "stopped"
    /** The token's clock just before the kiosk set it, and the kiosk's clock then (both shown). */
    tokenClockMs: number
    kioskClockMs: number
    driftSeconds: number
    clockWasUnset: boolean
    keysHeld: number
    recordsHeld: number
    storageUsed: number
    storageCapacity: number
    /** When this kiosk last set the token's clock and read its status (this connection). */
    lastSyncMs: number
    /** A stopped token's stop: by its owner on the token or at a kiosk, and the proof (or still erasing). */
    stop?: { byOwner: boolean; erased: boolean; bytesChecked: number }
    /** The owner's press repaired the token's clock (kiosk/token/session.ts). */
    clockRepair?: { tokenOffSeconds: number; futureRecordsErased: number }
}

type JobKind = "check" | "register" | "decommission" | "hand-out"
export interface JobView {
    kind: JobKind
    phase: "running" | "done" | "failed"
    /** The kiosk's clock when it ended (the slip's date). */
    endedAtMs?: number
    progress?: ProgressView
    /** The generic "press the button now" step (a registration's export, a decommission). */
    button?: { purpose: PressPurpose; secondsLeft: number }
    /** The token was unplugged during the log read: plug it in again. */
    unplugged?: boolean
    retrying?: { attempt: number; seconds: number }
    check?: { probableContact: boolean; contactDates: string[] }
    registered?: { accepted: number }
    decommissioned?: { surveySent: boolean; bytesChecked: number; bytesNotErased: number }
    /** The token is handed out: its sticker page is ready to print (served until dismissed). */
    handedOut?: { sticker: true }
    error?: ErrorView
    /** A registration whose upload failed is still held: it can be sent again (same upload). */
    canSendAgain?: boolean
}

export interface RegisterInput {
    processingNumber?: string
    symptoms?: string
    onset?: string
}
export interface DecommissionInput {
    age?: number
    commute?: number
    consentStartDate?: boolean
    startDate?: string
    consentExposures?: boolean
}

interface Job {
    view: JobView
    upload?: PreparedUpload
}

export function errorView(e: unknown): ErrorView {
    const err = e instanceof KioskError ? e : new KioskError("usage", `internal error: ${(e as Error)?.message ?? e}`)
    return { code: err.code, text: errorText[err.code](err.params), message: err.message }
}

export class KioskDesk {
    private session?: TokenSession
    private address?: string
    private connectedAt = 0
    private job?: Job
    /** The handed-out token's sticker page (holds its Bluetooth key): in memory until printed and dismissed. */
    private sticker?: string
    private readonly now: () => number

    constructor(private readonly o: DeskOptions) {
        this.now = o.now ?? Date.now
    }

    settings(): KioskSettings {
        return KioskSettings.open(this.o.dataDir)
    }

    /** What staff see on the settings screen: the API key only as "set", the pinned key's fingerprint. */
    settingsView(): DeskSettings & { apiKey?: undefined; apiKeySet: boolean; fingerprint?: string } {
        const s = this.settings()
        const desk = s.desk()
        const pinned = desk.server ? s.pinnedPublicKey(desk.server) : undefined
        return { ...desk, apiKey: undefined, apiKeySet: !!desk.apiKey, fingerprint: pinned ? trustedKeyFrom(pinned, "pinned key").fingerprint : undefined }
    }

    saveSettings(input: DeskSettings & { publicKey?: string }): void {
        const s = this.settings()
        const old = s.desk()
        const server = input.server ? serverBaseUrl(input.server) : old.server
        if (input.lang !== undefined && input.lang !== "ja" && input.lang !== "en") throw new KioskError("config", `language ${input.lang}: expected ja or en`)
        const next: DeskSettings = {
            server,
            apiKey: input.apiKey ? input.apiKey.trim() : old.apiKey,
            centreName: input.centreName ?? old.centreName,
            centrePhone: input.centrePhone ?? old.centrePhone,
            centreHours: input.centreHours ?? old.centreHours,
            lang: input.lang ?? old.lang,
        }
        if (input.publicKey?.trim()) {
            if (!server) throw new KioskError("config", "set the server URL before its public key")
            resolveTrustedKey(s, server, input.publicKey.trim()) // checks and pins it
        }
        s.saveDesk(next)
    }

    view(): { status?: StatusView; job?: JobView } {
        return { status: this.statusView(), job: this.job && structuredClone(this.job.view) }
    }

    async connect(address: string): Promise<void> {
        if (this.busy()) throw new KioskError("usage", "wait until the current step has finished")
        await this.disconnect()
        this.session = await openTokenSession(address, { now: this.now, clockReference: this.settings().desk().server })
        this.address = address
        this.connectedAt = this.now()
    }

    /** Closes the token's session and forgets everything about this person. */
    async disconnect(): Promise<void> {
        const s = this.session
        this.session = undefined
        this.address = undefined
        this.job = undefined
        this.sticker = undefined
        await s?.close()
    }

    dismiss(): void {
        if (this.busy()) return
        this.job = undefined
        this.sticker = undefined
    }

    /**
     * Hands out a new token: connects without setting its clock, refuses one that is not fresh (the
     * request fails with the reason), then runs the owner's presses, the clock and the sticker.
     */
    async startHandOut(address: string): Promise<void> {
        if (this.busy()) throw new KioskError("usage", "wait until the current step has finished")
        await this.disconnect()
        const session = await openTokenSession(address, { now: this.now, setClock: false })
        try {
            requireFresh(session)
        } catch (e) {
            await session.close()
            throw e
        }
        this.session = session
        this.address = address
        this.connectedAt = this.now()
        this.run("hand-out", async (job, onProgress) => {
            const { stickerCode } = await handOutToken(session, { onProgress })
            this.sticker = await stickerPage(stickerCode)
            job.view.handedOut = { sticker: true }
        })
    }

    /** The sticker page of the token just handed out, or undefined. */
    stickerPage(): string | undefined {
        return this.sticker
    }

    /** The owner's sheet in `lang`, with the centre's contact from the settings. */
    ownerSheet(lang: Lang): string {
        return ownerSheet(lang, this.settings().desk())
    }

    startCheck(): void {
        const session = this.requireSession()
        const options = this.checkOptions()
        this.run("check", async (job, onProgress) => {
            const r = await this.checkWith(session, options, onProgress)
            job.view.check = { probableContact: r.probableContact, contactDates: r.contactDates }
        })
    }

    startRegister(input: RegisterInput): void {
        const session = this.requireSession()
        // Everything typed is checked before the token is touched.
        const details = parseRegistrationDetails({ ...input, region: DEFAULT_REGION }, this.now())
        const target = this.target()
        this.run("register", async (job, onProgress) => {
            job.upload = await exportKeysForRegistration(session, details, { onProgress, now: this.now })
            await this.send(job, target, onProgress)
        })
    }

    /** Sends the held registration again: the same bytes and idempotency key, so it is stored once. */
    sendAgain(): void {
        const job = this.job
        if (!job?.upload || job.view.phase !== "failed") throw new KioskError("usage", "there is no registration waiting to be sent")
        const target = this.target()
        job.view = { kind: "register", phase: "running" }
        this.drive(job, onProgress => this.send(job, target, onProgress))
    }

    startDecommission(input: DecommissionInput): void {
        const session = this.requireSession()
        // The same checks as the command line's survey options (one source for the ranges and consents).
        const answers = parseSurveyOptions(
            {
                age: input.age ? String(input.age) : undefined,
                commute: input.commute ? String(input.commute) : undefined,
                consentStartDate: !!input.consentStartDate,
                startDate: input.consentStartDate ? input.startDate : undefined,
            },
            this.now()
        )
        const wantsSurvey = answers.ageBracket !== undefined || answers.commuting !== undefined || answers.startDate !== undefined || !!input.consentExposures
        const options = input.consentExposures ? this.checkOptions() : undefined
        const target = wantsSurvey ? this.target() : undefined
        this.run("decommission", async (job, onProgress) => {
            let current = session
            if (options) {
                const r = await this.checkWith(session, options, onProgress)
                current = this.session ?? session
                answers.exposureDays = exposureDaysFromCheck(r.days)
            }
            const outcome = await decommissionToken(current, { survey: prepareSurvey(answers, this.now()), target, retry: this.retry(), onProgress })
            job.view.decommissioned = { surveySent: outcome.survey.sent, ...outcome.erasure }
        })
    }

    async close(): Promise<void> {
        await this.disconnect()
    }

    private async checkWith(session: TokenSession, options: CheckOptions, onProgress: (p: KioskProgress) => void): Promise<CheckResult> {
        let current = session
        const log = twoPhaseLogRead(session, {
            reconnect: () => openTokenSession(this.address!, { now: this.now, clockReference: this.settings().desk().server }),
            onProgress,
            retryMs: this.o.reconnectMs,
        })
        // After each phase, the re-plugged token's session (if any) is the desk's now.
        const adopt = <T>(read: T): T => {
            if (this.session === current) this.session = log.session()
            current = log.session()
            return read
        }
        return checkWithLogReader(
            {
                readDigest: onEntries => log.readDigest(onEntries).then(adopt),
                readCandidates: candidates => log.readCandidates(candidates).then(adopt),
            },
            session.status.scanPeriodSeconds,
            { ...options, onProgress }
        )
    }

    private async send(job: Job, target: UploadTarget, onProgress: (p: KioskProgress) => void): Promise<void> {
        const r = await sendUpload(job.upload!, target, { retry: this.retry(), onProgress })
        job.view.registered = { accepted: r.accepted }
        job.upload = undefined // sent: nothing of it is kept
    }

    private run(kind: JobKind, work: (job: Job, onProgress: (p: KioskProgress) => void) => Promise<void>): void {
        if (this.busy()) throw new KioskError("usage", "wait until the current step has finished")
        const job: Job = { view: { kind, phase: "running" } }
        this.job = job
        this.drive(job, onProgress => work(job, onProgress))
    }

    private drive(job: Job, work: (onProgress: (p: KioskProgress) => void) => Promise<void>): void {
        const bar = new CheckProgress()
        const onProgress = (p: KioskProgress) => {
            this.o.observe?.(p)
            const v = job.view
            if (p.step === "press-button") v.button = { purpose: p.purpose, secondsLeft: p.secondsLeft }
            else if (p.step === "retry") v.retrying = { attempt: p.attempt, seconds: Math.round(p.delayMs / 1000) }
            else if (p.step === "token-unplugged") v.unplugged = true
            else if (p.step === "token-back") v.unplugged = false
            if (p.step !== "press-button" && p.step !== "retry") {
                v.button = undefined // the work goes on: the press was taken
                bar.update(p)
                v.progress = bar.current()
            }
        }
        work(onProgress)
            .then(() => this.refreshStatus())
            .then(
                () => {
                    job.view = { ...job.view, phase: "done", endedAtMs: this.now(), button: undefined, retrying: undefined, progress: undefined }
                },
                e => {
                    job.view = { ...job.view, phase: "failed", button: undefined, retrying: undefined, error: errorView(e), canSendAgain: !!job.upload }
                }
            )
    }

    /** After a job the status screen shows what the token says now (e.g. stopped, keys gone). */
    private async refreshStatus(): Promise<void> {
        const s = this.session
        if (s) s.status = await s.connection.client.status().catch(() => s.status)
    }

    private busy(): boolean {
        return this.job?.view.phase === "running"
    }

    private requireSession(): TokenSession {
        if (!this.session) throw new KioskError("token-not-found", "no token is connected")
        return this.session
    }

    private statusView(): StatusView | undefined {
        const s = this.session
        if (!s) return undefined
        const st = s.status
        return {
            address: this.address!,
            state: st.state,
            tokenClockMs: this.connectedAt + s.driftSeconds * 1000,
            kioskClockMs: this.connectedAt,
            driftSeconds: s.driftSeconds,
            clockWasUnset: s.clockWasUnset,
            keysHeld: st.keysHeld,
            recordsHeld: st.recordsHeld,
            storageUsed: st.storageUsed,
            storageCapacity: st.storageCapacity,
            lastSyncMs: this.connectedAt,
            clockRepair: s.clockRepair,
            stop:
                s.stop &&
                (s.stop.state === "done"
                    ? { byOwner: s.stop.byOwner, erased: s.stop.bytesNotErased === 0, bytesChecked: s.stop.bytesChecked }
                    : { byOwner: false, erased: false, bytesChecked: 0 }),
        }
    }

    private checkOptions(): CheckOptions {
        const desk = this.settings().desk()
        if (!desk.server) throw new KioskError("config", "no server URL is set (settings)")
        return {
            server: desk.server,
            region: DEFAULT_REGION,
            dataDir: this.o.dataDir,
            trustedKey: resolveTrustedKey(this.settings(), desk.server),
            riskConfig: loadRiskConfig(),
        }
    }

    private target(): UploadTarget {
        const desk = this.settings().desk()
        if (!desk.server) throw new KioskError("config", "no server URL is set (settings)")
        if (!desk.apiKey) throw new KioskError("config", "the kiosk's API key is not set (settings)")
        return { server: desk.server, apiKey: desk.apiKey }
    }

    private retry(): RetryPolicy {
        return { ...DEFAULT_RETRY, ...this.o.retry }
    }
}
