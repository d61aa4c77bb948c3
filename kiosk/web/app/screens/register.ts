// 陽性情報の登録: the processing number (8 digits, full-width accepted, a scanner that types works),
// symptoms and the onset or test date; then what will be sent, in plain words, before the owner is
// asked to press the button; then the server's answer, with "send again" (the same upload) on failure.
import { html } from "htm/preact"
import { useSignal } from "@preact/signals"
import { screen as S } from "../../../i18n/messages.js"
import type { AppState } from "../state.js"
import { ErrorBox, NeedsToken, ScreenFrame, PressButton, Retrying, lang, t, type Text } from "./common.js"

/** Full-width digits (what a Japanese keyboard often gives) read as the same number. */
export function normaliseProcessingNumber(s: string): string {
    return s.trim().replace(/[０-９]/g, c => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
}

function today(): string {
    const d = new Date()
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`
}

export function RegisterScreen({ app }: { app: AppState }) {
    const step = useSignal<"form" | "consent">("form")
    const number = useSignal("")
    const symptoms = useSignal<"yes" | "no">("no")
    const onset = useSignal("")
    const problem = useSignal<Text | undefined>(undefined) // shown in the language of the moment
    const job = app.job.value?.kind === "register" ? app.job.value : undefined
    const l = lang(app)

    const toConsent = (e: Event) => {
        e.preventDefault()
        if (!/^\d{8}$/.test(normaliseProcessingNumber(number.value))) {
            problem.value = S.processingNumberInvalid
            return
        }
        if (!onset.value) {
            problem.value = S.dateMissing
            return
        }
        problem.value = undefined
        step.value = "consent"
    }
    const send = async () => {
        const ok = await app.register({ processingNumber: normaliseProcessingNumber(number.value), symptoms: symptoms.value, onset: onset.value })
        if (ok) {
            number.value = ""
            step.value = "form"
        } // the number stays only in the kiosk's memory
    }
    const body = () => {
        if (job?.phase === "running")
            return job.button
                ? html`<${PressButton} app=${app} job=${job} />`
                : html`<p role="status">${t(app, S.sending)}</p>
                      <${Retrying} app=${app} job=${job} />`
        if (job?.phase === "done")
            return html`<div class="outcome" role="status">
                <p class="result">${t(app, S.registeredTitle)}</p>
                <p>${S.registeredText(job.registered!.accepted, l)}</p>
                <button onClick=${() => app.dismiss()}>${t(app, S.done)}</button>
            </div>`
        if (job?.phase === "failed")
            return html`<${ErrorBox} app=${app} error=${job.error} />
                <div class="actions">
                    ${job.canSendAgain ? html`<button class="primary" onClick=${() => app.sendAgain()}>${t(app, S.sendAgain)}</button>` : ""}
                    <button class="secondary" onClick=${() => app.dismiss()}>${t(app, S.back)}</button>
                </div>`
        if (!app.connected.value) return html`<${NeedsToken} app=${app} />`
        if (step.value === "consent")
            return html`<div class="consent">
                <h2>${t(app, S.consentTitle)}</h2>
                <ul>
                    ${S.consentText[l].map(line => html`<li>${line}</li>`)}
                </ul>
                <div class="actions">
                    <button class="primary" disabled=${app.pending.value} onClick=${send}>${t(app, S.consentAgree)}</button>
                    <button
                        class="secondary"
                        onClick=${() => {
                            step.value = "form"
                        }}
                    >
                        ${t(app, S.back)}
                    </button>
                </div>
            </div>`
        return html`<form onSubmit=${toConsent} autocomplete="off" novalidate>
            <p class="lead">${t(app, S.registerIntro)}</p>
            <label for="processing-number">${t(app, S.processingNumber)}</label>
            <p class="hint" id="pn-hint">${t(app, S.processingNumberHint)}</p>
            <input
                id="processing-number"
                type="text"
                inputmode="numeric"
                autocomplete="off"
                spellcheck="false"
                aria-describedby="pn-hint"
                value=${number.value}
                onInput=${(e: Event) => {
                    number.value = (e.target as HTMLInputElement).value
                }}
            />
            <fieldset>
                <legend>${t(app, S.symptomsQuestion)}</legend>
                <label
                    ><input
                        type="radio"
                        name="symptoms"
                        checked=${symptoms.value === "yes"}
                        onChange=${() => {
                            symptoms.value = "yes"
                        }}
                    />
                    ${t(app, S.symptomsYes)}</label
                >
                <label
                    ><input
                        type="radio"
                        name="symptoms"
                        checked=${symptoms.value === "no"}
                        onChange=${() => {
                            symptoms.value = "no"
                        }}
                    />
                    ${t(app, S.symptomsNo)}</label
                >
            </fieldset>
            <label for="onset">${t(app, symptoms.value === "yes" ? S.onsetDate : S.testDate)}</label>
            <input
                id="onset"
                type="date"
                autocomplete="off"
                max=${today()}
                value=${onset.value}
                onInput=${(e: Event) => {
                    onset.value = (e.target as HTMLInputElement).value
                }}
            />
            ${problem.value ? html`<p class="error" role="alert">${t(app, problem.value)}</p>` : ""}
            <button type="submit" class="primary">${t(app, S.next)}</button>
        </form>`
    }
    return html`<${ScreenFrame} app=${app} title=${S.registerTitle}>${body()}<//>`
}
