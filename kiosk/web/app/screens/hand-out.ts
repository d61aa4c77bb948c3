// お渡し: a new token from the box to its owner. Staff pick the token (a port, or a simulated token's
// address); a token that is not fresh is refused with what it is; the owner presses twice (the clock,
// inside the owner's session, and the sticker); then the sticker and the owner's sheet to print (the
// sheet opens in its own tab, in the screen's language, with the other language one click away).
import { html } from "htm/preact"
import { useEffect } from "preact/hooks"
import { useSignal } from "@preact/signals"
import { screen as S } from "../../../i18n/messages.js"
import { ownerSheetPath } from "../../../handout/owner-sheet.js"
import type { AppState } from "../state.js"
import { ErrorBox, ScreenFrame, PressButton, lang, t } from "./common.js"

export function HandOutScreen({ app }: { app: AppState }) {
    const address = useSignal("")
    useEffect(() => {
        void app.refreshPorts().catch(() => {})
        const timer = setInterval(() => void app.refreshPorts().catch(() => {}), 2000)
        return () => clearInterval(timer)
    }, [])
    const job = app.job.value?.kind === "hand-out" ? app.job.value : undefined
    const l = lang(app)
    const body = () => {
        if (job?.phase === "running")
            return job.button ? html`<${PressButton} app=${app} job=${job} />` : html`<p role="status">${t(app, S.handOutWorking)}</p>`
        if (job?.phase === "done")
            return html`<div class="outcome" role="status">
                <p class="result">${t(app, S.handedOutTitle)}</p>
                <p>${t(app, S.handedOutText)}</p>
                <div class="actions">
                    <a class="button" href="/handout/sticker" target="_blank" rel="noopener">${t(app, S.printSticker)}</a>
                    <a class="button" href=${ownerSheetPath(l)} target="_blank" rel="noopener">${t(app, S.printSheet)}</a>
                    <a class="button secondary" href=${ownerSheetPath(l === "ja" ? "en" : "ja")} target="_blank" rel="noopener">${t(app, S.printSheetOther)}</a>
                </div>
                <button onClick=${() => app.disconnect()}>${t(app, S.done)}</button>
            </div>`
        if (job?.phase === "failed")
            return html`<${ErrorBox} app=${app} error=${job.error} /> <button onClick=${() => app.disconnect()}>${t(app, S.back)}</button>`
        const ports = app.ports.value
        return html`<p class="lead">${t(app, S.handOutIntro)}</p>
            ${
                ports.length === 0
                    ? html`<p>${t(app, S.portsNone)}</p>`
                    : html`<ul class="ports">
                          ${ports.map(
                              p =>
                                  html`<li>
                                      <span>${p.path} ${p.description}</span>
                                      <button disabled=${app.pending.value} onClick=${() => app.handOut(p.address)}>${t(app, S.handOutStart)}</button>
                                  </li>`
                          )}
                      </ul>`
            }
            <form
                class="address"
                onSubmit=${(e: Event) => {
                    e.preventDefault()
                    void app.handOut(address.value)
                }}
                autocomplete="off"
            >
                <label for="hand-out-address">${t(app, S.addressLabel)}</label>
                <input
                    id="hand-out-address"
                    type="text"
                    value=${address.value}
                    onInput=${(e: Event) => {
                        address.value = (e.target as HTMLInputElement).value
                    }}
                    placeholder="tcp://127.0.0.1:8082"
                />
                <button type="submit" class="primary" disabled=${app.pending.value}>${t(app, S.handOutStart)}</button>
            </form>`
    }
    return html`<${ScreenFrame} app=${app} title=${S.handOutTitle}>${body()}<//>`
}
