// The air between the tokens. It remembers what each token had on air and when, and answers a
// token's scan window with what that token would have heard: for every other token advertising
// during the window, one packet per advertising event (the sender transmits each event on the three
// advertising channels; a passive scanner listens on one channel at a time, so it can hear at most
// one copy per event), each with an RSSI from the path-loss model, lost at random, by collision, or
// below the receiver's sensitivity. The scanner reports the mean RSSI per address and counts the
// packets heard (services/gaen-radio.md).
import { scanEntryRssi, type Advertisement, type HeardAdvertisement } from "../hardware/radio-medium.js"
import { ADV_PACKET_AIRTIME_MS, DEFAULT_CHANNEL, type ChannelModel } from "./constants.js"
import { meanRssiDbm, packetRssiDbm } from "./path-loss.js"
import { gaussian, keyOf, uniform } from "./random.js"
import { distanceM, type Position } from "./track.js"

/** One advertisement (address + payload) on air from `fromMs` until `toMs` (null: still on air). */
export interface Transmission {
    token: string
    address: Uint8Array
    payload: Uint8Array
    fromMs: number
    toMs: number | null
    /** Scan windows that heard it. */
    receptions: Reception[]
    /** The token's connectable Bluetooth sync advertisement (ADV_IND), not its GAEN beacon. */
    connectable?: boolean
}

export interface Reception {
    /** The scanning token. */
    token: string
    windowFromMs: number
    windowToMs: number
    /** Mean RSSI of the packets heard in the window, dBm. */
    rssi: number
    packets: number
}

/** What a scanner heard from one address, and (for the world's records) who sent it. */
export interface ChannelHearing extends HeardAdvertisement {
    from: string
}

export interface RadioChannelOptions {
    /** Where a token is at a simulated Unix time in ms; null when away (out of everyone's range). */
    positionOf: (token: string, atMs: number) => Position | null
    /** Calibrated TX power of each token's radio, dBm. */
    txPowerDbm: number
    advertisingIntervalMs: number
    model?: ChannelModel
    /** Scenario seed: the same seed, the same fading for the same packets. */
    seed?: number
}

// Purposes of keyed random draws (so the loss draw and the fading draw of a packet differ).
const DRAW_FADING = 1
const DRAW_LOSS = 2

export class RadioChannel {
    private readonly model: ChannelModel
    private readonly onAir = new Map<string, Transmission>()
    private readonly history: Transmission[] = []

    constructor(private readonly options: RadioChannelOptions) {
        this.model = options.model ?? DEFAULT_CHANNEL
    }

    /** Every transmission so far, in the order they started. */
    get transmissions(): readonly Transmission[] {
        return this.history
    }

    /** What `token` has on air now, if anything. */
    onAirOf(token: string): Transmission | undefined {
        return this.onAir.get(token)
    }

    /** A token's radio changed what it sends (null: it stopped, or lost power) at `atMs`; its
     *  connectable sync advertisement is a second advertising set, changed separately. */
    advertisingChanged(token: string, ad: Advertisement | null, atMs: number, connectable = false): Transmission | undefined {
        const key = connectable ? `${token}\u0000sync` : token
        const current = this.onAir.get(key)
        if (current) {
            current.toMs = Math.max(current.fromMs, atMs)
            this.onAir.delete(key)
        }
        if (!ad) return undefined
        const t: Transmission = { token, address: new Uint8Array(ad.address), payload: new Uint8Array(ad.payload), fromMs: atMs, toMs: null, receptions: [] }
        if (connectable) t.connectable = true
        this.onAir.set(key, t)
        this.history.push(t)
        return t
    }

    /** Ends every transmission at `atMs` (the end of the scenario). */
    closeAll(atMs: number): void {
        for (const t of [...this.onAir.values()]) this.advertisingChanged(t.token, null, atMs, t.connectable)
    }

    /** Packet times of `t` within [fromMs, toMs): one per advertising event since it went on air. */
    packetTimes(t: Transmission, fromMs: number, toMs: number): number[] {
        const interval = this.options.advertisingIntervalMs
        const end = Math.min(toMs, t.toMs ?? Infinity)
        const first = Math.max(0, Math.ceil((fromMs - t.fromMs) / interval))
        const times: number[] = []
        for (let at = t.fromMs + first * interval; at < end; at += interval) times.push(at)
        return times
    }

    /** Number of advertising events `t` sent from its start to its end (or `untilMs`). */
    eventsSent(t: Transmission, untilMs: number): number {
        const end = Math.min(untilMs, t.toMs ?? untilMs)
        return Math.max(0, Math.ceil((end - t.fromMs) / this.options.advertisingIntervalMs))
    }

    /**
     * What `scanner` hears while scanning from `fromMs` to `toMs`: one entry per address with the
     * mean RSSI of the packets heard (dB average) and the packet count. Each hearing is also recorded on the transmission.
     */
    scan(scanner: string, fromMs: number, toMs: number): ChannelHearing[] {
        const { model, txPowerDbm, advertisingIntervalMs, seed = 0 } = { ...this.options, model: this.model }
        const candidates = this.history.filter(t => t.token !== scanner && t.fromMs < toMs && (t.toMs === null || t.toMs > fromMs))
        const mid = (fromMs + toMs) / 2
        const scannerAtMid = this.options.positionOf(scanner, mid)
        // Collisions (pure ALOHA on the scanner's channel): a packet is destroyed when another
        // audible advertiser starts within one airtime before or after it; each sends one packet
        // per interval on that channel.
        const audible = candidates.filter(t => {
            const p = this.options.positionOf(t.token, mid)
            return p && scannerAtMid && meanRssiDbm(txPowerDbm, distanceM(p, scannerAtMid), model) >= model.sensitivityDbm
        })
        const interferers = Math.max(0, new Set(audible.map(t => t.token)).size - 1)
        const collisionLoss = 1 - Math.exp((-2 * ADV_PACKET_AIRTIME_MS * interferers) / advertisingIntervalMs)
        const lossProbability = 1 - (1 - model.baseLossProbability) * (1 - collisionLoss)

        const scannerKey = keyOf(scanner)
        const heard: ChannelHearing[] = []
        for (const t of candidates) {
            const senderKey = keyOf(t.token)
            let sum = 0
            let packets = 0
            for (const at of this.packetTimes(t, fromMs, toMs)) {
                const from = this.options.positionOf(t.token, at)
                const to = this.options.positionOf(scanner, at)
                if (!from || !to) continue
                if (uniform(seed, DRAW_LOSS, senderKey, scannerKey, at) < lossProbability) continue
                const rssi = packetRssiDbm(txPowerDbm, distanceM(from, to), gaussian(seed, DRAW_FADING, senderKey, scannerKey, at), model)
                if (rssi < model.sensitivityDbm) continue
                packets++
                sum += rssi
            }
            if (!packets) continue
            const rssi = scanEntryRssi(sum, packets)
            t.receptions.push({ token: scanner, windowFromMs: fromMs, windowToMs: toMs, rssi, packets })
            heard.push({ address: t.address, payload: t.payload, rssi, packets, from: t.token })
        }
        return heard
    }
}
