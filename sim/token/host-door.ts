// The token's one door to hosts. Jacdac frames carry no sender, so anything on the token's bus
// could read the flash, program the radio, forge the owner's button or rewrite settings. Frames
// from a host-facing transport (the TCP bus, and the USB serial bridge that dials it) pass this
// door only when they are commands to the token-sync service or harmless control traffic
// (announce, identify, register reads). Everything else is dropped:
// - commands to any other service (flash, radio, button, RTC, settings, deploy, …);
// - reports, so a host can neither pretend to be one of the token's own services (a forged
//   button press) nor offer the firmware a service of its own to bind a role to;
// - broadcast commands (addressed to a service class) other than to token-sync;
// - frames with jacdac-c's in-frame packet mark after a packet's data: a runtime built on jacdac-c
//   (the VM, the ESP32) would find packets there that this door's walk does not see.
// The ESP32's door (native/esp32/core/host_door_core.c) holds the same rule, on the same cases
// (native/esp32/conformance/host-door.json).
// The door learns which device holds which service from the announcements the token's own side
// makes (in process). An ESP32 runtime must do the same at its USB bridge (services/*.md).
// The door is two-way: of the token's own frames a host sees only reports of the control service
// (announcements, control register answers) and, when it is the host being served, reports of the
// token-sync service. Never a command the token's side sends (the VM to its flash, radio, LED…),
// never a report of any other service (the flash's decrypted reads, the radio's scans, the button,
// the firmware's log…): a frame of several packets goes out rebuilt with only its allowed packets,
// or not at all (services/token-sync.md, "Sessions and hosts").
// The door keeps a host to the token's pace (HostPace): the packets the token's program handles (all
// but control traffic to the token's own device, which the runtime answers natively) pass at most
// HOST_PACKETS_PER_SECOND after a burst of HOST_PACKET_BURST; the rest is dropped and counted, never
// queued (services/token-sync.md, "Sessions and hosts").
// The door also knows one host from another (a USB port has one host; the simulator's TCP bus takes
// several connections), so the hub serves one host at a time: the door says which frames take a
// host's turn and what of the token's frames each host may see (toHost), and builds the
// end_session the bridge sends for a host that has gone (services/token-sync.md, "Sessions").
import jd from "../../lib/jacdac/jacdac-ts.js"
import { SRV_TOKEN_SYNC, TokenSyncCmd } from "../../lib/jacdac/service-specs.js"

const FRAME_HEADER_BYTES = 12
const FLAG_COMMAND = 0x01
const FLAG_IDENTIFIER_IS_SERVICE_CLASS = 0x04
const CONTROL_INDEX = 0
const CONTROL_ANNOUNCE = 0x00
/** Control commands a host may send to any of the token's devices: nothing that resets or reconfigures. */
const CONTROL_COMMANDS_ALLOWED = new Set([CONTROL_ANNOUNCE, 0x80 /* noop */, 0x81 /* identify */])
const REGISTER_GET_MASK = 0xf000
const REGISTER_GET = 0x1000
/** jacdac-c's in-frame mark (jd_shift_frame, source/jd_util.c): 0xff right after a packet's data
 *  says the next packet starts at the offset in the byte after it, not at the padded end. */
const NEXT_PACKET_MARK = 0xff

/**
 * Packets a second a host may have the token's program handle. The program answers each in a fiber
 * of its own that waits for its turn to send, and the runtime sends at most 50 packets a second
 * (sim/README.md); half of them stay the firmware's own (its flash and radio commands,
 * announcements, the pages of a log read), so a host's packets never pile up as waiting fibers (an
 * idle token's 64 KB heap holds about 90). A kiosk's status read (13 register reads, each sent up to
 * three times by jacdac-ts when the answer takes over 30 ms) stays below it.
 * The ESP32's door keeps the same pace (native/esp32/core/host_door_core.h, HOST_DOOR_PACE_*).
 */
export const HOST_PACKETS_PER_SECOND = 25
/** Packets a host may send at once: a status read with its repeats, and the runtime's reads of the
 *  program's device's control registers when a host first finds the token. */
export const HOST_PACKET_BURST = 20
const PACKET_COST_MS = 1000 / HOST_PACKETS_PER_SECOND

/**
 * The pace of what hosts have the token's program handle, in the token's own time (the clock its
 * runtime's send throttle runs on, so the bound holds at any simulation speed): a packet costs
 * PACKET_COST_MS of the program's time; a frame passes when the packets already taken plus its own
 * fit within HOST_PACKET_BURST packets' time from now.
 */
