// The counter check in two phases (digest, candidates, their whole records: kiosk/matching/candidates.ts,
// lib/token-sync/log-digest.ts) against the check of the whole log, on seeded logs with planted
// contacts: the matches, their sightings and the day scores must be the same, with both engines.
// The token here is testkit/log-digest-token.ts (the digest built as the firmware builds it, served on
// an in-process bus through the kiosk's own TokenSyncClient), so the reader's bursts, cursors and
// resumption after a pulled cable are the product's.
import { describe, test, expect, beforeAll } from "vitest"
import { generateTemporaryExposureKey, deriveDailyKeys, identifiersFor, type TemporaryExposureKey } from "../../lib/gaen/index.js"
import type { EncounterRecord } from "../../lib/token-sync/records.js"
import { TokenSyncClient, LogDigestInterrupted, CandidateReadInterrupted, type DigestEntry } from "../../lib/token-sync/sync-client.js"
import { findCandidates, matchCandidates } from "../../kiosk/matching/candidates.js"
import { matchDiagnosisKeysFast, type FastMatchOptions } from "../../kiosk/matching/fast-match.js"
import type { ExposureMatch, MatchStats } from "../../kiosk/matching/match.js"
import { dailyRisk } from "../../kiosk/matching/risk.js"
import { loadRiskConfig } from "../../kiosk/index.js"
import { twoPhaseLogRead } from "../../kiosk/token/log-reader.js"
import type { TokenSession } from "../../kiosk/token/session.js"
import type { KioskProgress } from "../../kiosk/progress.js"
import { LogModelTokenServer, recordsHandedOut, sectorsOf, type LogRow, type LogSector } from "../../testkit/log-digest-token.js"
import { LOG_MAX_RECORDS } from "../../testkit/log-flash-image.js"
import { seedFrom, seededRandom, type SeededRandom } from "../../testkit/seeded-random.js"
import { DigestLayout, digestEntriesWithin } from "../../lib/token-sync/log-digest.js"
import { DIR_TOKEN_TO_HOST, fragment, payloadInOneValue, sealData } from "../../lib/ble-link/protocol.js"
import { MAX_LINK_MTU } from "../../sim/hardware/radio-server.js"

console.debug = () => {} // jacdac-ts narrates its bus
const SEED = seedFrom("TWO_PHASE_SEED")
const SCAN_PERIOD = 240
const DAY_MINUTES = 1440
const riskConfig = loadRiskConfig()
/** The log's last minute: a fixed time, so a seed replays the same log. */
const NOW_MINUTE = 20_000 * DAY_MINUTES + 15 * 60
const KEY_COUNT = 8_000

const ENGINES: [string, FastMatchOptions][] = [
    ["native", { scanPeriodSeconds: SCAN_PERIOD, threads: 2 }],
    ["javascript", { scanPeriodSeconds: SCAN_PERIOD, engine: "javascript" }],
]

function stranger(rnd: SeededRandom, minute: number): EncounterRecord {
    const rssiMean = -60 - rnd.int(0, 30)
    return {
        rpi: rnd.bytes(16),
        aem: rnd.bytes(4),
        firstSeen: minute,
        lastSeen: minute + rnd.int(0, 9),
        scans: rnd.int(1, 4),
        rssiMax: rssiMean + 3,
        rssiMean,
        rssiMin: rssiMean - 4,
    }
}

/** The records a token logs near `key`'s owner from `minute` for `minutes`, heard `shift` minutes off. */
function contact(key: TemporaryExposureKey, minute: number, minutes: number, rssi: number, shift = 0, txPower = -8): EncounterRecord[] {
    const daily = deriveDailyKeys(key.keyData)
    const out = new Map<number, EncounterRecord>()
    for (let m = minute; m < minute + minutes; m += SCAN_PERIOD / 60) {
        const enin = Math.floor(m / 10)
        let r = out.get(enin)
        if (!r) {
            const { rpi, aem } = identifiersFor(daily, enin, txPower)
            out.set(enin, (r = { rpi, aem, firstSeen: m + shift, lastSeen: m + shift, scans: 0, rssiMax: rssi, rssiMean: rssi, rssiMin: rssi }))
        }
        r.lastSeen = m + shift
        r.scans++
    }
    return [...out.values()]
}

