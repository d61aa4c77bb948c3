// `npm run demo:token`: one simulated token, running the real firmware, is handed out: a kiosk sets
// its clock, it goes on air, and changes its identifier every 10–20 minutes. Shown in plain words.
// (`npm start`, demo/cafe.ts, is a room of tokens.)
import { units } from "../kiosk/i18n/messages.js"
import { SimClock } from "../sim/clock/sim-clock.js"
import { TokenVm } from "../sim/harness/token-vm.js"
import { TokenSyncClient } from "../lib/token-sync/sync-client.js"
import { parseAdvertisement } from "../lib/gaen/index.js"
import { setTokenClock } from "../sim/harness/set-token-clock.js"
import { formatAddress } from "../sim/capture/trace.js"

const SIM_HOURS = 2
/** Simulated seconds per real second once the token is up (it boots at real speed). */
const FAST = 400
console.debug = () => {} // jacdac-ts reports every socket connection there
const clock = SimClock.startingAt(Date.UTC(2026, 10, 26, 0, 30), 1)
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16) + " UTC"

console.log("GAEN token demo / GAENトークンのデモ")
console.log("Starting one simulated token (real firmware in the DeviceScript simulator)…")
console.log("シミュレータでトークンを1台起動します…\n")

let lastShown = 0
const vm = await TokenVm.start({
    clock,
    onAdvertising: ad => {
        if (!ad) return console.log(`${hhmm(clock.now())}  off air / 送信停止`)
        const { rpi, aem } = parseAdvertisement(ad.payload)
        const gap = lastShown ? ` (after ${Math.round((ad.atMs - lastShown) / 60000)} min)` : ""
        lastShown = ad.atMs
        console.log(`${hhmm(ad.atMs)}  on air${gap}: address ${formatAddress(ad.address)}  RPI ${rpi.toString("hex")}  AEM ${aem.toString("hex")}`)
    },
})
try {
    const sync = await TokenSyncClient.find(vm.bus)
    clock.setScale(FAST)
    const before = await sync.status()
    console.log(
        `Token ${before.tokenId}, firmware ${before.firmwareVersion}: ${before.state === "time-not-set" ? "clock not set, nothing on air / 時刻未設定のため送信なし" : before.state}`
    )
    await clock.sleep(10 * 60_000)
    console.log(`${hhmm(clock.now())}  ten minutes later, still nothing on air: ${vm.aired.length} advertisements / 10分後も送信なし`)
    console.log(`${hhmm(clock.now())}  a kiosk sets the clock / キオスクが時刻を設定`)
    await setTokenClock(clock, sync)
    await clock.sleep(SIM_HOURS * 3600_000)
    const after = await sync.status()
    console.log(`\nAfter ${SIM_HOURS} simulated hours: ${vm.aired.length} identifiers sent, ${units(after.keysHeld, "daily key")} held, state ${after.state}.`)
    console.log(`${SIM_HOURS}時間後: 識別子 ${vm.aired.length} 個を送信、日次鍵 ${after.keysHeld} 個を保持、状態 ${after.state}。`)
    console.log("Only the random address and the GAEN identifiers go on air: nothing about the owner.")
    console.log("送信されるのはランダムなアドレスとGAEN識別子だけです。持ち主の情報は含まれません。")
} finally {
    await vm.stop()
}