export class HostPace {
    /** The token time until which the packets taken keep the program busy at the pace. */
    private busyUntil = Number.NEGATIVE_INFINITY
    /** Packets dropped for going faster than the pace. */
    dropped = 0

    /** May an admitted host frame go on at token time `nowMs`? Takes its packets for the program when
     *  they keep the pace; control traffic to the token's other devices always may. */
    passes(door: HostDoor, frame: Uint8Array, nowMs: number): boolean {
        const packets = door.programPackets(frame)
        return packets === 0 || this.takes(packets, nowMs)
    }

    /** May `packets` more packets go to the program at token time `nowMs`? Takes them when they may. */
    takes(packets: number, nowMs: number): boolean {
        const from = Math.max(this.busyUntil, nowMs)
        if (from + packets * PACKET_COST_MS - nowMs > HOST_PACKET_BURST * PACKET_COST_MS) {
            this.dropped += packets
            return false
        }
        this.busyUntil = from + packets * PACKET_COST_MS
        return true
    }
}

export interface Packet {
    serviceIndex: number
    /** The top two bits of the service index byte, kept as they came. */
    serviceFlags: number
    command: number
    data: Uint8Array
}

/** The packets of a Jacdac frame; undefined when a packet runs past the frame's declared size. */
export function packetsOf(frame: Uint8Array): Packet[] | undefined {
    if (frame.length < FRAME_HEADER_BYTES) return undefined
    const end = Math.min(frame.length, FRAME_HEADER_BYTES + frame[2])
    const packets: Packet[] = []
    let off = FRAME_HEADER_BYTES
    while (off + 4 <= end) {
        const size = frame[off]
        if (off + 4 + size > end) return undefined
        packets.push({
            serviceIndex: frame[off + 1] & 0x3f,
            serviceFlags: frame[off + 1] >> 6,
            command: frame[off + 2] | (frame[off + 3] << 8),
            data: frame.subarray(off + 4, off + 4 + size),
        })
        off += (4 + size + 3) & ~3
    }
    return packets
}

/** A packet's data followed by jacdac-c's mark: a runtime built on jacdac-c (the VM, the ESP32) would
 *  walk to packets packetsOf does not see, so the door could not judge them. */
function hidesPackets(frame: Uint8Array): boolean {
    const end = Math.min(frame.length, FRAME_HEADER_BYTES + frame[2])
    for (let off = FRAME_HEADER_BYTES; off + 4 <= end; off += (4 + frame[off] + 3) & ~3) {
        const dataEnd = off + 4 + frame[off]
        if (dataEnd < end && frame[dataEnd] === NEXT_PACKET_MARK) return true
    }
    return false
}

const deviceIdOf = (frame: Uint8Array) => Buffer.from(frame.subarray(4, 12)).toString("hex")

/** Writes the frame's CRC (over everything after the CRC field) and returns the frame. */
function withCrc(f: Buffer): Buffer {
    const crc = jd.crc(f.subarray(2))
    f[0] = crc & 0xff
    f[1] = crc >> 8
    return f
}

export class HostDoor {
    /** Device id (hex) → service classes by service index, from the token side's announcements. */
    private readonly tokenDevices = new Map<string, number[]>()
    /** Host frames dropped, for diagnostics and tests. */
    dropped = 0

    /** A frame from inside the token (VM, simulated hardware): learn who serves what. */
    observeTokenFrame(frame: Uint8Array): void {
        if (frame.length < FRAME_HEADER_BYTES || frame[3] & FLAG_COMMAND) return
        const id = deviceIdOf(frame)
        if (!this.tokenDevices.has(id)) this.tokenDevices.set(id, [])
        for (const p of packetsOf(frame) ?? []) {
            if (p.serviceIndex !== CONTROL_INDEX || p.command !== CONTROL_ANNOUNCE || p.data.length < 4) continue
            const classes = [0]
            for (let off = 4; off + 4 <= p.data.length; off += 4) classes.push(Buffer.from(p.data).readUInt32LE(off))
            this.tokenDevices.set(id, classes)
        }
    }

