// The device side of Jacdac's USB bridge framing ("JDUSB", jacdac services/usbbridge.md), as a
// DeviceScript ESP32 speaks it on its USB serial line: each Jacdac frame is wrapped in
// 0xFE 0xFC … 0xFE 0xFD, a 0xFE inside is sent as 0xFE 0xF8, and everything outside frames is serial
// log text (ignored here). Frames carry their own CRC-16, checked on the way in.
import jd from "../../lib/jacdac/jacdac-ts.js"

export const QBYTE = { magic: 0xfe, literalMagic: 0xf8, reserved: 0xf9, serialGap: 0xfa, frameGap: 0xfb, frameStart: 0xfc, frameEnd: 0xfd } as const
/** A Jacdac frame: crc (2), size of the packets (1), flags (1), device id (8), packets. */
export const FRAME_HEADER_BYTES = 12
const MAX_FRAME_BYTES = 256

export function encodeJdusbFrame(frame: Uint8Array): Buffer {
    const out: number[] = [QBYTE.magic, QBYTE.frameStart]
    for (const b of frame) {
        out.push(b)
        if (b === QBYTE.magic) out.push(QBYTE.literalMagic)
    }
    out.push(QBYTE.magic, QBYTE.frameEnd)
    return Buffer.from(out)
}

/** True when the frame's stored CRC matches its contents (the size byte says how much counts). */
export function frameCrcValid(frame: Uint8Array): boolean {
    if (frame.length < 4) return false
    const size = frame[2] + FRAME_HEADER_BYTES
    if (frame.length < size) return false
    const crc = jd.crc(frame.subarray(2, size))
    return frame[0] === (crc & 0xff) && frame[1] === crc >> 8
}

/** Splits the serial byte stream into Jacdac frames; drops broken ones (bad escape, overflow, bad CRC). */
export class JdusbDecoder {
    private inFrame = false
    private afterMagic = false
    private buf: number[] = []
    /** Frames dropped as malformed, for diagnostics. */
    dropped = 0

    push(chunk: Uint8Array): Uint8Array[] {
        const frames: Uint8Array[] = []
        for (const c of chunk) {
            if (this.afterMagic) {
                this.afterMagic = false
                if (c === QBYTE.literalMagic) this.take(QBYTE.magic)
                else if (c === QBYTE.frameStart) {
                    if (this.inFrame) this.dropped++
                    this.inFrame = true
                    this.buf = []
                } else if (c === QBYTE.frameEnd) {
                    if (this.inFrame) {
                        const frame = Uint8Array.from(this.buf)
                        if (frameCrcValid(frame)) frames.push(frame.subarray(0, frame[2] + FRAME_HEADER_BYTES))
                        else this.dropped++
                    }
                    this.inFrame = false
                } else if (c === QBYTE.serialGap || c === QBYTE.frameGap || c === QBYTE.reserved) {
                    /* markers only */
                } else if (this.inFrame) {
                    this.dropped++
                    this.inFrame = false
                } // invalid escape inside a frame
            } else if (c === QBYTE.magic) {
                this.afterMagic = true
            } else {
                this.take(c)
            }
        }
        return frames
    }

    private take(c: number): void {
        if (!this.inFrame) return // serial text between frames
        if (this.buf.length >= MAX_FRAME_BYTES) {
            this.dropped++
            this.inFrame = false
            return
        }
        this.buf.push(c)
    }
}

/** A command to the bridge itself ("processing packet"): broadcast command to the USB bridge service class. */
export function bridgeCommandOf(frame: Uint8Array): number | undefined {
    const flags = frame[3]
    const isBroadcastCommand = (flags & jd.JD_FRAME_FLAG_IDENTIFIER_IS_SERVICE_CLASS) !== 0 && (flags & jd.JD_FRAME_FLAG_COMMAND) !== 0
    const serviceClass = Buffer.from(frame).readUInt32LE(4)
    if (!isBroadcastCommand || serviceClass !== jd.SRV_USB_BRIDGE || frame.length < FRAME_HEADER_BYTES + 4) return undefined
    return Buffer.from(frame).readUInt16LE(FRAME_HEADER_BYTES + 2)
}

/** The bridge's answer to one of its commands: a broadcast report with the same command code. */
export function bridgeReport(command: number): Uint8Array {
    const f = Buffer.alloc(FRAME_HEADER_BYTES + 4)
    f[2] = 4 // one packet header, no payload
    f[3] = jd.JD_FRAME_FLAG_IDENTIFIER_IS_SERVICE_CLASS
    f.writeUInt32LE(jd.SRV_USB_BRIDGE, 4)
    f.writeUInt32LE(jd.JD_DEVICE_IDENTIFIER_BROADCAST_HIGH_MARK, 8)
    f[12] = 0 // payload size
    f[13] = jd.JD_SERVICE_INDEX_BROADCAST
    f.writeUInt16LE(command, 14)
    const crc = jd.crc(f.subarray(2))
    f[0] = crc & 0xff
    f[1] = crc >> 8
    return f
}