interface World {
    keys: TemporaryExposureKey[]
    log: LogSector[]
    /** The contacts planted, for the reader of a failure. */
    planted: number
}

/**
 * A seeded log of `size` rows over the 14 days before NOW_MINUTE with planted contacts: genuine ones
 * of several days and strengths, ones heard nearly 2 hours before or after their interval (still
 * accepted), replays 5 hours later (rejected), a forged TX power (rejected), an RPI logged twice;
 * and `damage`: records older than 14 days at the start, torn and destroyed rows, a ring that
 * wrapped (sequence numbers from 1000).
 */
function world(rnd: SeededRandom, size: number, damage: boolean): World {
    const keys: TemporaryExposureKey[] = Array.from({ length: KEY_COUNT }, (_, k) => ({
        keyData: Buffer.from(rnd.bytes(16)),
        rollingStartIntervalNumber: (Math.floor(NOW_MINUTE / DAY_MINUTES) - (k % 15)) * 144,
        rollingPeriod: 144,
    }))
    const positive = (daysAgo: number) => {
        const key = generateTemporaryExposureKey((Math.floor(NOW_MINUTE / DAY_MINUTES) - daysAgo) * 144)
        keys.splice(rnd.int(0, keys.length), 0, key)
        return key
    }
    const dayStart = (daysAgo: number) => (Math.floor(NOW_MINUTE / DAY_MINUTES) - daysAgo) * DAY_MINUTES
    const contacts: EncounterRecord[] = []
    for (const [daysAgo, hour, minutes, rssi] of [
        [1, 10, 30, -60],
        [3, 14, 20, -75],
        [3, 18, 60, -55],
        [6, 9, 15, -85],
        [13, 12, 40, -58],
    ])
        contacts.push(...contact(positive(daysAgo), dayStart(daysAgo) + hour * 60, minutes, rssi))
    const edges = positive(2)
    contacts.push(...contact(edges, dayStart(2) + 8 * 60, 10, -60, 115), ...contact(edges, dayStart(2) + 16 * 60, 10, -60, -115))
    contacts.push(...contact(positive(4), dayStart(4) + 7 * 60, 20, -60, 300)) // replayed
    contacts.push(...contact(positive(5), dayStart(5) + 11 * 60, 20, -60, 0, 40)) // TX power +40 dBm: forged
    const twice = contact(positive(7), dayStart(7) + 13 * 60, 10, -62)
    contacts.push(...twice, { ...twice[0], scans: twice[0].scans + 1, firstSeen: twice[0].firstSeen + 1 })
    const oldest = NOW_MINUTE - 14 * DAY_MINUTES + 5
    if (damage) {
        const expired = positive(15)
        contacts.push(...contact(expired, NOW_MINUTE - 14 * DAY_MINUTES - 60, 20, -60))
    }
    const rows: (EncounterRecord | LogRow)[] = [...contacts]
    const startMinute = damage ? oldest - 300 : oldest
    while (rows.length < size) rows.push(stranger(rnd, rnd.int(startMinute, NOW_MINUTE - 10)))
    rows.sort((a, b) => (a as EncounterRecord).firstSeen - (b as EncounterRecord).firstSeen)
    if (damage) for (let i = 0; i < 200; i++) rows.splice(rnd.int(0, rows.length), 0, rnd.pick(["torn", "destroyed"] as const))
    return { keys, log: sectorsOf(rows.slice(0, Math.max(size, rows.length)), damage ? 1000 : 0), planted: contacts.length }
}

