// Connect: the token-like USB serial ports (the list refreshes while this screen is open, so a token
// plugged in appears by itself), a field for a token's Bluetooth sticker (the barcode scanner types
// the QR code, `ble:<code>`; the code typed by hand works too) and an address field for a simulated token.
import { html } from "htm/preact"
import { useSignal } from "@preact/signals"
import { screen as S } from "../../../i18n/messages.js"
import type { AppState } from "../state.js"
import { ErrorBox, Heading, t } from "./common.js"
import { AddressForm, PortList } from "./token-picker.js"

export function ConnectScreen({ app }: { app: AppState }) {
    const sticker = useSignal("")
    return html`<section>
        <${Heading}>${t(app, S.connectTitle)}<//>
        <p class="lead">${t(app, S.connectIntro)}</p>
        <h2>${t(app, S.portsTitle)}</h2>
        <${PortList} app=${app} label=${S.connectPort} pick=${(a: string) => app.connect(a)} />
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
        <${AddressForm} app=${app} id="address" label=${S.connect} busyLabel=${S.connecting} pick=${(a: string) => app.connect(a)} />
        <${ErrorBox} app=${app} error=${app.error.value} />
    </section>`
}

/** The sticker's QR code is the whole address; a code typed by hand gets the `ble:` in front. */
function bluetoothAddress(text: string): string {
    const code = text.trim()
    return /^ble:/i.test(code) ? `ble:${code.slice(4)}` : `ble:${code}`
}
