// The kiosk web app in the browser: one app state (state.ts), a row of screens reachable by keyboard,
// Japanese first with English one click away. The page polls the kiosk for progress; all work runs
// in the kiosk's Node process (kiosk/web/desk.ts), never here.
import "@preact/signals"
import { html, render } from "htm/preact"
import { useEffect } from "preact/hooks"
import { screen as S } from "../../i18n/messages.js"
import { createAppState, type AppState, type Screen } from "./state.js"
import { t } from "./screens/common.js"
import { ConnectScreen } from "./screens/connect.js"
import { StatusScreen } from "./screens/status.js"
import { CheckScreen } from "./screens/check.js"
import { RegisterScreen } from "./screens/register.js"
import { DecommissionScreen } from "./screens/decommission.js"
import { SettingsScreen } from "./screens/settings.js"
import { HandOutScreen } from "./screens/hand-out.js"

const SCREENS: { id: Screen; label: { ja: string; en: string }; view: (p: { app: AppState }) => unknown }[] = [
    { id: "connect", label: S.navConnect, view: ConnectScreen },
    { id: "status", label: S.navStatus, view: StatusScreen },
    { id: "check", label: S.navCheck, view: CheckScreen },
    { id: "register", label: S.navRegister, view: RegisterScreen },
    { id: "decommission", label: S.navDecommission, view: DecommissionScreen },
    { id: "hand-out", label: S.navHandOut, view: HandOutScreen },
    { id: "settings", label: S.navSettings, view: SettingsScreen },
]

function App({ app }: { app: AppState }) {
    useEffect(() => {
        let stop = false
        const poll = async () => {
            await app.refresh().catch(() => {})
            if (!stop) setTimeout(poll, 400)
        }
        void poll()
        return () => {
            stop = true
        }
    }, [])
    useEffect(() => {
        document.documentElement.lang = app.lang.value
        document.title = t(app, S.appTitle)
    }, [app.lang.value])
    const current = SCREENS.find(s => s.id === app.screen.value)!
    return html` <header class="no-print">
            <p class="app-title">${t(app, S.appTitle)}${app.desk.value?.settings.centreName ? ` — ${app.desk.value.settings.centreName}` : ""}</p>
            <button class="lang" lang=${app.lang.value === "ja" ? "en" : "ja"} aria-label=${t(app, S.otherLangName)} onClick=${() => app.toggleLang()}>
                ${t(app, S.otherLang)}
            </button>
        </header>
        <nav class="no-print" aria-label=${t(app, S.nav)}>
            ${SCREENS.map(s => html`<button aria-current=${s.id === current.id ? "page" : undefined} onClick=${() => app.go(s.id)}>${t(app, s.label)}</button>`)}
        </nav>
        <main>${html`<${current.view} key=${current.id} app=${app} />`}</main>`
}

render(html`<${App} app=${createAppState()} />`, document.getElementById("app")!)
