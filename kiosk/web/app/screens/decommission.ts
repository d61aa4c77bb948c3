// 使用終了: COCOA 3.0.0's survey (every item optional; the start date and the check's result each
// with its own consent), then the button, then the proof of erasure in plain words.
import { html } from "htm/preact"
import { useSignal } from "@preact/signals"
import { screen as S } from "../../../i18n/messages.js"
import type { AppState } from "../state.js"
import { ErrorBox, NeedsToken, ScreenFrame, PressButton, ProgressBar, Retrying, lang, t } from "./common.js"

export function DecommissionScreen({ app }: { app: AppState }) {
    const age = useSignal(0)
    const commute = useSignal(0)
    const consentStart = useSignal(false)
    const startDate = useSignal("")
    const consentExposures = useSignal(false)
    const job = app.job.value?.kind === "decommission" ? app.job.value : undefined
    const l = lang(app)
    const submit = (e: Event) => {
        e.preventDefault()
        void app.decommission({
            age: age.value || undefined,
            commute: commute.value || undefined,
            consentStartDate: consentStart.value,
            startDate: consentStart.value ? startDate.value : undefined,
            consentExposures: consentExposures.value,
        })
    }
    const body = () => {
        if (job?.phase === "running")
            return job.button
                ? html`<${PressButton} app=${app} job=${job} />`
                : job.progress
                  ? html`<${ProgressBar} app=${app} job=${job} />`
                  : html`<p role="status">${t(app, S.sending)}</p>
                        <${Retrying} app=${app} job=${job} />`
        if (job?.phase === "done")
            return html`<div class="outcome" role="status">
                <p class="result">${t(app, S.decommissionedTitle)}</p>
                ${job.decommissioned!.surveySent ? html`<p>${t(app, S.surveySentText)}</p>` : ""}
                <p>${S.decommissionedText(job.decommissioned!.bytesChecked, l)}</p>
                <button onClick=${() => app.disconnect()}>${t(app, S.done)}</button>
            </div>`
        if (job?.phase === "failed")
            return html`<${ErrorBox} app=${app} error=${job.error} /> <button onClick=${() => app.dismiss()}>${t(app, S.back)}</button>`
        if (!app.connected.value) return html`<${NeedsToken} app=${app} />`
        return html`<form onSubmit=${submit} autocomplete="off">
            <p class="lead">${t(app, S.decommissionIntro)}</p>
            <label for="age">${t(app, S.surveyAge)}</label>
            <select
                id="age"
                value=${age.value}
                onChange=${(e: Event) => {
                    age.value = Number((e.target as HTMLSelectElement).value)
                }}
            >
                ${S.surveyAgeOptions[l].map((o, i) => html`<option value=${i}>${o}</option>`)}
            </select>
            <label for="commute">${t(app, S.surveyCommute)}</label>
            <select
                id="commute"
                value=${commute.value}
                onChange=${(e: Event) => {
                    commute.value = Number((e.target as HTMLSelectElement).value)
                }}
            >
                ${S.surveyCommuteOptions[l].map((o, i) => html`<option value=${i}>${o}</option>`)}
            </select>
            <label class="check"
                ><input
                    type="checkbox"
                    checked=${consentStart.value}
                    onChange=${(e: Event) => {
                        consentStart.value = (e.target as HTMLInputElement).checked
                    }}
                />
                ${t(app, S.consentStart)}</label
            >
            ${
                consentStart.value
                    ? html`<label for="start-date">${t(app, S.startDate)}</label>
                          <input
                              id="start-date"
                              type="date"
                              autocomplete="off"
                              value=${startDate.value}
                              onInput=${(e: Event) => {
                                  startDate.value = (e.target as HTMLInputElement).value
                              }}
                          />`
                    : ""
            }
            <label class="check"
                ><input
                    type="checkbox"
                    checked=${consentExposures.value}
                    onChange=${(e: Event) => {
                        consentExposures.value = (e.target as HTMLInputElement).checked
                    }}
                />
                ${t(app, S.consentExposures)}</label
            >
            <button type="submit" class="primary danger" disabled=${app.pending.value}>${t(app, S.decommissionStart)}</button>
        </form>`
    }
    return html`<${ScreenFrame} app=${app} title=${S.decommissionTitle}>${body()}<//>`
}
