// The main story, end to end, with nothing replaced: three tokens running the real firmware
// in one simulated world (A and B 1 m apart for 20 minutes, C 10 m from both), the real notification
// server, and the kiosk core.
//   A's owner tests positive: at the kiosk A's keys are exported with the button press and uploaded
//   with a processing number (PUT /v3/diagnosis) → the server publishes signed export files → B's
//   owner checks at the kiosk (list.json + zips, signatures verified with the server's key, B's log
//   read, matched, COCOA's risk) → a probable contact on 2026-04-01 (UTC). C's check: no contact
//   (C heard A, but from 10 m). A's own check: its own keys match nothing in its log.
//
// Time: the server runs on the world's simulated clock (its `clock` is injectable), so it judges key
// ages, the infectious window and which keys may be published by the same "now" as the tokens. The
// kiosk's export cuts today's key at the current 10-minute interval (rolling period up to and
// including it), and the server publishes a key only once its last interval has ended. So right after
// the upload a publishing run releases nothing; the simulation then runs on past the end of the key's
// last interval (at most 10 simulated minutes) and the next run publishes it. No clock is bent.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { parseScenario } from "../../sim/scenarios/scenario.js"
import { World } from "../../sim/world/world.js"
import type { WorldSummary } from "../../sim/world/world-outputs.js"
import type { TestServer } from "../server/helpers.js"
import {
    checkTokenExposure,
    exportKeysForRegistration,
    parseRegistrationDetails,
    sendUpload,
    type CheckResult,
    type PreparedUpload,
} from "../../kiosk/index.js"
import { checkOptions, openSession, startServerOn } from "./helpers.js"
import { Cleanup } from "../helpers/cleanup.js"
import { buttonOf, pressingWhenAsked } from "../helpers/owner.js"
import { DEFAULT_EXPORT_PADDING } from "../../server/protocol.js"

const START = "2026-04-01T01:00:00Z"
const CONTACT_DATE = "2026-04-01"
const INTERVAL_MS = 600_000

const scenario = parseScenario(
    JSON.stringify({
        name: "exposure story",
        description: "A and B sit 1 m apart for 20 minutes; C sits 10 m from both",
        start: START,
        duration: "20m",
        seed: 5,
        tokens: [
            { id: "a", path: [{ at: 0, x: 0, y: 0 }] },
            { id: "b", path: [{ at: 0, x: 1, y: 0 }] },
            { id: "c", path: [{ at: 0, x: 0.5, y: 10 }] }, // 10.01 m from a and from b
        ],
    }),
    "test/e2e/exposure-story"
)

