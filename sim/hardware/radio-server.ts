// The simulated Bluetooth LE radio of one token: the GAEN Radio service (services/gaen-radio.md)
// served to the token's VM, with transmission and reception delegated to a RadioMedium.
import jd from "../../lib/jacdac/jacdac-ts.js"
import { GaenRadioCmd, GaenRadioReg, SRV_GAEN_RADIO, loadProjectServiceSpecs } from "../../lib/jacdac/service-specs.js"
import type { HeardAdvertisement, RadioMedium } from "./radio-medium.js"

const ADDRESS_BYTES = 6
const MAX_ADV_DATA = 31
const MIN_SCAN_MS = 100
const MAX_SCAN_MS = 30_000
/** Jacdac packets carry at most 236 bytes of payload (3 of them: state and count). */
const MAX_REPORT_BYTES = 236

export interface RadioServerOptions {
    medium: RadioMedium
    /** Calibrated TX power in dBm (typical ESP32 default: 0 dBm... set per board). */
    txPower: number
    advertisingIntervalMs: number
    /** Simulated now, in Unix ms. */
    now: () => number
}

export class GaenRadioServer extends jd.JDServiceServer {
    private readonly advertisingReg
    private scanning = false
    private results: HeardAdvertisement[] = []
    private scanTimer: ReturnType<typeof setTimeout> | undefined

    constructor(private readonly options: RadioServerOptions) {
        loadProjectServiceSpecs()
        super(SRV_GAEN_RADIO)
        this.addRegister(GaenRadioReg.TxPower, [options.txPower])
        this.addRegister(GaenRadioReg.AdvertisingInterval, [options.advertisingIntervalMs])
        this.advertisingReg = this.addRegister<[boolean]>(GaenRadioReg.Advertising, [false])
        this.addCommand(GaenRadioCmd.Advertise, pkt => this.handleAdvertise(pkt.data))
        this.addCommand(GaenRadioCmd.StopAdvertising, () => this.handleStop())
        this.addCommand(GaenRadioCmd.Scan, pkt => this.handleScan(pkt.data))
        this.addCommand(GaenRadioCmd.ScanResults, pkt => this.handleScanResults(pkt.data))
    }

    private handleAdvertise(data: Uint8Array) {
        if (data.length < ADDRESS_BYTES + 1 || data.length > ADDRESS_BYTES + MAX_ADV_DATA) return
        const address = data.slice(0, ADDRESS_BYTES)
        const payload = data.slice(ADDRESS_BYTES)
        this.advertisingReg.setValues([true])
        this.options.medium.advertisingChanged({ address, payload }, this.options.now())
    }

    private handleStop() {
        this.advertisingReg.setValues([false])
        this.options.medium.advertisingChanged(null, this.options.now())
    }

    private handleScan(data: Uint8Array) {
        if (data.length < 4) return
        const duration = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true)
        if (duration < MIN_SCAN_MS || duration > MAX_SCAN_MS) return
        clearTimeout(this.scanTimer)
        this.results = []
        this.scanning = true
        const from = this.options.now()
        this.scanTimer = setTimeout(async () => {
            this.results = await this.options.medium.scanWindow(from, from + duration)
            this.scanning = false
        }, duration)
    }

    private async handleScanResults(data: Uint8Array) {
        const start = data.length >= 2 ? data[0] | (data[1] << 8) : 0
        const total = this.scanning ? 0 : this.results.length
        const parts: number[] = [this.scanning ? 1 : 0, total & 0xff, total >> 8]
        for (let i = start; i < total; i++) {
            const e = this.results[i]
            const entry = [...e.address, e.rssi & 0xff, Math.min(255, e.packets), e.payload.length, ...e.payload]
            if (parts.length + entry.length > MAX_REPORT_BYTES) break
            parts.push(...entry)
        }
        await this.sendPacketAsync(jd.Packet.from(GaenRadioCmd.ScanResults, new Uint8Array(parts)))
    }
}
