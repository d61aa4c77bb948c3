// A token over Bluetooth LE: `ble:<sticker code>`. The encrypted sync link (lib/ble-link) carries
// the token-sync service's packets; this jacdac-ts transport presents them to the kiosk's bus as one
// device with that one service, so TokenSyncClient and everything above it work unchanged.
// Packets for anything else (the control service, broadcasts) never leave the kiosk.
import { createHash } from "node:crypto"
import jd, { type JDBus } from "../../lib/jacdac/jacdac-ts.js"
import { SRV_TOKEN_SYNC } from "../../lib/jacdac/service-specs.js"
import type { BleCentral } from "../../lib/ble-link/central.js"
import { HostLinkSession, type GattConnection } from "../../lib/ble-link/host-session.js"
import { payloadInOneValue } from "../../lib/ble-link/protocol.js"
import { KioskError } from "../errors.js"

/** The token-sync service's index on the device the transport presents (0 is the control service). */
const SYNC_SERVICE_INDEX = 1
const ANNOUNCE_MS = 500
/** Of the time to connect, the share spent looking for the token; the rest is for the link's
 *  handshake, so that "not heard" is the answer when nobody heard it (not a bare timeout). */
const SCAN_SHARE = 0.75
/** Jacdac control service: the announcement report. */
const CMD_ANNOUNCE = 0x00
const ANNOUNCE_RESTART_COUNTER = 1

let central: BleCentral | undefined

/** Chooses the Bluetooth back end (the simulator's radio: in-process in tests, over TCP from
 *  `npm run sim -- up`, sim-radio.ts) and returns the one before. A real adapter back end is not
 *  built yet (no Bluetooth hardware here to test it on). */
export function useBleCentral(c: BleCentral | undefined): BleCentral | undefined {
    const before = central
    central = c
    return before
}

export function bleCentral(): BleCentral {
    if (!central)
        throw new KioskError(
            "token-not-found",
            'ble: this kiosk has no Bluetooth back end (only the simulator\'s radio exists so far: give --radio tcp://host:port from "npm run sim -- up"); use the USB cable'
        )
    return central
}

class BleLinkTransport extends (jd.Transport as any) {
    private conn: GattConnection | undefined
    private session: HostLinkSession | undefined
    private announcer: ReturnType<typeof setInterval> | undefined
    /** Commands sent "acknowledge me" (end_session), by service command: the frame's CRC, acknowledged
     *  when the token's answer comes over the link (the token answers such a command empty). */
    private readonly awaitingAck = new Map<number, number>()
    readonly deviceId: string
    /** Why the last connection attempt failed (the radio's or the link's words). */
    connectError: Error | undefined

    constructor(
        private readonly radio: BleCentral,
        private readonly linkKey: Buffer,
        private readonly timeoutMs: number
    ) {
        super("ble-link", {})
        // A stable Jacdac device id for this token on the kiosk's bus, from its sticker (never on air).
        this.deviceId = createHash("sha256").update("gaen-token ble device").update(linkKey).digest("hex").slice(0, 16)
    }

    description() {
        return "Bluetooth sync link"
    }

    /** The largest answer that crosses this connection in one radio value (each value costs the
     *  token's radio a Jacdac packet); undefined before the link is open. */
    get payloadInOneValue(): number | undefined {
        return this.conn ? payloadInOneValue(this.conn.mtu) : undefined
    }

    async transportConnectAsync() {
        this.connectError = undefined
        try {
            await this.openLink()
        } catch (e) {
            this.connectError = e as Error // jacdac-ts reports only "disconnected"; connect.ts tells why
            throw e
        }
    }

    private async openLink() {
        this.conn = await this.radio.connect(this.linkKey, this.timeoutMs * SCAN_SHARE)
        this.conn.onClose(() => void (this as any).disconnect(true))
        this.session = await HostLinkSession.open(this.conn, this.linkKey, this.timeoutMs)
        this.session.onMessage(m => this.fromToken(m))
        this.announce()
        this.announcer = setInterval(() => this.announce(), ANNOUNCE_MS)
    }

    async transportSendPacketAsync(frame: Uint8Array) {
        const session = this.session
        if (!session) return
        for (const pkt of jd.Packet.fromFrame(frame, 0, true)) {
            if (!pkt.isCommand || pkt.deviceIdentifier !== this.deviceId || pkt.serviceIndex !== SYNC_SERVICE_INDEX) continue
            const m = Buffer.alloc(2 + pkt.data.length)
            m.writeUInt16LE(pkt.serviceCommand, 0)
            m.set(pkt.data, 2)
            if (pkt.requiresAck) this.awaitingAck.set(pkt.serviceCommand, pkt.crc)
            await session.send(m)
        }
    }

    async transportDisconnectAsync() {
        clearInterval(this.announcer)
        this.awaitingAck.clear()
        const conn = this.conn
        this.session = undefined
        this.conn = undefined
        await conn?.close()
    }

    /** An answer from the token (service command u16 LE + payload): a report of the sync service,
     *  or (empty) the acknowledgement of a command that has no report. */
    private fromToken(m: Buffer) {
        if (m.length < 2) return
        const command = m.readUInt16LE(0)
        const crc = this.awaitingAck.get(command)
        if (crc !== undefined) {
            this.awaitingAck.delete(command)
            this.deliver(jd.JD_SERVICE_INDEX_CRC_ACK, crc, new Uint8Array(0))
        }
        if (crc === undefined || m.length > 2) this.deliver(SYNC_SERVICE_INDEX, command, m.subarray(2))
    }

    private announce() {
        const data = Buffer.alloc(4 + 4)
        data.writeUInt16LE(ANNOUNCE_RESTART_COUNTER, 0)
        data.writeUInt32LE(SRV_TOKEN_SYNC, 4)
        this.deliver(0, CMD_ANNOUNCE, data)
    }

    private deliver(serviceIndex: number, command: number, data: Uint8Array) {
        const pkt = jd.Packet.from(command, new Uint8Array(data))
        pkt.deviceIdentifier = this.deviceId
        pkt.serviceIndex = serviceIndex
        ;(this as any).handleFrame(pkt.toBuffer(), true)
    }
}

export function bleTokenBus(linkKey: Buffer, timeoutMs: number): JDBus {
    const transport = new BleLinkTransport(bleCentral(), linkKey, timeoutMs)
    return new jd.JDBus([transport as any], { client: true, disableRoleManager: true })
}