describe("exposure story: A registers, B is told of a probable contact, C is not", () => {
    const cleanup = new Cleanup()
    let world: World
    let summary: WorldSummary
    let server: TestServer
    let kioskData: string
    let upload: PreparedUpload

    /** A token's owner checks at the (one) kiosk. */
    async function checkAtKiosk(id: string): Promise<CheckResult> {
        const token = world.token(id)
        const session = await openSession(token.hubPort, world.clock)
        try {
            // One press opens the session; the log is read after it.
            return await pressingWhenAsked(world.clock, buttonOf(token.vm!, world.clock), onProgress =>
                checkTokenExposure(session, { ...checkOptions(server, kioskData), onProgress })
            )
        } finally {
            await session.close()
        }
    }

    beforeAll(async () => {
        world = cleanup.add(await World.start({ scenario, outDir: cleanup.tempDir("gaen-e2e-story-") }), w => w.stop())
        server = await startServerOn(() => world.clock.now(), cleanup)
        kioskData = cleanup.tempDir("gaen-e2e-kiosk-")
        // Twenty minutes together; the world ends by reading every token's status and log.
        summary = await world.run()
    }, 120_000)
    afterAll(() => cleanup.run())

    test("the world: every token on air; B heard A near, C heard A only from afar", () => {
        for (const t of summary.tokens) expect(t.state, t.id).toBe("active")
        const heard = (by: string, from: string) => summary.tokens.find(t => t.id === by)!.heardFrom[from]
        expect(heard("b", "a")!.smallestAttenuation).toBeLessThanOrEqual(60)
        expect(heard("c", "a")!.smallestAttenuation).toBeGreaterThan(60)
    })

    test("A's owner registers at the kiosk: button pressed, keys uploaded with the processing number", async () => {
        const a = world.token("a")
        const [processingNumber] = await server.numbers()
        const session = await openSession(a.hubPort, world.clock)
        try {
            const details = parseRegistrationDetails({ processingNumber, symptoms: "no", onset: CONTACT_DATE, region: "440" }, world.clock.now())
            upload = await pressingWhenAsked(
                world.clock,
                () => world.pressButton("a"),
                onProgress => exportKeysForRegistration(session, details, { onProgress, now: () => world.clock.now() })
            )
        } finally {
            await session.close()
        }
        expect(upload.keyCount).toBe(1) // handed out this morning: today's key only
        const result = await sendUpload(upload, { server: server.app.url, apiKey: server.apiKey })
        expect(result).toMatchObject({ accepted: 1, dropped: [], attempts: 1 })
    })

    test("the server publishes A's key only once its last interval has ended", async () => {
        const [key] = JSON.parse(upload.body).keys as { rollingStartNumber: number; rollingPeriod: number }[]
        const keyEndMs = (key.rollingStartNumber + key.rollingPeriod) * INTERVAL_MS
        // Cut at the interval of the export: it ends at the next 10-minute boundary, not at midnight.
        expect(keyEndMs).toBeGreaterThan(world.clock.now())
        expect(keyEndMs - world.clock.now()).toBeLessThanOrEqual(INTERVAL_MS)
        const early = await server.app.publishNow()
        expect(early.keys).toBe(0) // still A's identifier of this interval: not released yet
        // The simulation runs on (all tokens with it) past the key's end.
        world.governor.fast()
        await world.clock.until(keyEndMs + 1000)
        world.governor.calm()
        const run = await server.app.publishNow()
        expect(run.keys).toBe(1)
        expect(run.files).toHaveLength(1)
    })

    test("B's check: a probable contact on the day of the meeting (UTC)", async () => {
        const r = await checkAtKiosk("b")
        expect(r.downloads.downloaded).toBe(1)
        expect(r.downloads.keys).toBeGreaterThanOrEqual(DEFAULT_EXPORT_PADDING.minKeys) // A's key among random padding
        expect(r.matching.matches).toBeGreaterThanOrEqual(2) // A's 20 minutes span at least two RPIs
        expect(r.matching.rejectedAsReplay).toBe(0)
        expect(r.probableContact).toBe(true)
        expect(r.contactDates).toEqual([CONTACT_DATE])
        const day = r.days.find(d => d.date === CONTACT_DATE)!
        expect(day.seconds).toBeGreaterThanOrEqual(900) // COCOA: 15 minutes
        expect(day.scoreSum).toBeGreaterThanOrEqual(1350)
    })

    test("C's check: A's identifiers were heard from 10 m, which is no contact", async () => {
        const r = await checkAtKiosk("c")
        expect(r.downloads.downloaded).toBe(0) // the kiosk's cache, verified again
        expect(r.matching.matches).toBeGreaterThanOrEqual(1) // matched, but weak
        expect(r.probableContact).toBe(false)
        expect(r.contactDates).toEqual([])
        for (const d of r.days) expect(d.scoreSum).toBeLessThan(1350)
    })

    test("A's own check: its own keys match nothing in its log (a token never logs itself)", async () => {
        const r = await checkAtKiosk("a")
        expect(r.log.records).toBeGreaterThanOrEqual(2) // B's and C's identifiers
        expect(r.matching.sightings).toBe(0)
        expect(r.matching.matches).toBe(0)
        expect(r.probableContact).toBe(false)
    })
})
