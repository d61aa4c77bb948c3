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
        const candidates = this.onAirDuring(fromMs, toMs).filter(t => t.token !== scanner)
        const at = (ms: number) => this.options.positionOf(scanner, ms)
        const mid = (fromMs + toMs) / 2
        const lossProbability = this.lossProbability(candidates, at(mid), mid)
        const heard: ChannelHearing[] = []
        for (const t of candidates) {
            const h = this.hearing(t, scanner, at, fromMs, toMs, lossProbability)
            if (!h) continue
            t.receptions.push({ token: scanner, windowFromMs: fromMs, windowToMs: toMs, rssi: h.rssi, packets: h.packets })
            heard.push({ address: t.address, payload: t.payload, rssi: h.rssi, packets: h.packets, from: t.token })
        }
        return heard
    }

    /**
     * What a receiver that is not a token (a kiosk's radio, `receiver` names it for the draws) at
     * `position` hears of `candidates` from `fromMs` to `toMs`: the same model as a token's scan
     * (collisions counted among the candidates), recorded nowhere.
     */
    listen(receiver: string, position: Position, fromMs: number, toMs: number, candidates: Transmission[]): ChannelHearing[] {
        const lossProbability = this.lossProbability(candidates, position, (fromMs + toMs) / 2)
        return candidates.flatMap(t => {
            const h = this.hearing(t, receiver, () => position, fromMs, toMs, lossProbability)
            return h ? [{ address: t.address, payload: t.payload, rssi: h.rssi, packets: h.packets, from: t.token }] : []
        })
    }

    /** Whether `token`, at its position at `atMs`, is within range of `position` on average (no fading). */
    inRange(token: string, position: Position, atMs: number): boolean {
        const p = this.options.positionOf(token, atMs)
        return !!p && meanRssiDbm(this.options.txPowerDbm, distanceM(p, position), this.model) >= this.model.sensitivityDbm
    }

    private onAirDuring(fromMs: number, toMs: number): Transmission[] {
        return this.history.filter(t => t.fromMs < toMs && (t.toMs === null || t.toMs > fromMs))
    }

    /** Per packet at a receiver at `receiverAtMid`: lost at random or by collision. Collisions (pure
     *  ALOHA on the receiver's channel): a packet is destroyed when another audible advertiser starts
     *  within one airtime before or after it; each sends one packet per interval on that channel. */
    private lossProbability(candidates: Transmission[], receiverAtMid: Position | null, midMs: number): number {
        const { txPowerDbm, advertisingIntervalMs } = this.options
        const audible = candidates.filter(t => {
            const p = this.options.positionOf(t.token, midMs)
            return p && receiverAtMid && meanRssiDbm(txPowerDbm, distanceM(p, receiverAtMid), this.model) >= this.model.sensitivityDbm
        })
        const interferers = Math.max(0, new Set(audible.map(t => t.token)).size - 1)
        const collisionLoss = 1 - Math.exp((-2 * ADV_PACKET_AIRTIME_MS * interferers) / advertisingIntervalMs)
        return 1 - (1 - this.model.baseLossProbability) * (1 - collisionLoss)
    }

    /** The packets of `t` heard from `fromMs` to `toMs` by `receiver` (at `receiverAt`), or null. */
    private hearing(
        t: Transmission,
        receiver: string,
        receiverAt: (ms: number) => Position | null,
        fromMs: number,
        toMs: number,
        lossProbability: number
    ): { rssi: number; packets: number } | null {
        const { txPowerDbm, seed = 0 } = this.options
        const senderKey = keyOf(t.token)
        const receiverKey = keyOf(receiver)
        let sum = 0
        let packets = 0
        for (const at of this.packetTimes(t, fromMs, toMs)) {
            const from = this.options.positionOf(t.token, at)
            const to = receiverAt(at)
            if (!from || !to) continue
            if (uniform(seed, DRAW_LOSS, senderKey, receiverKey, at) < lossProbability) continue
            const rssi = packetRssiDbm(txPowerDbm, distanceM(from, to), gaussian(seed, DRAW_FADING, senderKey, receiverKey, at), this.model)
            if (rssi < this.model.sensitivityDbm) continue
            packets++
            sum += rssi
        }
        return packets ? { rssi: scanEntryRssi(sum, packets), packets } : null
    }
}
