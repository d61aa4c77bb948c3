// Pieces every screen uses: text in the current language, the error box (person's words + staff
// details), the one progress bar, and the generic "press the button now" step with its countdown.
import { html } from "htm/preact"
import { useEffect, useRef } from "preact/hooks"
import type { Lang } from "../../../i18n/locale.js"
import { screen as S } from "../../../i18n/messages.js"
import type { ErrorView, JobView } from "../../desk.js"
import type { AppState } from "../state.js"

export type Text = { ja: string; en: string }
export const t = (app: AppState, text: Text) => text[app.lang.value]
export const lang = (app: AppState): Lang => app.lang.value

/** The heading of a screen; focused when the screen opens so a screen reader starts there. */
export function Heading({ children }: { children: unknown }) {
    const ref = useRef<HTMLHeadingElement>(null)
    useEffect(() => {
        ref.current?.focus()
    }, [])
    return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`
}

/** A screen: its heading, its body, and the error of the last request made from it. */
export function ScreenFrame({ app, title, children }: { app: AppState; title: Text; children: unknown }) {
    return html`<section>
        <${Heading}>${t(app, title)}<//>
        ${children}
        <${ErrorBox} app=${app} error=${app.error.value} />
    </section>`
}

export function ErrorBox({ app, error }: { app: AppState; error?: ErrorView }) {
    if (!error) return null
    return html`<div class="error" role="alert">
        <h2>${t(app, S.errorTitle)}</h2>
        <p>${error.text[lang(app)] || error.message}</p>
        <details>
            <summary>${t(app, S.staffDetails)}</summary>
            <p><code>${error.code}</code> ${error.message}</p>
        </details>
    </div>`
}

export function ProgressBar({ app, job }: { app: AppState; job: JobView }) {
    const p = job.progress ?? { percent: 0, secondsLeft: null, step: "download" as const }
    const label = { download: S.stepDownload, "read-log": S.stepReadLog, match: S.stepMatch, "read-candidates": S.stepReadCandidates }[p.step]
    return html`<div class="progress">
        <progress max="100" value=${p.percent} aria-label=${t(app, S.progressLabel)}></progress>
        <p role="status">
            <strong>${p.percent}%</strong> ${t(app, label)}${p.count ? ` (${S.countOf(p.count.done, p.count.total, lang(app))})` : ""}${
                p.secondsLeft !== null ? html` · ${S.timeLeft(p.secondsLeft, lang(app))}` : ""
            }
        </p>
        ${job.unplugged ? html`<p class="warning" role="alert">${t(app, S.unplugged)}</p>` : ""}
    </div>`
}

/** A short tone from the speakers, so a person looking at the token knows it is time to press. */
function beep() {
    try {
        const ctx = new AudioContext()
        const osc = ctx.createOscillator()
        osc.frequency.value = 880
        osc.connect(ctx.destination)
        osc.start()
        osc.stop(ctx.currentTime + 0.25)
        osc.onended = () => void ctx.close()
    } catch {
        /* no audio device: the screen says it anyway */
    }
}

export function PressButton({ app, job }: { app: AppState; job: JobView }) {
    const left = job.button?.secondsLeft ?? 0
    useEffect(() => {
        beep()
    }, [])
    useEffect(() => {
        if (left === 10) beep()
    }, [left])
    return html`<div class="press" role="alert">
        <h2>${t(app, S.pressTitle)}</h2>
        <p>${t(app, S.pressHint)}</p>
        <p class="countdown" aria-live="polite">${S.pressLeft(left, lang(app))}</p>
    </div>`
}

export function Retrying({ app, job }: { app: AppState; job: JobView }) {
    if (!job.retrying) return null
    return html`<p role="status">${S.retrying(job.retrying.attempt, job.retrying.seconds, lang(app))}</p>`
}

export function NeedsToken({ app }: { app: AppState }) {
    return html`<p>${t(app, S.noToken)}</p>
        <button onClick=${() => app.go("connect")}>${t(app, S.navConnect)}</button>`
}