/** A match as comparable data: key, interval, record (by content), and what was computed from them. */
const summary = (matches: ExposureMatch[]) =>
    matches.map(m => [
        Buffer.from(m.key.keyData).toString("hex"),
        m.intervalNumber,
        Buffer.from(m.record.rpi).toString("hex"),
        m.record.firstSeen,
        m.record.scans,
        m.txPower,
        m.attenuationDb,
        m.minAttenuationDb,
        m.seconds,
        m.dayMs,
    ])

/** The counts both checks share; the sightings that a whole-log check rejects as replays are not
 *  candidates (candidates.ts), so only the sightings that passed that rule are compared. */
function shared(s: MatchStats) {
    const { sightings, rejectedAsReplay, ...rest } = s
    return { ...rest, sightingsInWindow: sightings - rejectedAsReplay }
}

async function digestOf(server: LogModelTokenServer): Promise<{ client: TokenSyncClient; digest: DigestEntry[] }> {
    const client = await TokenSyncClient.find(server.bus, 10_000)
    return { client, digest: await client.readLogDigest() }
}

describe.each([
    ["a full log (32,131 records)", LOG_MAX_RECORDS, false],
    ["a log with expired, torn and destroyed rows in a wrapped ring", 6_000, true],
] as const)("two-phase check of %s", (_name, size, damage) => {
    let w: World
    let server: LogModelTokenServer
    let client: TokenSyncClient
    let digest: DigestEntry[]
    let whole: EncounterRecord[]
    beforeAll(async () => {
        console.log(`two-phase check: seed ${SEED} (TWO_PHASE_SEED=${SEED} replays it)`)
        w = world(seededRandom(SEED), size, damage)
        server = new LogModelTokenServer(w.log, NOW_MINUTE)
        ;({ client, digest } = await digestOf(server))
        whole = recordsHandedOut(w.log, NOW_MINUTE)
    }, 120_000)

    test("the digest names every record handed out, once, in log order", () => {
        expect(digest.length).toBe(whole.length)
        expect(digest.map(e => Buffer.from(e.prefix).toString("hex"))).toEqual(whole.map(r => Buffer.from(r.rpi.subarray(0, 4)).toString("hex")))
    })

    test.each(ENGINES)(
        "%s engine: the same matches, sightings and day scores as the check of the whole log",
        async (_engine, o) => {
            const old = await matchDiagnosisKeysFast(w.keys, whole, o)
            expect(old.stats.matches).toBeGreaterThanOrEqual(10) // the planted contacts are found at all
            expect(old.stats.rejectedAsReplay).toBeGreaterThan(0)
            expect(old.stats.rejectedTxPower).toBeGreaterThan(0)
            expect(old.stats.duplicateRpis).toBeGreaterThan(0)

            const scan = await findCandidates(w.keys, digest, o)
            const before = server.answered.readLog
            const records = await client.readCandidateRecords(scan.candidates.map(c => digest[c]))
            expect(server.answered.readLog - before).toBe(scan.candidates.length) // one read_log per candidate
            const now = await matchCandidates(w.keys, scan, records, o)

            expect(now.stats.engine).toBe(old.stats.engine)
            expect(summary(now.matches)).toEqual(summary(old.matches))
            expect(dailyRisk(now.matches, riskConfig)).toEqual(dailyRisk(old.matches, riskConfig))
            expect(shared(now.stats)).toEqual(shared(old.stats))
            const matched = new Set(old.matches.map(m => m.record))
            const falseCandidates = records.filter(r => !whole.some(x => matched.has(x) && Buffer.from(x.rpi).equals(Buffer.from(r.rpi)))).length
            console.log(
                `${_engine}: ${whole.length} records, ${w.keys.length} keys, ${w.planted} planted contact records: ${scan.candidates.length} candidates, ${old.stats.matches} matches, ${falseCandidates} candidates that matched nothing`
            )
            expect(falseCandidates).toBeLessThanOrEqual(w.planted + whole.length * 0.005)
        },
        120_000
    )
})

