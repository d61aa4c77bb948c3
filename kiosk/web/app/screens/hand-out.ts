// お渡し: a new token from the box to its owner. Staff pick the token (a port, or a simulated token's
// address); a token that is not fresh is refused with what it is; the owner presses twice (the clock,
// inside the owner's session, and the sticker); then the sticker and the owner's sheet to print (the
// sheet opens in its own tab, in the screen's language, with the other language one click away).
import { html } from "htm/preact"
import { screen as S } from "../../../i18n/messages.js"
import { ownerSheetPath } from "../../../handout/owner-sheet.js"
import type { AppState } from "../state.js"
import { ErrorBox, ScreenFrame, PressButton, lang, t } from "./common.js"
import { AddressForm, PortList } from "./token-picker.js"

export function HandOutScreen({ app }: { app: AppState }) {
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
        return html`<p class="lead">${t(app, S.handOutIntro)}</p>
            <${PortList} app=${app} label=${S.handOutStart} pick=${(a: string) => app.handOut(a)} />
            <${AddressForm} app=${app} id="hand-out-address" label=${S.handOutStart} primary pick=${(a: string) => app.handOut(a)} />`
    }
    return html`<${ScreenFrame} app=${app} title=${S.handOutTitle}>${body()}<//>`
}