    /**
     * What a host may see of a frame of the token's side: the frame rebuilt with only the packets that
     * host may see, or undefined when none is left. Every host sees reports of the control service
     * (announcements, answers to control register reads: what the token is, never what another host
     * asked); the host being served (`served`) also sees reports of the token-sync service. Commands
     * the token's side sends and reports of every other service never leave the token.
     */
    toHost(frame: Uint8Array, served: boolean): Buffer | undefined {
        if (frame.length < FRAME_HEADER_BYTES || frame[3] & (FLAG_COMMAND | FLAG_IDENTIFIER_IS_SERVICE_CLASS)) return undefined
        const packets = packetsOf(frame)
        if (!packets) return undefined
        const classes = this.tokenDevices.get(deviceIdOf(frame))
        const seen = packets.filter(p => p.serviceIndex === CONTROL_INDEX || (served && classes?.[p.serviceIndex] === SRV_TOKEN_SYNC))
        if (seen.length === 0) return undefined
        if (seen.length === packets.length) return Buffer.from(frame.subarray(0, FRAME_HEADER_BYTES + frame[2]))
        const body = Buffer.concat(
            seen.map(p => {
                const b = Buffer.alloc((4 + p.data.length + 3) & ~3)
                b[0] = p.data.length
                b[1] = p.serviceIndex | (p.serviceFlags << 6)
                b.writeUInt16LE(p.command, 2)
                b.set(p.data, 4)
                return b
            })
        )
        // Each packet padded to 4 bytes, the padding counted in the frame's size (as jacdac-c builds frames).
        const out = Buffer.concat([frame.subarray(0, FRAME_HEADER_BYTES), body])
        out[2] = body.length
        return withCrc(out)
    }

    /** A report of the token-sync service: an answer to the host being served. */
    isTokenSyncReport(frame: Uint8Array): boolean {
        if (frame.length < FRAME_HEADER_BYTES || frame[3] & FLAG_COMMAND) return false
        const classes = this.tokenDevices.get(deviceIdOf(frame))
        return !!classes && (packetsOf(frame) ?? []).some(p => classes[p.serviceIndex] === SRV_TOKEN_SYNC)
    }

    /** An admitted host frame that takes the host's turn: anything for the token-sync service
     *  (control traffic does not: every host announces itself and reads control registers). */
    takesTurn(frame: Uint8Array): boolean {
        if (frame[3] & FLAG_IDENTIFIER_IS_SERVICE_CLASS) return true
        return (packetsOf(frame) ?? []).some(p => p.serviceIndex !== CONTROL_INDEX)
    }

    /** The packets of an admitted host frame that the token's program handles, each in a fiber of its
     *  own: all of a frame to the device of the program's servers (token-sync's) or broadcast to
     *  token-sync; none of control traffic to the token's other devices (answered natively). */
    programPackets(frame: Uint8Array): number {
        if (frame[3] & FLAG_IDENTIFIER_IS_SERVICE_CLASS) return (packetsOf(frame) ?? []).length
        if (!this.tokenDevices.get(deviceIdOf(frame))?.includes(SRV_TOKEN_SYNC)) return 0
        return (packetsOf(frame) ?? []).length
    }

    /** The token-sync end_session command, as the bridge sends it for a host that has gone
     *  (undefined until the token has announced its token-sync service). */
    endSessionFrame(): Buffer | undefined {
        for (const [id, classes] of this.tokenDevices) {
            const index = classes.indexOf(SRV_TOKEN_SYNC)
            if (index <= 0) continue
            const f = Buffer.alloc(FRAME_HEADER_BYTES + 4)
            f[2] = 4 // one packet, no payload
            f[3] = FLAG_COMMAND
            Buffer.from(id, "hex").copy(f, 4)
            f[12] = 0
            f[13] = index
            f.writeUInt16LE(TokenSyncCmd.EndSession, 14)
            return withCrc(f)
        }
        return undefined
    }

    /** May this frame from a host reach the token? */
    admits(frame: Uint8Array): boolean {
        const ok = this.judge(frame)
        if (!ok) this.dropped++
        return ok
    }

    private judge(frame: Uint8Array): boolean {
        const packets = packetsOf(frame)
        if (!packets || packets.length === 0 || hidesPackets(frame)) return false
        const flags = frame[3]
        if (!(flags & FLAG_COMMAND)) return false
        if (flags & FLAG_IDENTIFIER_IS_SERVICE_CLASS) return Buffer.from(frame).readUInt32LE(4) === SRV_TOKEN_SYNC
        const classes = this.tokenDevices.get(deviceIdOf(frame))
        if (!classes) return false
        return packets.every(p => {
            if (p.serviceIndex === CONTROL_INDEX) return CONTROL_COMMANDS_ALLOWED.has(p.command) || (p.command & REGISTER_GET_MASK) === REGISTER_GET
            return classes[p.serviceIndex] === SRV_TOKEN_SYNC
        })
    }
}
