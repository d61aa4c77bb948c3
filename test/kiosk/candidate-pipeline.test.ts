// The candidate scan while the digest is read (kiosk/matching/candidates.ts CandidatePipeline) against
// the scan of the whole digest at once (findCandidates): the same candidates, keys and counts, with
// both engines, on seeded digests with planted contacts. Besides logs in time order: records first
// seen up to 40 minutes before the pages before them (an RPI heard for 20 minutes is written once it
// goes quiet: daily use), a sector that holds records first seen almost a day before the previous
// sector's latest (what the token allows: docs/storage.md, LOG_OUT_OF_ORDER_MINUTES), and sectors
// written after the token's clock was set back days. The pipeline is fed page by page, the finest a
// read can feed it.
import { describe, test, expect } from "vitest"
import { deriveDailyKeys, identifiersFor, type TemporaryExposureKey } from "../../lib/gaen/index.js"
import { DigestLayout, type DigestEntry } from "../../lib/token-sync/log-digest.js"
import { CandidatePipeline, findCandidates } from "../../kiosk/matching/candidates.js"
import type { FastMatchOptions } from "../../kiosk/matching/fast-match.js"
import { DiagnosisKeySet } from "../../kiosk/downloads/key-set.js"
import { RECORDS_PER_SECTOR } from "../../testkit/log-flash-image.js"
import { seedFrom, seededRandom, type SeededRandom } from "../../testkit/seeded-random.js"

const SEED = seedFrom("CANDIDATE_PIPELINE_SEED")
/** The day of the check (EN days since 1970) and its interval. */
const TODAY = 20_000
const NOW = TODAY * 144 + 90
const RECORDS = 3_000

const ENGINES: [string, FastMatchOptions][] = [
    ["native, on worker threads", { scanPeriodSeconds: 240, threads: 2 }],
    ["native, on this thread", { scanPeriodSeconds: 240, threads: 0 }],
    ["javascript", { scanPeriodSeconds: 240, engine: "javascript" }],
]

/** A record as the digest names it: its first interval and its RPI's first 4 bytes. */
interface Rec {
    first: number
    prefix: Uint8Array
}

/** The digest the token sends for `records` in log order: sectors of RECORDS_PER_SECTOR, pages of
 *  one sector that end at the host's most entries or before a record that would make the span exceed 12. */
function digestOf(records: readonly Rec[], maxEntries: number = DigestLayout.MaxEntriesPerPage): { digest: DigestEntry[]; pageEnds: number[] } {
    const digest: DigestEntry[] = []
    const pageEnds: number[] = []
    for (let s = 0; s * RECORDS_PER_SECTOR < records.length; s++) {
        const sector = records.slice(s * RECORDS_PER_SECTOR, (s + 1) * RECORDS_PER_SECTOR)
        for (let at = 0; at < sector.length;) {
            let end = at + 1,
                lo = sector[at].first,
                hi = lo
            while (end < sector.length && end - at < maxEntries) {
                const f = sector[end].first
                if (Math.max(hi, f) - Math.min(lo, f) > DigestLayout.MaxSpanIntervals) break
                lo = Math.min(lo, f)
                hi = Math.max(hi, f)
                end++
            }
            for (let slot = at; slot < end; slot++)
                digest.push({ at: { seq: 100 + s, slot }, prefix: sector[slot].prefix, firstInterval: lo, lastInterval: hi })
            pageEnds.push(digest.length)
            at = end
        }
    }
    return { digest, pageEnds }
}

interface World {
    keys: TemporaryExposureKey[]
    records: Rec[]
    /** Records that carry a planted key's RPI within its window: every scan must name them. */
    planted: Set<Rec>
}

function randomKeys(rnd: SeededRandom, n: number): TemporaryExposureKey[] {
    return Array.from({ length: n }, (_, k) => ({
        keyData: Buffer.from(rnd.bytes(16)),
        rollingStartIntervalNumber: (TODAY - (k % 15)) * 144 + (k % 7 === 0 ? 72 : 0),
        // Unset (0 = 144), a whole day, or a key published before its day ended.
        rollingPeriod: k % 11 === 0 ? 0 : k % 7 === 0 ? 72 : 144,
    }))
}

