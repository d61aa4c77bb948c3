// Fuzzing the token's sync service (services/token-sync.md): "a malformed, truncated or out-of-order
// command gets an error answer and changes nothing; the token never restarts because of what a host
// sent". A real token (firmware in the simulator) with a log and a key gets a few hundred random
// commands and register reads/writes, plus targeted malformed ones; afterwards it must be the same
// token, never restarted, in the same state.
//
// The random cases leave out set_time (0x80): a random 4-byte value is, more often than not, a valid
// time between 2020 and 2100, which the token rightly takes. set_time is fuzzed with the targeted
// invalid values instead. Random request_key_export / request_decommission are included: they only
// start a 30-second wait for the button, which nobody presses here.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient, type EncounterRecord, type TokenStatus } from "../../lib/token-sync/sync-client.js"
import jd, { type Packet } from "../../lib/jacdac/jacdac-ts.js"
import { TokenSyncAnswer as Answer, TokenSyncCmd, TokenSyncLayout as Layout, TokenSyncSetTimeOutcome } from "../../lib/jacdac/service-specs.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { connectToToken, type TokenConnection } from "../../kiosk/index.js"
import { tokenAddress } from "./helpers.js"
import { hex } from "../helpers/bytes.js"
import { Cleanup } from "../helpers/cleanup.js"
import { withOwnerSession } from "../helpers/owner.js"
import { seededRandom, seedFrom } from "../../testkit/seeded-random.js"

const SEED = seedFrom("FUZZ_SEED")
const RANDOM_CASES = 300
const REPLY_BACKSTOP_MS = 30_000
/** Real ms after which an unanswered command is sent again. */
const ASK_AGAIN_MS = 3_000
const MAX_PAYLOAD = 236
/** The Control service's uptime register (µs since the program started). */
const CONTROL_UPTIME = jd.ControlReg.Uptime

const u32 = (v: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(v >>> 0)
    return new Uint8Array(b)
}
const cursor = (seq: number, slot: number) => {
    const b = Buffer.alloc(6)
    b.writeUInt32LE(seq)
    b.writeUInt16LE(slot, 4)
    return new Uint8Array(b)
}

