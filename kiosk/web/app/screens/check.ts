// 接触の確認: one progress bar (download, log read, matching) with time left; the result in large
// text with what to do next and the centre's phone and hours; a printable slip that says nothing
// about who the person is.
import { html } from "htm/preact"
import { useSignal } from "@preact/signals"
import { useEffect } from "preact/hooks"
import { screen as S, longDate } from "../../../i18n/messages.js"
import type { AppState } from "../state.js"
import type { SettingsView } from "../api.js"
import { ErrorBox, Heading, NeedsToken, PressButton, ProgressBar, lang, t } from "./common.js"

export function CheckScreen({ app }: { app: AppState }) {
    const job = app.job.value?.kind === "check" ? app.job.value : undefined
    const connected = app.connected.value
    return html`<section>
        <${Heading}>${t(app, S.checkTitle)}<//>
        ${
            !connected && !job
                ? html`<${NeedsToken} app=${app} />`
                : !job
                  ? html` <p class="lead">${t(app, S.checkIntro)}</p>
                        <button class="primary" disabled=${app.pending.value} onClick=${() => app.startCheck()}>${t(app, S.checkStart)}</button>`
                  : job.phase === "running"
                    ? job.button
                        ? html`<${PressButton} app=${app} job=${job} />`
                        : html`<${ProgressBar} app=${app} job=${job} />`
                    : job.phase === "failed"
                      ? html`<${ErrorBox} app=${app} error=${job.error} /> <button onClick=${() => app.dismiss()}>${t(app, S.back)}</button>`
                      : html`<${CheckResult} app=${app} result=${job.check!} />`
        }
        <${ErrorBox} app=${app} error=${app.error.value} />
    </section>`
}

function localDate(ms: number): string {
    const d = new Date(ms)
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`
}

const PAPER = { a6: "size: 105mm 148mm; margin: 6mm", r80: "size: 80mm 200mm; margin: 3mm", r58: "size: 58mm 200mm; margin: 2mm" } as const

/** Sets the printed page's size for the chosen paper (through the CSSOM: the page allows no inline styles). */
function setPrintPaper(paper: keyof typeof PAPER) {
    const sheet = [...document.styleSheets].find(s => s.href?.endsWith("/app.css"))
    if (!sheet) return
    for (let i = sheet.cssRules.length - 1; i >= 0; i--) {
        const rule = sheet.cssRules[i]
        if (rule instanceof CSSPageRule && rule.selectorText === "") sheet.deleteRule(i)
    }
    sheet.insertRule(`@page { ${PAPER[paper]} }`, sheet.cssRules.length)
}

function CheckResult({ app, result }: { app: AppState; result: { probableContact: boolean; contactDates: string[] } }) {
    const paper = useSignal<keyof typeof PAPER>("a6")
    const settings = app.desk.value!.settings
    useEffect(() => setPrintPaper(paper.value), [])
    return html` <${ResultSlip} app=${app} result=${result} settings=${settings} paper=${paper.value} />
        <div class="actions no-print">
            <label for="paper">${t(app, S.paper)}</label>
            <select
                id="paper"
                value=${paper.value}
                onChange=${(e: Event) => {
                    // At once, not in an effect: printing may follow immediately.
                    paper.value = (e.target as HTMLSelectElement).value as typeof paper.value
                    setPrintPaper(paper.value)
                }}
            >
                <option value="a6">${t(app, S.paperA6)}</option>
                <option value="r80">${t(app, S.paper80)}</option>
                <option value="r58">${t(app, S.paper58)}</option>
            </select>
            <button onClick=${() => window.print()}>${t(app, S.print)}</button>
            <button class="secondary" onClick=${() => app.dismiss()}>${t(app, S.done)}</button>
        </div>`
}

/** The result as it is printed: the result, the next steps and the centre; no name, no token, no number. */
export function ResultSlip({
    app,
    result,
    settings,
    paper,
}: {
    app: AppState
    result: { probableContact: boolean; contactDates: string[] }
    settings: SettingsView
    paper: string
}) {
    const l = lang(app)
    return html`<article class=${`slip paper-${paper}`} aria-labelledby="slip-title">
        <p class="slip-title" id="slip-title">${t(app, S.slipTitle)}</p>
        <p class="slip-date">${t(app, S.slipCheckedOn)}: ${longDate(localDate(app.job.value?.endedAtMs ?? Date.now()), l)}</p>
        ${
            result.probableContact
                ? html` <p class="result contact">${t(app, S.contactTitle)}</p>
                      <p>${t(app, S.contactDates)}: ${result.contactDates.map(d => longDate(d, l)).join(l === "ja" ? "、" : ", ")}</p>
                      <ul>
                          ${S.contactNext[l].map(line => html`<li>${line}</li>`)}
                      </ul>`
                : html` <p class="result">${t(app, S.noContactTitle)}</p>
                      <p>${t(app, S.noContactNext)}</p>`
        }
        ${
            settings.centreName || settings.centrePhone
                ? html`<div class="centre">
                      <p><strong>${t(app, S.centreContact)}</strong>: ${settings.centreName ?? ""}</p>
                      ${settings.centrePhone ? html`<p>${t(app, S.centrePhone)}: <span class="phone">${settings.centrePhone}</span></p>` : ""}
                      ${settings.centreHours ? html`<p>${t(app, S.centreHours)}: ${settings.centreHours}</p>` : ""}
                  </div>`
                : ""
        }
    </article>`
}
