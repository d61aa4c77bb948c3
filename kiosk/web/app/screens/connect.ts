// Connect: the token-like USB serial ports (the list refreshes while this screen is open, so a token
// plugged in appears by itself), a field for a token's Bluetooth sticker (the barcode scanner types
// the QR code, `ble:<code>`; the code typed by hand works too) and an address field for a simulated token.
import { html } from "htm/preact"
import { useEffect } from "preact/hooks"
import { useSignal } from "@preact/signals"
import { screen as S } from "../../../i18n/messages.js"
import type { AppState } from "../state.js"
import { ErrorBox, Heading, t } from "./common.js"

export function ConnectScreen({ app }: { app: AppState }) {
    const address = useSignal("")
    const sticker = useSignal("")
    useEffect(() => {
        void app.refreshPorts().catch(() => {})
        const timer = setInterval(() => void app.refreshPorts().catch(() => {}), 2000)
        return () => clearInterval(timer)
    }, [])
    const ports = app.ports.value
    return html`<section>
        <${Heading}>${t(app, S.connectTitle)}<//>
        <p class="lead">${t(app, S.connectIntro)}</p>
        <h2>${t(app, S.portsTitle)}</h2>
        ${
            ports.length === 0
                ? html`<p>${t(app, S.portsNone)}</p>`
                : html`<ul class="ports">
                      ${ports.map(
                          p =>
                              html`<li>
                                  <span>${p.path} ${p.description}</span>
                                  <button disabled=${app.pending.value} onClick=${() => app.connect(p.address)}>${t(app, S.connectPort)}</button>
                              </li>`
                      )}
                  </ul>`
        }
        <h2>${t(app, S.bluetoothTitle)}</h2>
        <p>${t(app, S.bluetoothIntro)}</p>
        <form
            class="address"
            onSubmit=${(e: Event) => {
                e.preventDefault()
                const a = bluetoothAddress(sticker.value)
                sticker.value = "" /* the code is the token's key: not left on screen */
                void app.connect(a)
            }}
            autocomplete="off"
        >
            <label for="sticker">${t(app, S.stickerLabel)}</label>
            <input
                id="sticker"
                type="text"
                spellcheck="false"
                value=${sticker.value}
                onInput=${(e: Event) => {
                    sticker.value = (e.target as HTMLInputElement).value
                }}
                placeholder="ble:XXXX-XXXX-…"
            />
            <button type="submit" disabled=${app.pending.value}>${app.pending.value ? t(app, S.connecting) : t(app, S.connectBluetooth)}</button>
        </form>
        <form
            class="address"
            onSubmit=${(e: Event) => {
                e.preventDefault()
                void app.connect(address.value)
            }}
            autocomplete="off"
        >
            <label for="address">${t(app, S.addressLabel)}</label>
            <input
                id="address"
                type="text"
                value=${address.value}
                onInput=${(e: Event) => {
                    address.value = (e.target as HTMLInputElement).value
                }}
                placeholder="tcp://127.0.0.1:8082"
            />
            <button type="submit" disabled=${app.pending.value}>${app.pending.value ? t(app, S.connecting) : t(app, S.connect)}</button>
        </form>
        <${ErrorBox} app=${app} error=${app.error.value} />
    </section>`
}

/** The sticker's QR code is the whole address; a code typed by hand gets the `ble:` in front. */
function bluetoothAddress(text: string): string {
    const code = text.trim()
    return /^ble:/i.test(code) ? `ble:${code.slice(4)}` : `ble:${code}`
}
