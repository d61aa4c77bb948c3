// The simulated hardware of one token, served on the token's own Jacdac bus next to its VM:
// the GAEN radio, the NOR flash holding the contact log (a file in the token's folder), the owner's
// button and, on boards that have one, a battery-backed clock. The radio's medium is the parent
// process, over IPC; so is the power switch (a power cut armed at a byte of flash work).
import { createHash } from "node:crypto"
import jd, { type JDBus, type Packet } from "../../lib/jacdac/jacdac-ts.js"
import { join } from "node:path"
import { GaenRadioServer } from "../hardware/radio-server.js"
import { FlashServer } from "../hardware/flash-server.js"
import { SimulatedRtcServer } from "../hardware/rtc-server.js"
import type { HeardAdvertisement, RadioMedium } from "../hardware/radio-medium.js"
import { fromHex, toHex, tokenFlashFiles, type TokenControlMessage, type TokenProcessConfig, type TokenProcessMessage } from "./token-config.js"

/** A radio medium that is the parent process: it hears what we send and answers our scans. */
class ParentRadioMedium implements RadioMedium {
    private nextId = 1
    private pending = new Map<number, (heard: HeardAdvertisement[]) => void>()
    constructor(private readonly send: (m: TokenProcessMessage) => void) {}
    advertisingChanged(ad: { address: Uint8Array; payload: Uint8Array } | null, atMs: number) {
        this.send({ type: "advertising", ad: ad && { address: toHex(ad.address), payload: toHex(ad.payload) }, atMs })
    }
    scanWindow(fromMs: number, toMs: number): Promise<HeardAdvertisement[]> {
        const id = this.nextId++
        return new Promise(resolve => {
            this.pending.set(id, resolve)
            this.send({ type: "scan", id, fromMs, toMs })
        })
    }
    answer(id: number, heard: HeardAdvertisement[]) {
        this.pending.get(id)?.(heard)
        this.pending.delete(id)
    }
}

/** Control service command "set status light" (Jacdac control service spec: r, g, b, speed). */
const CMD_SET_STATUS_LIGHT = 0x84

/**
 * The board's status LED is driven by the VM's own control service (DeviceScript's setStatusLight
 * sends that command on the bus), so it is seen here, on the token's bus, and reported with the
 * token's own time: a test then judges the blink rhythm the owner would see, free of host lag.
 */
function watchStatusLight(bus: JDBus, send: (m: TokenProcessMessage) => void) {
    bus.on(jd.PACKET_PROCESS, (pkt: Packet) => {
        if (!pkt.isCommand || pkt.serviceIndex !== 0 || pkt.serviceCommand !== CMD_SET_STATUS_LIGHT || pkt.data.length < 3) return
        const [r, g, b] = pkt.data
        send({ type: "status-light", color: (r << 16) | (g << 8) | b, atMs: Date.now() })
    })
}

/**
 * The token's flash: an ESP32-C3's flash chip with flash encryption, its key beside it as the eFuses
 * are beside the chip (tokenFlashFiles): a dump of the flash file is ciphertext; a restart from the
 * same folder is a power cycle and keeps the key.
 */
export function tokenFlash(config: Pick<TokenProcessConfig, "dir" | "flash" | "flashDamageSeed">): FlashServer {
    const files = tokenFlashFiles(config.dir)
    return new FlashServer({ file: files.flash, ...config.flash, damageSeed: config.flashDamageSeed, encryption: { keyFile: files.efuseKey } })
}

export async function startTokenHardware(config: TokenProcessConfig, hubPort: number, send: (m: TokenProcessMessage) => void) {
    const medium = new ParentRadioMedium(send)
    const radio = new GaenRadioServer({
        medium,
        txPower: config.radio.txPower,
        advertisingIntervalMs: config.radio.advertisingIntervalMs,
        now: () => Date.now(),
        link: {
            syncAdvertisingChanged: (ad, atMs) =>
                send({ type: "sync-advertising", ad: ad && { address: toHex(ad.address), payload: toHex(ad.payload) }, atMs }),
            notify: value => send({ type: "link-notify", value: toHex(value) }),
            closed: () => send({ type: "link-closed" }),
        },
    })
    const button = new jd.ButtonServer("owner button")
    const flash = tokenFlash(config)
    flash.onPowerCut = cut => {
        // The battery is gone: nothing more happens on this token. The parent restarts it from its folder.
        send({ type: "power-cut", operation: cut.operation, offset: cut.offset, bytesDone: cut.bytesDone })
        setImmediate(() => process.exit(0))
    }
    const servers: InstanceType<typeof jd.JDServiceServer>[] = [radio, button, flash]
    if (config.rtc) servers.push(new SimulatedRtcServer(join(config.dir, "rtc.json"), () => Date.now()))
    const provider = new jd.JDServerServiceProvider("gaen-token-hardware", servers, {
        // jacdac-ts wants 16 hex digits; derive them from the token's name so they are stable.
        deviceId: createHash("sha256").update(`${config.deviceId}/hardware`).digest("hex").slice(0, 16),
    })
    const bus = new jd.JDBus([jd.createNodeSocketTransport(hubPort)], { client: false, disableRoleManager: true })
    bus.addServiceProvider(provider)
    watchStatusLight(bus, send)
    await bus.connect()

    // jacdac-ts's button sends its down/up events only when the bus refreshes its servers, which
    // this process stretches to every 500 ms of token time (token-process.ts); a quick press could
    // fall between two refreshes and never reach the firmware. So the event goes out at once.
    const pressOrRelease = async (pressed: boolean) => {
        await (pressed ? button.down() : button.up())
        button.emit(jd.REFRESH)
    }

    return {
        handle(msg: Exclude<TokenControlMessage, { type: "horizon" }>) {
            if (msg.type === "button") void pressOrRelease(msg.pressed)
            else if (msg.type === "arm-power-cut") flash.armPowerCut(msg.afterBytes)
            else if (msg.type === "stick-flash-bytes") flash.stickBytes(msg.offset, msg.length)
            else if (msg.type === "scan-result")
                medium.answer(
                    msg.id,
                    msg.heard.map(h => ({ address: fromHex(h.address), payload: fromHex(h.payload), rssi: h.rssi, packets: h.packets }))
                )
            else if (msg.type === "link-connect") {
                const mtu = radio.hostConnect(msg.mtu, fromHex(msg.host))
                send({ type: "link-connect-result", id: msg.id, accepted: mtu > 0, mtu })
            } else if (msg.type === "link-write") radio.hostWrite(fromHex(msg.value))
            else if (msg.type === "link-disconnect") radio.hostDisconnect()
        },
    }
}
