// The radio's sync link (services/gaen-radio.md, commands 0x84-0x87) as the firmware sees it: a
// connectable advertisement on request, and GATT values in and out. What the values mean is
// src/link/'s business; the radio understands none of it.
import * as ds from "@devicescript/core"

export const LINK_EVENT_CONNECTED = 1
export const LINK_EVENT_DISCONNECTED = 2
export const LINK_EVENT_VALUE = 3

export interface RadioLink {
    advertiseSync(address: Buffer, payload: Buffer): Promise<void>
    /** Stops the sync advertisement and ends a connection. */
    stopSync(): Promise<void>
    send(value: Buffer): Promise<void>
    /** Link events as the radio reports them: byte 0 the kind, then its data. */
    onEvent(handler: (event: Buffer) => void): void
}

export class JacdacRadioLink implements RadioLink {
    constructor(private readonly client: ds.GaenRadio) {}

    async advertiseSync(address: Buffer, payload: Buffer) {
        await this.client.advertiseSync(address.concat(payload))
    }

    async stopSync() {
        await this.client.stopSync()
    }

    async send(value: Buffer) {
        await this.client.linkSend(value)
    }

    onEvent(handler: (event: Buffer) => void) {
        this.client.report().subscribe(pkt => {
            if (pkt.serviceCommand === ds.GaenRadioCodes.CmdLinkEvent && pkt.payload.length > 0) handler(pkt.payload)
        })
    }
}