/** A key of the day of `interval` whose RPI for `interval` (shifted by `offset`) the record carries. */
function plant(w: World, rnd: SeededRandom, record: Rec, interval: number): void {
    const key: TemporaryExposureKey = { keyData: Buffer.from(rnd.bytes(16)), rollingStartIntervalNumber: Math.floor(interval / 144) * 144, rollingPeriod: 144 }
    record.prefix = identifiersFor(deriveDailyKeys(key.keyData), interval, -8).rpi.subarray(0, 4)
    w.keys.splice(rnd.int(0, w.keys.length), 0, key)
    w.planted.add(record)
}

/** A log of RECORDS records over the 14 days before NOW in time order, with contacts planted at
 *  their interval and 12 intervals either side of it (the window's edges). */
function world(rnd: SeededRandom, keyCount: number): World {
    const w: World = { keys: randomKeys(rnd, keyCount), records: [], planted: new Set() }
    for (let i = 0; i < RECORDS; i++) w.records.push({ first: NOW - rnd.int(1, 14 * 144), prefix: rnd.bytes(4) })
    w.records.sort((a, b) => a.first - b.first)
    for (let p = 0; p < 12; p++) {
        const record = w.records[rnd.int(0, w.records.length)]
        plant(w, rnd, record, record.first + [-12, 0, 12][p % 3])
    }
    return w
}

/** The pipeline fed page by page, and the one-shot scan, on the same digest. */
async function bothScans(w: World, o: FastMatchOptions, asSet: boolean, maxEntries?: number, whileReading: boolean | "by default" = true) {
    const keys = asSet ? DiagnosisKeySet.from(w.keys) : w.keys
    const { digest, pageEnds } = digestOf(w.records, maxEntries)
    const pipeline = new CandidatePipeline(keys, o, whileReading === "by default" ? undefined : whileReading)
    const growing: DigestEntry[] = []
    for (const end of pageEnds) {
        growing.push(...digest.slice(growing.length, end))
        pipeline.advance(growing)
    }
    const early = pipeline.scannedEarly.days
    const piped = await pipeline.finish(growing)
    const whole = await findCandidates(keys, digest, o)
    const planted = digest.flatMap((e, i) => (w.planted.has(w.records[i]) ? [i] : []))
    return { piped, whole, planted, early, rescans: pipeline.rescans }
}