/** A TokenSession around a client of the model token: what twoPhaseLogRead needs of one. */
function sessionOf(client: TokenSyncClient, closed: string[]): TokenSession {
    return {
        connection: { client, close: async () => void closed.push("closed") },
        status: { tokenId: "model-token", scanPeriodSeconds: SCAN_PERIOD },
        clockNeedsPress: false,
    } as unknown as TokenSession
}

describe("a pulled cable in either phase", () => {
    test("the read resumes where it stopped: every record once, in both phases (3 random points each)", async () => {
        const rnd = seededRandom(SEED + 1)
        const w = world(rnd, 3_000, true)
        const server = new LogModelTokenServer(w.log, NOW_MINUTE)
        const { client, digest: reference } = await digestOf(server)
        const candidates = reference.filter((_, i) => i % 97 === 0)
        const expected = await client.readCandidateRecords(candidates)
        for (let run = 0; run < 3; run++) {
            const progress: KioskProgress[] = []
            const closed: string[] = []
            const reader = twoPhaseLogRead(sessionOf(client, closed), {
                onProgress: p => progress.push(p),
                retryMs: 50,
                reconnect: async () => {
                    server.plugIn()
                    return sessionOf(client, closed)
                },
            })
            // The cable comes out after a random number of pages (mid-burst too) in each phase.
            server.unplugAfter(rnd.int(1, Math.ceil(reference.length / 30)))
            const sentBefore = { ...server.answered }
            expect(await reader.readDigest()).toEqual(reference)
            // Read again: at most the burst under way when the cable came out (4 pages).
            expect(server.answered.digestEntriesSent - sentBefore.digestEntriesSent).toBeLessThanOrEqual(reference.length + 4 * 43)
            expect(progress.filter(p => p.step === "token-unplugged").length).toBe(1)
            server.unplugAfter(rnd.int(0, candidates.length - 1))
            expect(await reader.readCandidates(candidates)).toEqual(expected)
            // Each candidate read once, and the one under way when the cable came out once more.
            expect(server.answered.readLog - sentBefore.readLog).toBe(candidates.length + 1)
            expect(progress.filter(p => p.step === "token-unplugged").length).toBe(2)
            expect(progress.filter(p => p.step === "token-back").length).toBe(2)
            expect(closed.length).toBe(2)
        }
    }, 240_000)

    test("without a way to reconnect, the interruption carries what was read and where to go on", async () => {
        const w = world(seededRandom(SEED + 2), 2_000, false)
        const server = new LogModelTokenServer(w.log, NOW_MINUTE)
        const { client, digest: reference } = await digestOf(server)
        server.unplugAfter(10)
        const e = await client.readLogDigest().catch(x => x)
        expect(e).toBeInstanceOf(LogDigestInterrupted)
        server.plugIn()
        expect(await client.readLogDigest({ resumeFrom: e })).toEqual(reference)
        const candidates = reference.slice(0, 12)
        server.unplugAfter(5)
        const c = await client.readCandidateRecords(candidates).catch(x => x)
        expect(c).toBeInstanceOf(CandidateReadInterrupted)
        expect(c.done).toBe(5)
        server.plugIn()
        expect(await client.readCandidateRecords(candidates, { resumeFrom: c })).toEqual(await client.readCandidateRecords(candidates))
    }, 120_000)
})

describe("digest pages over Bluetooth", () => {
    test("a Bluetooth host asks for pages that cross the link in one radio value each (38 entries at the radio's MTU)", () => {
        const entries = digestEntriesWithin(payloadInOneValue(MAX_LINK_MTU))
        expect(entries).toBe(38)
        const key = Buffer.alloc(32, 7)
        const sealedPage = (n: number) => sealData(key, DIR_TOKEN_TO_HOST, 1, Buffer.alloc(2 + DigestLayout.PageHeaderBytes + n * DigestLayout.EntryBytes))
        expect(fragment(sealedPage(entries), MAX_LINK_MTU).length).toBe(1)
        expect(fragment(sealedPage(entries + 1), MAX_LINK_MTU).length).toBe(2)
    })
})