describe(`the token's sync service under fuzz (FUZZ_SEED=${SEED})`, () => {
    const cleanup = new Cleanup()
    const clock = SimClock.startingAt(Date.UTC(2026, 4, 20, 8, 0), 100)
    const starts: string[] = []
    let vm: TokenVm
    /** The fuzzer's own connection: a hostile host on the token's bus. */
    let fuzzer: TokenConnection
    let sync: TokenSyncClient
    let before: { status: TokenStatus; log: EncounterRecord[]; uptimeUs: number }

    /** A clean look at the token through a connection of its own: the fuzzer's writes to read-only
     *  registers make jacdac-ts mark those registers "not implemented" on every bus that saw the
     *  answers, so the state is read by a host that arrives afterwards. */
    const inspect = async () => {
        const c = await connectToToken(tokenAddress(vm.hubPort))
        try {
            const reg = c.client.service.device.service(0).register(CONTROL_UPTIME)
            if (!(await reg.refresh())) throw new Error("no uptime from the Control service")
            const log = await withOwnerSession(clock, vm, c.client, () => c.client.readLog())
            return { status: await c.client.status(), log, uptimeUs: Number(reg.unpackedValue[0]) }
        } finally {
            await c.close()
        }
    }
    /** A command the token implements must answer (an error answer is still an answer). The fuzzer
     *  sends faster than the token answers, so the door may drop a command for its pace
     *  (services/token-sync.md, "Sessions and hosts"): like a kiosk, it asks again. The total wait is
     *  a backstop for a loaded machine: a token that answers does so at once. */
    const ask = async (cmd: number, data: Uint8Array): Promise<Uint8Array> => {
        for (let tried = 0; tried < REPLY_BACKSTOP_MS / ASK_AGAIN_MS; tried++) {
            // jacdac-ts throws on a timeout: that is the unanswered command, asked again.
            const reply: Packet | undefined = await sync.service.sendCmdAwaitResponseAsync(jd.Packet.from(cmd, data), ASK_AGAIN_MS).catch(() => undefined)
            if (reply) return reply.data
        }
        throw new Error(
            `no answer within ${REPLY_BACKSTOP_MS / 1000} s to command 0x${cmd.toString(16)} with ${data.length} bytes [${hex(data)}] (FUZZ_SEED=${SEED}, simulated time ${new Date(clock.now()).toISOString()})`
        )
    }

    beforeAll(async () => {
        let present: Neighbour[] = []
        vm = cleanup.add(
            await TokenVm.start({
                clock,
                onScan: room(() => present),
                // The VM prints "start: <program> <version>" each time the firmware (re)starts.
                onLog: line => {
                    if (/^WASM> start: /.test(line.replace(/\x1b\[[0-9;]*m/g, ""))) starts.push(line)
                },
            }),
            v => v.stop()
        )
        await setTokenClock(clock, await TokenSyncClient.find(vm.bus))
        // Something to lose: a few neighbours' records and today's key.
        present = [new Neighbour(-60), new Neighbour(-70), new Neighbour(-80)]
        await clock.sleep(25 * 60_000)
        present = []
        await clock.sleep(5 * 60_000)
        clock.setScale(5) // the fuzzing itself is real-time work; the token's day must not end meanwhile
        before = await inspect() // reading the log from the start commits what was still being heard
        fuzzer = cleanup.add(await connectToToken(tokenAddress(vm.hubPort)), c => c.close())
        // jacdac-ts console.asserts on every "not implemented" answer to a register write: noise here.
        cleanup.add(
            vi.spyOn(console, "assert").mockImplementation(() => {}),
            spy => spy.mockRestore()
        )
        sync = fuzzer.client
    }, 90_000)
    afterAll(() => cleanup.run())

    test("precondition: a running token with records and a key, started once", () => {
        expect(before.status.state).toBe("active")
        expect(before.log.length).toBeGreaterThanOrEqual(6)
        expect(before.status.keysHeld).toBeGreaterThanOrEqual(1)
        expect(starts).toHaveLength(1)
    })

    test("targeted malformed and out-of-order commands get error answers and change nothing", async () => {
        // set_time: 0, 2^32-1 (2106), 3 bytes, nothing: refused (drift 0, then the outcome).
        for (const arg of [u32(0), u32(2 ** 32 - 1), Uint8Array.of(1, 2, 3), new Uint8Array(0)])
            expect(hex(await ask(TokenSyncCmd.SetTime, arg)), `set_time [${hex(arg)}]`).toBe("00000000" + hex(Uint8Array.of(TokenSyncSetTimeOutcome.Refused)))
        // read_log without the owner's session: nothing handed out, whatever the cursor.
        for (const c of [new Uint8Array(0), cursor(0, 0), new Uint8Array(3)])
            expect(hex(await ask(TokenSyncCmd.ReadLog, c)), `read_log [${hex(c)}]`).toBe(hex(Uint8Array.of(Answer.NotRequested)))
        await withOwnerSession(clock, vm, sync, async () => {
            // read_log with 2-5 or 8 argument bytes: refused (0 or 6 bytes: a cursor; 1 or 7: a burst).
            for (const n of [2, 3, 4, 5, 8])
                expect((await ask(TokenSyncCmd.ReadLog, new Uint8Array(n).fill(0x11)))[0], `read_log with ${n} argument bytes`).toBe(Answer.Refused)
            // A cursor far in the future (beyond the newest sector): the read restarts at the beginning.
            const future = await ask(TokenSyncCmd.ReadLog, cursor(0xfffffff0, 0))
            expect(future[0]).toBe(Answer.Ready)
            expect(hex(future.subarray(Layout.PageHeaderBytes, Layout.PageHeaderBytes + 16))).toBe(hex(before.log[0].rpi))
            // One byte: a burst from the beginning (0x11 = 17 pages asks for the most, 4); its first
            // page says it starts at the beginning (a zero cursor) and holds the first records.
            const burst = await ask(TokenSyncCmd.ReadLog, Uint8Array.of(0x11))
            expect(burst[0]).toBe(Answer.Ready)
            expect(burst.length).toBe(Layout.BurstPageHeaderBytes + burst[1] * Layout.RecordBytes)
            expect(hex(burst.subarray(Layout.PageHeaderBytes, Layout.BurstPageHeaderBytes))).toBe("000000000000")
            expect(hex(burst.subarray(Layout.BurstPageHeaderBytes, Layout.BurstPageHeaderBytes + 16))).toBe(hex(before.log[0].rpi))
        })
        // export_keys with random start indices before any request: not requested.
        for (const start of [0, 1, 14, 0xffff]) {
            const b = Buffer.alloc(2)
            b.writeUInt16LE(start)
            expect((await ask(TokenSyncCmd.ExportKeys, new Uint8Array(b)))[0], `export_keys from ${start}`).toBe(Answer.NotRequested)
        }
        expect((await ask(TokenSyncCmd.ExportKeys, new Uint8Array(0)))[0]).toBe(Answer.NotRequested)
        expect((await ask(TokenSyncCmd.ExportKeys, Uint8Array.of(7)))[0]).toBe(Answer.NotRequested)
        // decommission without a request: not requested, nothing erased.
        expect((await ask(TokenSyncCmd.Decommission, new Uint8Array(0)))[0]).toBe(Answer.NotRequested)
        expect((await ask(TokenSyncCmd.Decommission, new Uint8Array(MAX_PAYLOAD).fill(0xff)))[0]).toBe(Answer.NotRequested)
    })

    test(`${RANDOM_CASES} random commands, register reads and writes: the token answers every implemented command`, async () => {
        const rnd = seededRandom(SEED)
        const implemented = [
            TokenSyncCmd.RequestKeyExport,
            TokenSyncCmd.ExportKeys,
            TokenSyncCmd.ReadLog,
            TokenSyncCmd.RequestDecommission,
            TokenSyncCmd.Decommission,
            TokenSyncCmd.RequestSession,
        ]
        let answered = 0
        for (let i = 0; i < RANDOM_CASES; i++) {
            const kind = rnd.int(0, 9)
            const payload = rnd.bytes(rnd.pick([0, 1, 2, 3, 5, 6, 7, rnd.int(0, MAX_PAYLOAD), MAX_PAYLOAD]))
            if (kind <= 5) {
                // A command 0x81-0x8f (0x80 set_time excluded, see the top of the file).
                const cmd = rnd.int(0x81, 0x8f)
                if (implemented.includes(cmd)) {
                    await ask(cmd, payload)
                    answered++
                } else {
                    await sync.service.sendPacketAsync(jd.Packet.from(cmd, payload))
                }
            } else if (kind <= 8) {
                // A register read (sometimes with a payload it should not have) or a write to a
                // read-only / unknown register, around the service's registers 0x180-0x18b.
                const reg = rnd.pick([rnd.int(0x180, 0x18f), rnd.int(0x100, 0x1ff), rnd.int(0, 0xfff)])
                const op = kind === 8 ? jd.CMD_SET_REG : jd.CMD_GET_REG
                await sync.service.sendPacketAsync(jd.Packet.from(op | reg, kind === 7 ? payload : new Uint8Array(0)))
            } else {
                // Commands out of order in a burst, without waiting for answers.
                await Promise.all(
                    Array.from({ length: rnd.int(2, 8) }, () => sync.service.sendPacketAsync(jd.Packet.from(rnd.pick(implemented), rnd.bytes(rnd.int(0, 12)))))
                )
            }
        }
        expect(answered).toBeGreaterThan(RANDOM_CASES / 8)
        await fuzzer.close()
    }, 120_000)

    test("afterwards: never restarted, same token, same state, same log, same keys", async () => {
        // Let any 30-second button window the fuzz opened run out first.
        clock.setScale(100)
        await clock.sleep(60_000)
        const { status: after, log, uptimeUs } = await inspect()
        expect(starts, `the VM printed a second start line: the program restarted. Its last lines:\n${vm.recentLog(60)}`).toHaveLength(1)
        expect(uptimeUs, "the Control service's uptime went back: the program restarted").toBeGreaterThan(before.uptimeUs + 30e6)
        expect(after.tokenId).toBe(before.status.tokenId)
        expect(after.state).toBe("active")
        expect(Math.abs(after.clock - clock.now() / 1000)).toBeLessThan(120)
        expect(after.lastDrift).toBe(before.status.lastDrift)
        expect(after.keysHeld).toBe(before.status.keysHeld)
        expect(after.recordsHeld).toBe(before.status.recordsHeld)
        expect(after.badRecords).toBe(0)
        expect(log.map(r => hex(r.rpi) + r.scans + r.firstSeen)).toEqual(before.log.map(r => hex(r.rpi) + r.scans + r.firstSeen))
        // No export was ever confirmed: nothing is waiting to be read.
        const c = await connectToToken(tokenAddress(vm.hubPort))
        try {
            expect((await c.client.exportKeys()).state).toBe("not-requested")
        } finally {
            await c.close()
        }
    })
})
