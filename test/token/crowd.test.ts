// A crowd: 200 people in range at once for a quarter of an hour. The token keeps every one of
// them (a fixed 12.8 KB table and scan batches kept as radio pages), does not run out of memory or
// restart, and keeps its clock. Its log then comes out whole both ways, as full records (read_log)
// and as the digest (read_log_digest, services/token-sync.md) in bursts of 4 pages, without the
// token running out of heap in the middle of the crowd.
import { describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { withOwnerSession } from "../helpers/owner.js"
import jd, { type JDService, type Packet } from "../../lib/jacdac/jacdac-ts.js"
import { TokenSyncAnswer, TokenSyncCmd, TokenSyncLayout as Layout } from "../../lib/jacdac/service-specs.js"

/**
 * The whole digest in bursts of MaxBurstPages pages, as raw reports (the host's reader is the
 * kiosk's): the 4-byte RPI prefixes in digest order. Keeps a page only if it starts where the last
 * one kept ended, and asks again from there when a burst falls short.
 */
async function readDigestPrefixes(service: JDService): Promise<string[]> {
    const prefixes: string[] = []
    let cursor = Buffer.alloc(0)
    for (let bursts = 0; bursts < 1000; bursts++) {
        const pages = await new Promise<Buffer[]>(resolve => {
            const got: Buffer[] = []
            const finish = () => {
                clearTimeout(timer)
                service.off(jd.REPORT_RECEIVE, onReport)
                resolve(got)
            }
            let timer = setTimeout(finish, 20_000)
            const onReport = (pkt: Packet) => {
                if (pkt.serviceCommand !== TokenSyncCmd.ReadLogDigest) return
                const page = Buffer.from(pkt.data)
                got.push(page)
                if (page.length === 1 || page[2] === 1 || got.length >= Layout.MaxBurstPages) finish()
                else {
                    clearTimeout(timer)
                    timer = setTimeout(finish, 20_000)
                }
            }
            service.on(jd.REPORT_RECEIVE, onReport)
            void service.sendPacketAsync(jd.Packet.from(TokenSyncCmd.ReadLogDigest, Buffer.concat([cursor, Buffer.from([Layout.MaxBurstPages, 0])])))
        })
        for (const page of pages) {
            expect(page[0]).toBe(TokenSyncAnswer.Ready)
            const from = page.subarray(9, 15)
            if (cursor.length ? !from.equals(cursor) : !from.equals(Buffer.alloc(Layout.CursorBytes))) break
            for (let e = 0; e < page[1]; e++) {
                const at = Layout.DigestPageHeaderBytes + e * Layout.DigestEntryBytes
                prefixes.push(page.subarray(at + 1, at + Layout.DigestEntryBytes).toString("hex"))
            }
            cursor = Buffer.from(page.subarray(3, 9))
            if (page[2] === 1) return prefixes
        }
    }
    throw new Error("the digest did not end")
}

describe("a token in a crowd of 200", () => {
    test("hears and logs everyone without restarting", async () => {
        const clock = SimClock.startingAt(Date.UTC(2026, 4, 11, 8, 2), 200)
        const people = Array.from({ length: 200 }, (_, i) => new Neighbour(-50 - (i % 40)))
        const starts: string[] = []
        const vm = await TokenVm.start({
            clock,
            onScan: room(() => people),
            onLog: l => {
                if (/start: gaen-token|OutOfMemory/.test(l)) starts.push(l)
            },
        })
        try {
            const sync = await TokenSyncClient.find(vm.bus)
            await setTokenClock(clock, sync)
            await clock.sleep(15 * 60_000)
            expect((await sync.status()).state).toBe("active") // a restart would have lost the clock
            const { log, digest } = await withOwnerSession(clock, vm, sync, async () => ({
                log: await sync.readLog(),
                digest: await readDigestPrefixes(sync.service),
            }))
            expect(digest).toEqual(log.map(r => Buffer.from(r.rpi).subarray(0, 4).toString("hex")))
            const distinct = new Set(log.map(r => Buffer.from(r.rpi).toString("hex")))
            // Every neighbour's identifiers of the quarter hour: one or two 10-minute intervals each.
            expect(distinct.size).toBe(log.length)
            expect(log.length).toBeGreaterThanOrEqual(200)
            expect(log.length).toBeLessThanOrEqual(400)
            expect(starts.filter(l => l.includes("OutOfMemory"))).toEqual([])
            expect(starts.filter(l => l.includes("start: gaen-token"))).toHaveLength(1)
        } finally {
            await vm.stop()
        }
    }, 180_000)
})