describe.each(ENGINES)("candidate scan during the read, %s engine", (_engine, o) => {
    test("a log in time order: the same scan, most days scanned before the read ends, none again", async () => {
        const w = world(seededRandom(SEED), 1_500)
        const r = await bothScans(w, o, true)
        expect(r.piped).toEqual(r.whole)
        expect(r.planted.length).toBe(w.planted.size)
        expect(r.whole.candidates).toEqual(expect.arrayContaining(r.planted))
        expect(r.early).toBeGreaterThanOrEqual(10)
        expect(r.rescans).toBe(0)
    }, 60_000)

    test("records first seen up to 40 minutes before the pages before them: the same scan, none again", async () => {
        const rnd = seededRandom(SEED + 4)
        const w = world(rnd, 1_500)
        // Every 5th record goes up to 4 records later in the log (written when its RPI went quiet).
        for (let i = 0; i + 4 < w.records.length; i += 5) {
            const to = i + rnd.int(1, 4)
            if (w.records[to].first - w.records[i].first <= 4) w.records.splice(to, 0, ...w.records.splice(i, 1))
        }
        // A contact at a day's last interval H in a record first seen at H + 10, written after records
        // first seen at H + 14 … H + 16 (40 minutes later): a day scanned as soon as the read is 12
        // intervals past it would miss it. Pages of one entry each (a host may ask for so few), so
        // the pipeline sees the read's progress record by record.
        const [dayEnd, at] = [...Array(10).keys()]
            .map(k => (TODAY - 2 - k) * 144 - 1)
            .map(h => [h, w.records.findIndex(r => r.first >= h + 14)])
            .find(([h, i]) => w.records[i].first <= h + 16)!
        const late: Rec = { first: dayEnd + 10, prefix: rnd.bytes(4) }
        plant(w, rnd, late, dayEnd)
        w.records.splice(at + 1, 0, late)
        const r = await bothScans(w, o, false, 1)
        expect(r.piped).toEqual(r.whole)
        expect(r.whole.candidates).toEqual(expect.arrayContaining(r.planted))
        expect(r.planted.length).toBe(w.planted.size)
        expect(r.early).toBeGreaterThanOrEqual(10)
        expect(r.rescans).toBe(0)
    }, 60_000)

    test("a sector with records first seen almost a day before the previous sector's latest: that day is scanned again, the same scan", async () => {
        const rnd = seededRandom(SEED + 1)
        const w = world(rnd, 1_500)
        // A sector boundary where the previous sector's latest lies early in a day (interval 20 … 110
        // of it): a record first seen 20 hours before it belongs to a day that ended before it.
        const sector = [...Array(Math.floor(RECORDS / RECORDS_PER_SECTOR) - 2).keys()].find(s => {
            const latest = w.records[(s + 1) * RECORDS_PER_SECTOR - 1].first
            return s > 3 && latest % 144 >= 20 && latest % 144 <= 110
        })
        expect(sector).toBeDefined()
        const latest = w.records[(sector! + 1) * RECORDS_PER_SECTOR - 1].first
        const late: Rec = { first: latest - 120, prefix: rnd.bytes(4) }
        plant(w, rnd, late, late.first)
        // Deep in the next sector: pages of that sector come before it.
        w.records.splice((sector! + 1) * RECORDS_PER_SECTOR + 60, 0, late)
        const r = await bothScans(w, o, false)
        expect(r.piped).toEqual(r.whole)
        expect(r.whole.candidates).toEqual(expect.arrayContaining(r.planted))
        expect(r.planted.length).toBe(w.planted.size)
        expect(r.rescans).toBeGreaterThan(0)
    }, 60_000)

    test("sectors written after the clock was set back days: the days met again are scanned again, the same scan", async () => {
        const rnd = seededRandom(SEED + 2)
        const w = world(rnd, 1_500)
        const back: Rec[] = Array.from({ length: 2 * RECORDS_PER_SECTOR }, (_, i) => ({ first: NOW - 9 * 144 + Math.floor(i / 3), prefix: rnd.bytes(4) }))
        plant(w, rnd, back[150], back[150].first + 5)
        w.records.push(...back)
        const r = await bothScans(w, o, true)
        expect(r.piped).toEqual(r.whole)
        expect(r.whole.candidates).toEqual(expect.arrayContaining(r.planted))
        expect(r.rescans).toBeGreaterThan(0)
    }, 60_000)
})

test("keys the scan cannot derive (malformed) and keys of far-off days: as in the one-shot scan", async () => {
    const rnd = seededRandom(SEED + 3)
    const w = world(rnd, 300)
    w.keys.push({ keyData: Buffer.from(rnd.bytes(15)), rollingStartIntervalNumber: (TODAY - 3) * 144, rollingPeriod: 144 })
    w.keys.push({ keyData: Buffer.from(rnd.bytes(16)), rollingStartIntervalNumber: (TODAY - 3) * 144, rollingPeriod: 200 })
    // Years apart: grouped by the days the keys have.
    w.keys.push({ keyData: Buffer.from(rnd.bytes(16)), rollingStartIntervalNumber: 144, rollingPeriod: 144 })
    w.keys.push({ keyData: Buffer.from(rnd.bytes(16)), rollingStartIntervalNumber: 0xffffffff - 143, rollingPeriod: 144 })
    for (const [, o] of ENGINES) {
        const r = await bothScans(w, o, true)
        expect(r.piped).toEqual(r.whole)
        expect(r.whole.stats.malformedKeys).toBe(2)
    }
}, 60_000)

test("by default only a scan on worker threads runs during the read: the JavaScript engine waits for its end (it would hold up the read's packets)", async () => {
    const w = world(seededRandom(SEED + 5), 300)
    const js = await bothScans(w, { scanPeriodSeconds: 240, engine: "javascript" }, true, undefined, "by default")
    expect(js.early).toBe(0)
    expect(js.piped).toEqual(js.whole)
    const workers = await bothScans(w, { scanPeriodSeconds: 240, threads: 2 }, true, undefined, "by default")
    expect(workers.early).toBeGreaterThanOrEqual(10)
    expect(workers.piped).toEqual(workers.whole)
}, 60_000)
