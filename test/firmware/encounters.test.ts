// What the token makes of its scans: one aggregate per heard identifier, committed as one record
// when the identifier is no longer heard; everything that is not GAEN is ignored and counted.
import * as ds from "@devicescript/core"
import { describe, expect, test } from "@devicescript/test"
import { advertisementPayload } from "../../src/gaen"
import { scanBatchOf } from "../../src/hardware/radio"
import { EncounterTracker } from "../../src/scan/encounters"
import { ContactRecord, RECORD_SIZE, decodeRecord } from "../../src/storage/contact-record"
import { ContactLog, LOG_START, LogCursor } from "../../src/storage/contact-log"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { Rng, T0 } from "./helpers/fixtures"

interface Entry {
    address: Buffer
    rssi: number
    packets: number
    payload: Buffer
}

function gaenEntry(id: number, rssi: number): Entry {
    const rpi = Buffer.alloc(16)
    rpi.setAt(0, "u32", id)
    rpi[15] = 0x5a
    const aem = Buffer.from([1, 2, 3, id & 0xff])
    return { address: Buffer.from([id & 0xff, 1, 2, 3, 4, 5]), rssi, packets: 16, payload: advertisementPayload(rpi, aem) }
}

function idOf(r: ContactRecord) {
    return r.rpi.getAt(0, "u32")
}

