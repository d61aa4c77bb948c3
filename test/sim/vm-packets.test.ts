// The simulator counts the Jacdac packets a token's DeviceScript VM sends (sim/token/frame-hub.ts):
// what the VM's send throttle spends, 50 a second (sim/README.md), and what the counter-check bench
// (bench/countercheck.bench.ts) measures a log read by. Each packet of a frame counts, and only the
// VM's program's: the simulated hardware's frames pass the same hub, and the control service's
// packets come from the runtime, outside the throttle.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import jd, { type Packet } from "../../lib/jacdac/jacdac-ts.js"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { encodeFrame, startFrameHub } from "../../sim/token/frame-hub.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { Cleanup } from "../helpers/cleanup.js"
import { waitUntil } from "../helpers/wait.js"

/** A command frame to device `deviceId` holding one packet per service index, each with 6 bytes of
 *  data (padded to 4 bytes, as jacdac-c builds frames). */
function commandFrame(deviceId: string, serviceIndices: number[]): Buffer {
    const packets = serviceIndices.map(index => {
        const p = Buffer.alloc(12) // 4 header bytes, 6 data bytes, 2 of padding
        p[0] = 6
        p[1] = index
        p.writeUInt16LE(0x80, 2)
        return p
    })
    const frame = Buffer.concat([Buffer.alloc(12), ...packets])
    frame[2] = frame.length - 12
    frame[3] = 0x01 // a command
    Buffer.from(deviceId, "hex").copy(frame, 4)
    return frame
}

describe("the frame hub counts the packets the VM sends", () => {
    test("every packet of the VM's frames but the control service's, none of the hardware's", async () => {
        const hub = await startFrameHub(0, () => 0)
        try {
            const vm = hub.connectInProcess(undefined, { vm: true })
            const hardware = hub.connectInProcess()
            const heard: Buffer[] = []
            hardware.on("data", (b: Buffer) => heard.push(b))
            vm.on("data", (b: Buffer) => heard.push(b))
            vm.write(encodeFrame(commandFrame("0102030405060708", [0, 1, 2, 3])))
            vm.write(encodeFrame(commandFrame("0102030405060708", [4])))
            hardware.write(encodeFrame(commandFrame("1112131415161718", [1, 2])))
            expect(await waitUntil(() => heard.length === 3, 5_000, 5)).toBe(true)
            expect(hub.vmPacketsSent()).toBe(4)
        } finally {
            await hub.close()
        }
    })
})

describe("a token's VM packets, as a host sees them", () => {
    const clock = SimClock.startingAt(Date.UTC(2026, 11, 7, 9, 0), 20)
    const cleanup = new Cleanup()
    let vm: TokenVm
    let sync: TokenSyncClient

    beforeAll(async () => {
        vm = cleanup.add(await TokenVm.start({ clock }), v => v.stop())
        sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync)
    }, 120_000)
    afterAll(() => cleanup.run())

    test("status reads: the count grows by at least the VM's packets the host received, and by no more than the throttle lets out", async () => {
        const STATUS_READS = 5
        // At real speed, with the token caught up: the throttle's 50 a second of the token's time
        // bounds the count by the clock's time.
        await clock.changeScaleAndSettle(1)
        let received = 0
        const fromVm = (pkt: Packet) => {
            if (!pkt.isCommand && pkt.device === sync.service.device && pkt.serviceIndex !== 0) received++
        }
        vm.bus.on(jd.PACKET_PROCESS, fromVm)
        try {
            const t0 = clock.now()
            const before = await vm.vmPacketsSent()
            for (let i = 0; i < STATUS_READS; i++) expect((await sync.status()).state).toBe("active")
            const after = await vm.vmPacketsSent()
            const seconds = (clock.now() - t0) / 1000
            // Each status read is answered with several register reports, all from the VM.
            expect(received).toBeGreaterThanOrEqual(STATUS_READS)
            expect(after - before).toBeGreaterThanOrEqual(received)
            // The throttle's burst of 5 and 50 a second, and a second of the token's lag.
            expect(after - before).toBeLessThanOrEqual(5 + 50 * (seconds + 1))
        } finally {
            vm.bus.off(jd.PACKET_PROCESS, fromVm)
        }
    }, 120_000)
})
