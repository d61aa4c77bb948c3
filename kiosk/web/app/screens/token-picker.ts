// Picking a token, as the connect and hand-out screens both do: the token-like USB serial ports (the
// list refreshes every 2 s while the screen is open, so a token plugged in appears by itself) and an
// address field for a simulated token (tcp://…).
import { html } from "htm/preact"
import { useEffect } from "preact/hooks"
import { useSignal } from "@preact/signals"
import { screen as S } from "../../../i18n/messages.js"
import type { AppState } from "../state.js"
import { t, type Text } from "./common.js"

/** The ports, each with a button that does `pick` with its address. */
export function PortList({ app, label, pick }: { app: AppState; label: Text; pick: (address: string) => unknown }) {
    useEffect(() => {
        void app.refreshPorts().catch(() => {})
        const timer = setInterval(() => void app.refreshPorts().catch(() => {}), 2000)
        return () => clearInterval(timer)
    }, [])
    const ports = app.ports.value
    if (ports.length === 0) return html`<p>${t(app, S.portsNone)}</p>`
    return html`<ul class="ports">
        ${ports.map(
            p =>
                html`<li>
                    <span>${p.path} ${p.description}</span>
                    <button disabled=${app.pending.value} onClick=${() => pick(p.address)}>${t(app, label)}</button>
                </li>`
        )}
    </ul>`
}

/** A typed address and a button that does `pick` with it. */
export function AddressForm(o: { app: AppState; id: string; label: Text; busyLabel?: Text; primary?: boolean; pick: (address: string) => unknown }) {
    const { app } = o
    const address = useSignal("")
    const busy = app.pending.value
    return html`<form
        class="address"
        onSubmit=${(e: Event) => {
            e.preventDefault()
            void o.pick(address.value)
        }}
        autocomplete="off"
    >
        <label for=${o.id}>${t(app, S.addressLabel)}</label>
        <input
            id=${o.id}
            type="text"
            value=${address.value}
            onInput=${(e: Event) => {
                address.value = (e.target as HTMLInputElement).value
            }}
            placeholder="tcp://127.0.0.1:8082"
        />
        <button type="submit" class=${o.primary ? "primary" : undefined} disabled=${busy}>${t(app, busy && o.busyLabel ? o.busyLabel : o.label)}</button>
    </form>`
}