describe("encounter tracker", () => {
    test("an identifier heard in three scans becomes one record once it is no longer heard", async () => {
        const written: ContactRecord[] = []
        const t = new EncounterTracker(async r => {
            written.push(r)
        })
        await t.addScan(scanBatchOf([gaenEntry(7, -60)]), 1000)
        await t.addScan(scanBatchOf([gaenEntry(7, -50)]), 1004)
        await t.addScan(scanBatchOf([gaenEntry(7, -70)]), 1008)
        expect(written.length).toBe(0)
        expect(t.inRange()).toBe(1)
        const out = await t.addScan(scanBatchOf([]), 1012)
        expect(out.committed).toBe(1)
        expect(written.length).toBe(1)
        const r = written[0]
        expect(idOf(r)).toBe(7)
        expect(r.scans).toBe(3)
        expect(r.firstSeen).toBe(1000)
        expect(r.lastSeen).toBe(1008)
        expect(r.rssiMax).toBe(-50)
        expect(r.rssiMin).toBe(-70)
        expect(r.rssiMean).toBe(-60)
        expect(r.aem[3]).toBe(7)
    })

    test("several identifiers are tracked apart", async () => {
        const written: ContactRecord[] = []
        const t = new EncounterTracker(async r => {
            written.push(r)
        })
        await t.addScan(scanBatchOf([gaenEntry(1, -40), gaenEntry(2, -80)]), 2000)
        await t.addScan(scanBatchOf([gaenEntry(1, -42)]), 2004)
        expect(written.length).toBe(1)
        expect(idOf(written[0])).toBe(2)
        expect(written[0].scans).toBe(1)
        await t.addScan(scanBatchOf([]), 2008)
        expect(written.length).toBe(2)
        expect(idOf(written[1])).toBe(1)
        expect(written[1].scans).toBe(2)
    })

    test("advertisements that are not GAEN, truncated or oversized are ignored and counted, never logged", async () => {
        const written: ContactRecord[] = []
        const t = new EncounterTracker(async r => {
            written.push(r)
        })
        const good = gaenEntry(3, -60)
        const truncated = good.payload.slice(0, 20)
        const oversized = good.payload.concat(Buffer.from([0, 0]))
        const otherService = Buffer.from([2, 1, 6, 5, 0x16, 0x0a, 0x18, 1, 2]) // 0x180A service data
        const out = await t.addScan(
            scanBatchOf([
                { address: good.address, rssi: -60, packets: 3, payload: truncated },
                { address: good.address, rssi: -60, packets: 3, payload: oversized },
                { address: good.address, rssi: -60, packets: 3, payload: otherService },
                { address: good.address, rssi: -60, packets: 3, payload: Buffer.alloc(0) },
                good,
            ]),
            3000
        )
        expect(out.ignored).toBe(4)
        expect(out.heard).toBe(1)
        expect(t.ignoredTotal).toBe(4)
        await t.addScan(scanBatchOf([]), 3004)
        expect(written.length).toBe(1)
        expect(idOf(written[0])).toBe(3)
    })

    test("a crowd beyond the tracking limit is committed early, so memory stays bounded", async () => {
        let written = 0
        const t = new EncounterTracker(async () => {
            written++
        }, 50)
        const crowd: Entry[] = []
        for (let i = 0; i < 80; i++) crowd.push(gaenEntry(100 + i, -70))
        await t.addScan(scanBatchOf(crowd), 4000)
        expect(t.inRange()).toBe(50)
        expect(written).toBe(30)
    })

    test("200 identifiers in range at once fit in 48 KB of heap", async () => {
        // The simulator's VM runs out of memory at about 60 KB: holding 12 KB of ballast leaves this
        // test (framework included) 48 KB, the token's budget.
        const ballast = Buffer.alloc(12 * 1024)
        let written = 0
        const t = new EncounterTracker(async () => {
            written++
        })
        // Built as the radio hands it over: one batch of 200 entries (about 9 KB).
        const batch: Buffer[] = []
        for (let i = 0; i < 200; i++) batch.push(scanBatchOf([gaenEntry(1000 + i, -60 - (i % 30))])[0])
        for (let scan = 0; scan < 3; scan++) await t.addScan(batch, 6000 + scan * 4)
        expect(t.inRange()).toBe(200)
        expect(written).toBe(0)
        await t.addScan(scanBatchOf([]), 6012)
        expect(written).toBe(200)
        expect(ballast.length).toBe(12 * 1024)
    })

    test("a failing flash write loses that record only and is counted", async () => {
        let calls = 0
        const t = new EncounterTracker(async () => {
            calls++
            if (calls === 1) throw new Error("flash: power lost")
        })
        await t.addScan(scanBatchOf([gaenEntry(1, -60), gaenEntry(2, -60)]), 5000)
        await t.addScan(scanBatchOf([]), 5004)
        expect(calls).toBe(2)
        expect(t.failedWrites).toBe(1)
        expect(t.committedTotal).toBe(1)
    })

    ;[11, 12, 13].forEach(seed => {
        test(`scans interleaved with log reads (seed ${seed}): no record written twice, none lost`, async () => {
            const rng = new Rng(seed)
            const flash = new RamNorFlash({ sectorSize: 4096, sectorCount: 8 })
            const log = await ContactLog.open(flash, { firstSector: 0, sectorCount: 8 })
            // A small table, so crowding also writes identifiers early while reads go on.
            const t = new EncounterTracker(async r => {
                await log.append(r)
            }, 10)
            const heardIn: number[] = []
            let scanning = true
            let reads = 0
            ;(async () => {
                // A kiosk reading the log from the start again and again, as read_log does.
                while (scanning) {
                    await t.commitAll()
                    await log.readChunk(LOG_START, 4)
                    reads++
                    for (let k = rng.int(3); k > 0; k--) await ds.sleep(0)
                }
                reads = -reads
            }).start()
            for (let scan = 0; scan < 40; scan++) {
                const entries: Entry[] = []
                for (let id = scan; id < scan + 14; id++)
                    if (rng.next() < 0.8) {
                        entries.push(gaenEntry(id, -50 - rng.int(30)))
                        heardIn[id] = (heardIn[id] || 0) + 1
                    }
                await t.addScan(scanBatchOf(entries), T0 + scan * 4)
            }
            scanning = false
            while (reads >= 0) await ds.sleep(1)
            await t.commitAll()
            // Every scan that heard an identifier is counted in exactly one of its records.
            const counted: number[] = []
            let cursor: LogCursor = LOG_START
            let records = 0
            for (;;) {
                const c = await log.readChunk(cursor, 20)
                for (let i = 0; i < c.count; i++) {
                    const r = decodeRecord(c.records, i * RECORD_SIZE)
                    counted[idOf(r)] = (counted[idOf(r)] || 0) + r.scans
                    records++
                }
                cursor = c.next
                if (c.done) break
            }
            let wrong = ""
            for (let id = 0; id < heardIn.length; id++)
                if ((heardIn[id] || 0) !== (counted[id] || 0)) wrong += ` ${id}: heard ${heardIn[id] || 0}, logged ${counted[id] || 0};`
            expect(wrong).toBe("")
            expect(counted.length).toBe(heardIn.length)
            expect(records).toBe(t.committedTotal)
            expect(t.failedWrites).toBe(0)
            expect(-reads > 10).toBe(true)
        })
    })
})
