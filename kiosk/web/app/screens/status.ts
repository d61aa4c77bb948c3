// Status: the token's state, both clocks and the difference, what it holds, storage, last sync.
import { html } from "htm/preact"
import { screen as S, text, dateTime } from "../../../i18n/messages.js"
import type { AppState } from "../state.js"
import { ErrorBox, Heading, NeedsToken, lang, t } from "./common.js"

export function StatusScreen({ app }: { app: AppState }) {
    const s = app.desk.value?.status
    const l = lang(app)
    return html`<section>
        <${Heading}>${t(app, S.statusTitle)}<//>
        ${
            !s
                ? html`<${NeedsToken} app=${app} />`
                : html` <p class="lead" role="status">${t(app, S.connected)}</p>
                      ${s.clockRepair ? html`<p class="notice" role="status">${t(app, text.clockRepaired(s.clockRepair.tokenOffSeconds, s.clockRepair.futureRecordsErased))}</p>` : null}
                      <dl class="facts">
                          <dt>${t(app, S.state)}</dt>
                          <dd>${t(app, s.state === "active" ? text.stateActive : s.state === "stopped" ? text.stateStopped : text.stateTimeNotSet)}</dd>
                          <dt>${t(app, S.tokenClock)}</dt>
                          <dd>${s.clockWasUnset ? "—" : dateTime(s.tokenClockMs, l)}</dd>
                          <dt>${t(app, S.kioskClock)}</dt>
                          <dd>${dateTime(s.kioskClockMs, l)}</dd>
                          <dt>${t(app, S.clockGap)}</dt>
                          <dd>${s.clockWasUnset ? t(app, S.clockWasUnset) : S.driftText(s.driftSeconds, l)}</dd>
                          <dt>${t(app, S.daysKept)}</dt>
                          <dd>${S.daysValue(s.keysHeld, l)}</dd>
                          <dt>${t(app, S.records)}</dt>
                          <dd>${S.recordsValue(s.recordsHeld, l)}</dd>
                          <dt>${t(app, S.storage)}</dt>
                          <dd>${S.storageValue(s.storageUsed, s.storageCapacity, l)}</dd>
                          <dt>${t(app, S.lastSync)}</dt>
                          <dd>${dateTime(s.lastSyncMs, l)}</dd>
                          ${
                              s.stop &&
                              html`<dt>${t(app, S.stopRecordTitle)}</dt>
                                  <dd data-stop=${s.stop.byOwner ? "owner" : "kiosk"}>
                                      ${t(app, text.stopRecord(s.stop.byOwner, s.stop.erased, s.stop.bytesChecked))}
                                  </dd>`
                          }
                      </dl>
                      <div class="actions">
                          <button onClick=${() => app.go("check")}>${t(app, S.navCheck)}</button>
                          <button class="secondary" onClick=${() => app.disconnect()}>${t(app, S.disconnect)}</button>
                      </div>`
        }
        <${ErrorBox} app=${app} error=${app.error.value} />
    </section>`
}
