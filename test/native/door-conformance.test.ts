// One rule for the door to hosts, inward: the cases of native/esp32/conformance/host-door.json run on
// the simulator's door (sim/token/host-door.ts, `admits`) and on the ESP32's (core/host_door_core.c,
// `host_door_admits`, through native/esp32/test/conformance_runner.c), the same frame bytes to both.
// A step with `atMs` judges the frame at that time (ms) against the pace as well (one pace per case,
// as the hub and jd/host_door.c keep it); `repeat` sends the same frame that many times.
// A case fails when either door admits what the case refuses, or refuses what it admits.
import { beforeAll, describe, expect, test } from "vitest"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import jd from "../../lib/jacdac/jacdac-ts.js"
import { SRV_GAEN_RADIO, SRV_NOR_FLASH, SRV_TOKEN_SYNC } from "../../lib/jacdac/service-specs.js"
import { HostDoor, HostPace } from "../../sim/token/host-door.js"
import { buildConformanceRunner, NATIVE_DIR, sanitizedEnv } from "../../scripts/native-build.js"

/** A frame as a case describes it: its device (or the class it is broadcast to), command or report,
 *  packets as [service index, command, data hex]; then `set` overwrites bytes and `length` cuts it. */
interface FrameSpec {
    device?: "token" | "servers" | string
    broadcast?: string
    command: boolean
    packets: [number, string, string][]
    set?: [number, string][]
    length?: number
}
interface Announcement {
    device: "token" | "servers"
    classes: string[]
}
type HostStep = { host: FrameSpec; admitted: boolean; atMs?: number; repeat?: number }
type Step = HostStep | { announce: Announcement }
interface CaseFile {
    devices: { token: string; servers: string }
    announce: Announcement[]
    cases: { name: string; steps: Step[] }[]
}

const cases: CaseFile = JSON.parse(readFileSync(join(NATIVE_DIR, "conformance/host-door.json"), "utf8"))
const CLASSES: Record<string, number> = { "token-sync": SRV_TOKEN_SYNC, "nor-flash": SRV_NOR_FLASH, "gaen-radio": SRV_GAEN_RADIO }
const FLAG_COMMAND = 0x01
const FLAG_IDENTIFIER_IS_SERVICE_CLASS = 0x04
/** The top half of a broadcast frame's identifier (Jacdac: JD_DEVICE_IDENTIFIER_BROADCAST_MARK). */
const BROADCAST_MARK = 0xaaaaaaaa

const classOf = (name: string) => CLASSES[name] ?? Number.parseInt(name, 16)
const deviceBytes = (device: string) => Buffer.from(cases.devices[device as "token" | "servers"] ?? device, "hex")

function frameOf(spec: FrameSpec): Buffer {
    const body = Buffer.concat(
        spec.packets.map(([index, command, data]) => {
            const bytes = Buffer.from(data, "hex")
            const p = Buffer.alloc((4 + bytes.length + 3) & ~3)
            p[0] = bytes.length
            p[1] = index
            p.writeUInt16LE(Number.parseInt(command, 16), 2)
            bytes.copy(p, 4)
            return p
        })
    )
    const f = Buffer.concat([Buffer.alloc(12), body])
    f[2] = body.length
    f[3] = (spec.command ? FLAG_COMMAND : 0) | (spec.broadcast ? FLAG_IDENTIFIER_IS_SERVICE_CLASS : 0)
    if (spec.broadcast) {
        f.writeUInt32LE(classOf(spec.broadcast), 4)
        f.writeUInt32LE(BROADCAST_MARK, 8)
    } else deviceBytes(spec.device!).copy(f, 4)
    f.writeUInt16LE(jd.crc(f.subarray(2)), 0)
    for (const [offset, hex] of spec.set ?? []) Buffer.from(hex, "hex").copy(f, offset)
    return spec.length === undefined ? f : f.subarray(0, spec.length)
}

/** A device's announcement (a control report: flags u16, packet count u8, reserved u8, then the class
 *  of each service from index 1). */
function announcementOf(a: Announcement): Buffer {
    const data = Buffer.alloc(4 + 4 * a.classes.length)
    a.classes.forEach((c, i) => data.writeUInt32LE(classOf(c), 4 + 4 * i))
    return frameOf({ device: a.device, command: false, packets: [[0, "0x00", data.toString("hex")]] })
}

/** A case's steps with each repeated host step written out. */
const expanded = (steps: Step[]): Step[] => steps.flatMap(s => ("host" in s ? Array<Step>(s.repeat ?? 1).fill(s) : [s]))

/** What the simulator's door says of each host frame of a case, in order. */
function simulatorVerdicts(steps: Step[]): boolean[] {
    const door = new HostDoor()
    const pace = new HostPace()
    for (const a of cases.announce) door.observeTokenFrame(announcementOf(a))
    return expanded(steps).flatMap(s => {
        if ("announce" in s) return door.observeTokenFrame(announcementOf(s.announce)), []
        const frame = frameOf(s.host)
        return [door.admits(frame) && (s.atMs === undefined || pace.passes(door, frame, s.atMs))]
    })
}

let runner: string
beforeAll(() => {
    runner = buildConformanceRunner()
}, 120_000)

/** What the ESP32's door says of each host frame of a case, in order. */
function nativeVerdicts(steps: Step[]): boolean[] {
    const lines = [
        `door ${cases.devices.token} ${cases.devices.servers}`,
        ...cases.announce.map(a => `observe ${announcementOf(a).toString("hex")}`),
        ...expanded(steps).map(s => {
            if ("announce" in s) return `observe ${announcementOf(s.announce).toString("hex")}`
            const hex = frameOf(s.host).toString("hex") || "-"
            return s.atMs === undefined ? `admits ${hex}` : `paced ${s.atMs} ${hex}`
        }),
    ]
    const r = spawnSync(runner, [], { input: lines.join("\n") + "\n", encoding: "utf8", env: sanitizedEnv() })
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    return r.stdout
        .split("\n")
        .filter(Boolean)
        .map(l => {
            expect(l).toMatch(/^admits [01]$/)
            return l === "admits 1"
        })
}

describe("the door to hosts, inward, on the simulator and the ESP32 alike", () => {
    test("the cases cover admitted and refused frames", () => {
        const verdicts = cases.cases.flatMap(c => expanded(c.steps).flatMap(s => ("admitted" in s ? [s.admitted] : [])))
        expect(verdicts.filter(v => v).length).toBeGreaterThan(5)
        expect(verdicts.filter(v => !v).length).toBeGreaterThan(15)
    })

    for (const c of cases.cases) {
        test(c.name, () => {
            const expected = expanded(c.steps).flatMap(s => ("admitted" in s ? [s.admitted] : []))
            expect(simulatorVerdicts(c.steps), "the simulator's door").toEqual(expected)
            expect(nativeVerdicts(c.steps), "the ESP32's door").toEqual(expected)
        })
    }
})
