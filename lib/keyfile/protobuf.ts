// A minimal protobuf (proto2 wire format) writer and reader: just what the GAEN export messages need
// (varint, zig-zag sint32, fixed64, length-delimited bytes/strings/sub-messages). Written for this
// project so the key-file format has no code-generation step and no runtime dependency.

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder("utf-8", { fatal: true })

/** Appends fields to a growing buffer. Field methods skip nothing: callers decide what to omit. */
export class ProtoWriter {
    private buf: Uint8Array
    private pos = 0

    constructor(initialCapacity = 256) {
        this.buf = new Uint8Array(initialCapacity)
    }

    private ensure(extra: number): void {
        if (this.pos + extra <= this.buf.length) return
        let size = this.buf.length * 2
        while (size < this.pos + extra) size *= 2
        const next = new Uint8Array(size)
        next.set(this.buf.subarray(0, this.pos))
        this.buf = next
    }

    private rawVarint(value: number): void {
        // Negative int32 values are sign-extended to 64 bits (10 bytes), as protobuf requires.
        if (value < 0) {
            this.rawVarint64(BigInt.asUintN(64, BigInt(value)))
            return
        }
        this.ensure(10)
        while (value > 0x7f) {
            this.buf[this.pos++] = (value % 0x80) | 0x80
            value = Math.floor(value / 0x80)
        }
        this.buf[this.pos++] = value
    }

    private rawVarint64(value: bigint): void {
        this.ensure(10)
        while (value > 0x7fn) {
            this.buf[this.pos++] = Number(value & 0x7fn) | 0x80
            value >>= 7n
        }
        this.buf[this.pos++] = Number(value)
    }

    private tag(field: number, wireType: number): void {
        this.rawVarint(field * 8 + wireType)
    }

    /** int32 / uint32 / enum / bool field. */
    varint(field: number, value: number): this {
        if (!Number.isInteger(value)) throw new RangeError(`field ${field}: ${value} is not an integer`)
        this.tag(field, WIRE_VARINT)
        this.rawVarint(value)
        return this
    }

    /** sint32 field (zig-zag encoded, so small negative numbers stay small). */
    sint32(field: number, value: number): this {
        if (!Number.isInteger(value)) throw new RangeError(`field ${field}: ${value} is not an integer`)
        this.tag(field, WIRE_VARINT)
        this.rawVarint(((value << 1) ^ (value >> 31)) >>> 0)
        return this
    }

    /** fixed64 field from a non-negative safe integer (timestamps). */
    fixed64(field: number, value: number): this {
        if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`field ${field}: ${value} is not a fixed64`)
        this.tag(field, WIRE_FIXED64)
        this.ensure(8)
        const lo = value % 0x1_0000_0000
        const hi = Math.floor(value / 0x1_0000_0000)
        const view = new DataView(this.buf.buffer, this.buf.byteOffset)
        view.setUint32(this.pos, lo, true)
        view.setUint32(this.pos + 4, hi, true)
        this.pos += 8
        return this
    }

    bytes(field: number, value: Uint8Array): this {
        this.tag(field, WIRE_LENGTH_DELIMITED)
        this.rawVarint(value.length)
        this.ensure(value.length)
        this.buf.set(value, this.pos)
        this.pos += value.length
        return this
    }

    string(field: number, value: string): this {
        return this.bytes(field, utf8Encoder.encode(value))
    }

    /** Embedded message: the callback writes the sub-message's fields into its own writer. */
    message(field: number, write: (w: ProtoWriter) => void): this {
        const sub = new ProtoWriter(64)
        write(sub)
        return this.bytes(field, sub.finish())
    }

    /** The encoded bytes (a view; the writer must not be used afterwards). */
    finish(): Uint8Array {
        return this.buf.subarray(0, this.pos)
    }
}

/** One decoded field. Varints keep their low and high 32 bits so int32/sint32/uint64 all convert exactly. */
export type ProtoField =
    | { field: number; wireType: 0; lo: number; hi: number }
    | { field: number; wireType: 1; value: number }
    | { field: number; wireType: 2; bytes: Uint8Array }
    | { field: number; wireType: 5; value: number }

export class ProtoDecodeError extends Error {
    constructor(message: string) {
        super(`protobuf: ${message}`)
        this.name = "ProtoDecodeError"
    }
}

/** Iterates over the fields of one message. Throws ProtoDecodeError on truncated or unsupported input. */
export function* readFields(buf: Uint8Array): Generator<ProtoField> {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
    let pos = 0

    const varint = (): { lo: number; hi: number } => {
        let lo = 0
        let hi = 0
        for (let i = 0; i < 10; i++) {
            if (pos >= buf.length) throw new ProtoDecodeError("truncated varint")
            const b = buf[pos++]
            if (i < 4) lo |= (b & 0x7f) << (7 * i)
            else if (i === 4) {
                lo |= (b & 0x0f) << 28
                hi |= (b & 0x7f) >> 4
            } else hi |= (b & 0x7f) << (7 * i - 32)
            if ((b & 0x80) === 0) return { lo: lo >>> 0, hi: hi >>> 0 }
        }
        throw new ProtoDecodeError("varint longer than 10 bytes")
    }

    while (pos < buf.length) {
        const key = varint()
        const field = key.lo >>> 3
        const wireType = key.lo & 7
        if (field === 0) throw new ProtoDecodeError("field number 0")
        switch (wireType) {
            case WIRE_VARINT: {
                const v = varint()
                yield { field, wireType, lo: v.lo, hi: v.hi }
                break
            }
            case WIRE_FIXED64: {
                if (pos + 8 > buf.length) throw new ProtoDecodeError("truncated fixed64")
                const value = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 0x1_0000_0000
                pos += 8
                yield { field, wireType, value }
                break
            }
            case WIRE_LENGTH_DELIMITED: {
                const len = varint()
                if (len.hi !== 0 || pos + len.lo > buf.length) throw new ProtoDecodeError("truncated length-delimited field")
                const bytes = buf.subarray(pos, pos + len.lo)
                pos += len.lo
                yield { field, wireType, bytes }
                break
            }
            case WIRE_FIXED32: {
                if (pos + 4 > buf.length) throw new ProtoDecodeError("truncated fixed32")
                const value = view.getUint32(pos, true)
                pos += 4
                yield { field, wireType, value }
                break
            }
            default:
                throw new ProtoDecodeError(`unsupported wire type ${wireType} (field ${field})`)
        }
    }
}

function expectWire<W extends ProtoField["wireType"]>(f: ProtoField, wireType: W): asserts f is Extract<ProtoField, { wireType: W }> {
    if (f.wireType !== wireType) throw new ProtoDecodeError(`field ${f.field}: wire type ${f.wireType}, expected ${wireType}`)
}

/** Field value converters: each checks the wire type first. */
export const as = {
    int32(f: ProtoField): number {
        expectWire(f, WIRE_VARINT)
        return f.lo | 0
    },
    sint32(f: ProtoField): number {
        expectWire(f, WIRE_VARINT)
        return (f.lo >>> 1) ^ -(f.lo & 1)
    },
    fixed64(f: ProtoField): number {
        expectWire(f, WIRE_FIXED64)
        return f.value
    },
    bytes(f: ProtoField): Uint8Array {
        expectWire(f, WIRE_LENGTH_DELIMITED)
        return f.bytes
    },
    string(f: ProtoField): string {
        expectWire(f, WIRE_LENGTH_DELIMITED)
        try {
            return utf8Decoder.decode(f.bytes)
        } catch {
            throw new ProtoDecodeError(`field ${f.field}: invalid UTF-8`)
        }
    },
}
