// What leaves the token's one door toward a host (sim/token/host-door.ts): of the token's own frames,
// control reports for every host, token-sync reports for the host being served, nothing else; a
// frame of several packets goes out rebuilt with only those, with its CRC made again.
import { describe, expect, test } from "vitest"
import jd from "../../lib/jacdac/jacdac-ts.js"
import { SRV_NOR_FLASH, SRV_TOKEN_SYNC } from "../../lib/jacdac/service-specs.js"
import { HostDoor, packetsOf } from "../../sim/token/host-door.js"

const DEVICE = Buffer.from("0123456789abcdef", "hex")
const FLAG_COMMAND = 0x01
const [CONTROL, TOKEN_SYNC, FLASH] = [0, 1, 2]

/** A frame of `DEVICE` with the given packets (each padded to 4 bytes) and a valid CRC. */
function frame(flags: number, packets: { index: number; command: number; data: number[] }[]): Buffer {
    const body = Buffer.concat(
        packets.map(p => {
            const b = Buffer.alloc((4 + p.data.length + 3) & ~3)
            b[0] = p.data.length
            b[1] = p.index
            b.writeUInt16LE(p.command, 2)
            b.set(p.data, 4)
            return b
        })
    )
    const f = Buffer.concat([Buffer.alloc(4), DEVICE, body])
    f[2] = body.length
    f[3] = flags
    const crc = jd.crc(f.subarray(2))
    f.writeUInt16LE(crc, 0)
    return f
}

function doorKnowingDevice(): HostDoor {
    const door = new HostDoor()
    const classes = Buffer.alloc(12)
    classes.writeUInt32LE(SRV_TOKEN_SYNC, 4)
    classes.writeUInt32LE(SRV_NOR_FLASH, 8)
    door.observeTokenFrame(frame(0, [{ index: CONTROL, command: 0, data: [...classes] }]))
    return door
}

const controlReport = { index: CONTROL, command: 0x1180, data: [1, 2, 3] }
const syncReport = { index: TOKEN_SYNC, command: 0x1182, data: [4, 5, 6, 7, 8] }
const flashReport = { index: FLASH, command: 0x81, data: [0xaa, 0xbb] }
const crcHolds = (f: Buffer) => f.readUInt16LE(0) === jd.crc(f.subarray(2))

describe("the token's one door, outward", () => {
    test("a mixed frame goes to the served host with its control and token-sync packets only, its size and CRC made again", () => {
        const out = doorKnowingDevice().toHost(frame(0, [controlReport, flashReport, syncReport]), true)!
        expect(out).toBeDefined()
        expect(crcHolds(out)).toBe(true)
        expect(out.length).toBe(12 + out[2])
        expect(out.subarray(4, 12).equals(DEVICE)).toBe(true)
        expect(packetsOf(out)!.map(p => [p.serviceIndex, p.command, [...p.data]])).toEqual([
            [CONTROL, 0x1180, [1, 2, 3]],
            [TOKEN_SYNC, 0x1182, [4, 5, 6, 7, 8]],
        ])
    })

    test("another host gets the control packets only", () => {
        const out = doorKnowingDevice().toHost(frame(0, [controlReport, flashReport, syncReport]), false)!
        expect(crcHolds(out)).toBe(true)
        expect(packetsOf(out)!.map(p => p.serviceIndex)).toEqual([CONTROL])
    })

    test("a frame left with nothing, and any command of the token's side, do not go out at all", () => {
        const door = doorKnowingDevice()
        expect(door.toHost(frame(0, [flashReport]), true)).toBeUndefined()
        expect(door.toHost(frame(FLAG_COMMAND, [{ index: FLASH, command: 0x81, data: [0, 0] }]), true)).toBeUndefined()
        expect(door.toHost(frame(FLAG_COMMAND, [controlReport]), true)).toBeUndefined()
    })

    test("token-sync reports of a device the door has not heard announce stay in", () => {
        expect(new HostDoor().toHost(frame(0, [syncReport]), true)).toBeUndefined()
    })

    test("a frame the door lets out whole is passed as it came", () => {
        const f = frame(0, [controlReport, syncReport])
        expect(doorKnowingDevice().toHost(f, true)!.equals(f)).toBe(true)
    })
})
