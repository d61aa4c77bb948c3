// A kiosk's Bluetooth radio next to one simulated token: it sees the token's connectable sync
// advertisement and connects to it through the token's simulated radio (sim/hardware/radio-server.ts),
// GATT writes in, notifications out. Range and loss are not modelled here: the kiosk is at the
// token (a kiosk radio at a position in a world, with range: sim/world/kiosk-radio.ts).
import { randomBytes } from "node:crypto"
import type { TokenVm, AiredAdvertisement } from "./token-vm.js"
import type { TokenProcessMessage } from "../token/token-config.js"
import { fromHex, toHex } from "../token/token-config.js"
import type { GattConnection } from "../../lib/ble-link/host-session.js"
import type { BleCentral } from "../../lib/ble-link/central.js"
import { DEFAULT_MTU, LinkError, isSyncAdvertisementOf } from "../../lib/ble-link/protocol.js"

let nextConnectId = 1

export class SimulatedBleCentral implements BleCentral {
    /** The kiosk radio's own (random) address, as the token's radio reports it. */
    readonly address = randomBytes(6)

    constructor(
        private readonly vm: TokenVm,
        private readonly mtu = DEFAULT_MTU
    ) {}

    /** The token's sync advertisement on air now, when it is the one `linkKey` recognises. */
    private advertisementFor(linkKey: Uint8Array): AiredAdvertisement | null {
        const ad = this.vm.syncAdvertisement
        return ad && isSyncAdvertisementOf(linkKey, ad.payload) ? ad : null
    }

    async connect(linkKey: Uint8Array, timeoutMs = 10_000): Promise<GattConnection> {
        const deadline = Date.now() + timeoutMs
        while (!this.advertisementFor(linkKey)) {
            if (Date.now() > deadline) throw new LinkError("no token with this sticker is open for Bluetooth sync nearby: ask the owner to press its button")
            await new Promise(r => setTimeout(r, 20))
        }
        return await this.connectNow()
    }

    /** Connects to whatever the token advertises (or not): no check that it is the right token. */
    connectNow(): Promise<GattConnection> {
        return openTokenGatt(this.vm, this.address, this.mtu)
    }
}

/** A GATT connection from a host radio (`hostAddress`) to the token's sync characteristic, carried
 *  over the token process's IPC; refused when the token is not open for sync. */
export async function openTokenGatt(vm: TokenVm, hostAddress: Uint8Array, requestedMtu = DEFAULT_MTU): Promise<GattConnection> {
    const id = nextConnectId++
    const result = new Promise<{ accepted: boolean; mtu: number }>(resolve => {
        const onMessage = (m: TokenProcessMessage) => {
            if (m.type === "link-connect-result" && m.id === id) {
                vm.child.off("message", onMessage)
                resolve(m)
            }
        }
        vm.child.on("message", onMessage)
    })
    vm.control({ type: "link-connect", id, mtu: requestedMtu, host: toHex(hostAddress) })
    const { accepted, mtu } = await result
    if (!accepted) throw new LinkError("the token refused the connection (it is not open for Bluetooth sync)")
    const notifyHandlers: ((v: Uint8Array) => void)[] = []
    const closeHandlers: (() => void)[] = []
    let open = true
    const close = () => {
        if (!open) return
        open = false
        vm.child.off("message", onMessage)
        for (const h of closeHandlers) h()
    }
    const onMessage = (m: TokenProcessMessage) => {
        if (m.type === "link-notify" && open) for (const h of notifyHandlers) h(fromHex(m.value))
        else if (m.type === "link-closed") close()
    }
    vm.child.on("message", onMessage)
    vm.whenExited().then(close)
    return {
        mtu,
        async write(value) {
            if (!open) throw new LinkError("the Bluetooth connection to the token is closed")
            vm.control({ type: "link-write", value: toHex(value) })
        },
        onNotify: h => {
            notifyHandlers.push(h)
        },
        onClose: h => {
            closeHandlers.push(h)
        },
        async close() {
            if (open && vm.child.connected) vm.control({ type: "link-disconnect" })
            close()
        },
    }
}
