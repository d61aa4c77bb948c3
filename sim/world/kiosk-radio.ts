// A kiosk's Bluetooth radio in the world, at a position. It hears the tokens' sync advertisements
// through the world's radio channel (the same path loss, fading and packet loss as the GAEN beacons),
// so a token out of range is never found; it connects to one it heard (only if the token is in range
// then), and the connection drops as soon as the token is out of range on average (a real link ends
// by its supervision timeout when no packet gets through).
import { randomBytes } from "node:crypto"
import type { SimClock } from "../clock/sim-clock.js"
import type { TokenVm } from "../harness/token-vm.js"
import { openTokenGatt } from "../harness/ble-central.js"
import type { GattConnection } from "../../lib/ble-link/host-session.js"
import { connectWhenHeard, type BleCentral, type BleScanner, type HeardAdvertisement } from "../../lib/ble-link/central.js"
import { LinkError } from "../../lib/ble-link/protocol.js"
import type { RadioChannel, Transmission } from "./radio-channel.js"
import type { Position } from "./track.js"

/** Simulated time a kiosk's scan looks back over: four advertising events at 250 ms. */
export const KIOSK_SCAN_MS = 1000
/** How often (real ms) a connection checks that the token is still in range. */
const RANGE_CHECK_REAL_MS = 100
/** The kiosk radio's name in the channel's keyed random draws. */
const KIOSK_RADIO_ID = "\u0000kiosk"

/** What the kiosk radio needs of the world. */
export interface KioskRadioWorld {
    clock: SimClock
    channel: RadioChannel
    /** Every token with power now. */
    poweredTokens(): { id: string; vm: TokenVm }[]
}

export class KioskRadio implements BleScanner {
    /** The kiosk radio's own (random) address, as a token's radio reports it. */
    readonly address = randomBytes(6)

    constructor(
        private readonly world: KioskRadioWorld,
        readonly position: Position
    ) {}

    /** The sync advertisements on air now, as transmissions of the channel. */
    private syncOnAir(): Transmission[] {
        return this.world.poweredTokens().flatMap(({ id, vm }) => {
            const ad = vm.syncAdvertisement
            return ad ? [{ token: id, address: ad.address, payload: ad.payload, fromMs: ad.atMs, toMs: null, receptions: [], connectable: true }] : []
        })
    }

    /** The sync advertisements this radio heard over the last KIOSK_SCAN_MS of simulated time. */
    async heard(): Promise<HeardAdvertisement[]> {
        const now = this.world.clock.now()
        return this.world.channel.listen(KIOSK_RADIO_ID, this.position, now - KIOSK_SCAN_MS, now, this.syncOnAir())
    }

    /** The kiosk's Bluetooth back end on this radio (kiosk/transport/ble.ts useBleCentral). */
    central(): BleCentral {
        return { connect: (linkKey, timeoutMs = 10_000) => connectWhenHeard(this, linkKey, timeoutMs) }
    }

    async connect(address: Uint8Array): Promise<GattConnection> {
        const token = this.world.poweredTokens().find(t => t.vm.syncAdvertisement && Buffer.from(t.vm.syncAdvertisement.address).equals(address))
        if (!token) throw new LinkError("the token stopped advertising before the kiosk connected: ask the owner to press its button again")
        if (!this.inRange(token.id)) throw new LinkError("the token is out of the kiosk's range: ask the owner to come closer")
        const conn = await openTokenGatt(token.vm, this.address)
        const watch = setInterval(() => {
            if (!this.inRange(token.id)) void conn.close()
        }, RANGE_CHECK_REAL_MS)
        conn.onClose(() => clearInterval(watch))
        return conn
    }

    private inRange(token: string): boolean {
        return this.world.channel.inRange(token, this.position, this.world.clock.now())
    }
}
