// Settings (staff): server URL, the pinned export key (and its fingerprint), the kiosk's API key,
// the centre's name, phone and hours, the starting language. Saved in the kiosk's data folder (0600).
// The fields are uncontrolled (defaultValue): the page's polling must not overwrite what staff type.
import { html } from "htm/preact"
import { useSignal } from "@preact/signals"
import { screen as S } from "../../../i18n/messages.js"
import type { AppState } from "../state.js"
import { ErrorBox, Heading, t } from "./common.js"

export function SettingsScreen({ app }: { app: AppState }) {
    const current = app.desk.value?.settings
    const saved = useSignal(false)
    const field = (id: string, label: { ja: string; en: string }, value: string | undefined, type = "text") =>
        html` <label for=${id}>${t(app, label)}</label>
            <input id=${id} name=${id} type=${type} autocomplete="off" defaultValue=${value ?? ""} />`
    const submit = async (e: Event) => {
        e.preventDefault()
        const form = new FormData(e.target as HTMLFormElement)
        const get = (k: string) => String(form.get(k) ?? "")
        saved.value = await app.saveSettings({
            server: get("server") || undefined,
            publicKey: get("publicKey") || undefined,
            apiKey: get("apiKey") || undefined,
            centreName: get("centreName"),
            centrePhone: get("centrePhone"),
            centreHours: get("centreHours"),
            lang: get("lang"),
        })
    }
    if (!current) return null
    return html`<section>
        <${Heading}>${t(app, S.settingsTitle)}<//>
        <form onSubmit=${submit} autocomplete="off">
            ${field("server", S.settingServer, current.server, "url")}
            <label for="publicKey">${t(app, S.settingPublicKey)}</label>
            <textarea id="publicKey" name="publicKey" rows="3"></textarea>
            <p>${t(app, S.settingFingerprint)}: <code>${current.fingerprint ?? t(app, S.settingNoKey)}</code></p>
            <label for="apiKey">${t(app, S.settingApiKey)}${current.apiKeySet ? ` (${t(app, S.settingApiKeySet)})` : ""}</label>
            <input id="apiKey" name="apiKey" type="password" autocomplete="off" />
            ${field("centreName", S.settingCentreName, current.centreName)} ${field("centrePhone", S.settingCentrePhone, current.centrePhone, "tel")}
            ${field("centreHours", S.settingCentreHours, current.centreHours)}
            <label for="lang">${t(app, S.settingLang)}</label>
            <select id="lang" name="lang" defaultValue=${current.lang ?? "ja"}>
                <option value="ja">日本語</option>
                <option value="en">English</option>
            </select>
            <button type="submit" class="primary">${t(app, S.save)}</button>
            ${saved.value ? html`<p role="status">${t(app, S.saved)}</p>` : ""}
        </form>
        <${ErrorBox} app=${app} error=${app.error.value} />
    </section>`
}
