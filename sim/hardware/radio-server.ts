// The simulated Bluetooth LE radio of one token: the GAEN Radio service (services/gaen-radio.md)
// served to the token's VM, with transmission and reception delegated to a RadioMedium.
import jd from "../../lib/jacdac/jacdac-ts.js"
import { GaenRadioCmd, GaenRadioReg, SRV_GAEN_RADIO, loadProjectServiceSpecs } from "../../lib/jacdac/service-specs.js"
import type { HeardAdvertisement, LinkMedium, RadioMedium } from "./radio-medium.js"

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
    /** Where the sync link goes (none: connections are refused). */
    link?: LinkMedium
}

const LINK_CONNECTED = 1
const LINK_DISCONNECTED = 2
const LINK_VALUE = 3
/** The smallest ATT MTU (BLE 4.0); a connection may agree on more. */
const MIN_MTU = 23
/** The largest ATT MTU the radio agrees to: a value (MTU - 3) and the event byte fit one Jacdac
 *  packet (236 bytes), both ways (services/gaen-radio.md). */
export const MAX_LINK_MTU = 238

export class GaenRadioServer extends jd.JDServiceServer {
    private readonly advertisingReg
    private scanning = false
    private results: HeardAdvertisement[] = []
    private scanTimer: ReturnType<typeof setTimeout> | undefined
    private syncAdvertising = false
    private connection: { mtu: number; host: Uint8Array } | undefined

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
        this.addCommand(GaenRadioCmd.AdvertiseSync, pkt => this.handleAdvertiseSync(pkt.data))
        this.addCommand(GaenRadioCmd.StopSync, () => this.handleStopSync())
        this.addCommand(GaenRadioCmd.LinkSend, pkt => this.handleLinkSend(pkt.data))
        this.addCommand(GaenRadioCmd.LinkEvent, () => this.sendLinkEvent(this.linkState()))
    }

    private handleAdvertiseSync(data: Uint8Array) {
        if (data.length < ADDRESS_BYTES + 1 || data.length > ADDRESS_BYTES + MAX_ADV_DATA) return
        if ((data[ADDRESS_BYTES - 1] & 0xc0) !== 0xc0 || this.connection) return
        this.syncAdvertising = true
        this.options.link?.syncAdvertisingChanged({ address: data.slice(0, ADDRESS_BYTES), payload: data.slice(ADDRESS_BYTES) }, this.options.now())
    }

    private handleStopSync() {
        this.stopSyncAdvertising()
        if (this.connection) {
            this.connection = undefined
            this.options.link?.closed()
        }
    }

    private stopSyncAdvertising() {
        if (!this.syncAdvertising) return
        this.syncAdvertising = false
        this.options.link?.syncAdvertisingChanged(null, this.options.now())
    }

    private handleLinkSend(data: Uint8Array) {
        if (!this.connection || data.length > this.connection.mtu - 3) return
        this.options.link?.notify(data)
    }

    private linkState(): number[] {
        if (!this.connection) return [0, this.syncAdvertising ? 1 : 0]
        const { mtu, host } = this.connection
        return [1, mtu & 0xff, mtu >> 8, ...host]
    }

    private sendLinkEvent(event: number[]) {
        return this.sendPacketAsync(jd.Packet.from(GaenRadioCmd.LinkEvent, new Uint8Array(event)))
    }

    /** A host connects: only to the sync advertisement, one host at a time. Returns the ATT MTU
     *  agreed, or 0: refused. */
    hostConnect(mtu: number, host: Uint8Array): number {
        if (!this.syncAdvertising || this.connection) return 0
        // A connectable advertisement stops once a host is connected (as a BLE controller does).
        this.stopSyncAdvertising()
        this.connection = { mtu: Math.max(MIN_MTU, Math.min(mtu, MAX_LINK_MTU)), host }
        void this.sendLinkEvent([LINK_CONNECTED, this.connection.mtu & 0xff, this.connection.mtu >> 8, ...host])
        return this.connection.mtu
    }

    /** The connected host wrote a value (one GATT write). */
    hostWrite(value: Uint8Array) {
        if (!this.connection || value.length > this.connection.mtu - 3) return
        void this.sendLinkEvent([LINK_VALUE, ...value])
    }

    hostDisconnect() {
        if (!this.connection) return
        this.connection = undefined
        void this.sendLinkEvent([LINK_DISCONNECTED])
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
