// PUT /v1/event_log: the shutdown survey is answered 201 and stored with nothing that identifies
// the kiosk visit; items without consent are dropped; bad input is a 400 that stores nothing.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { randomUUID } from "node:crypto"
import Database from "better-sqlite3"
import { startTestServer, type TestServer } from "./helpers.js"
import { root } from "../../testkit/repo.js"
import { DAY_MS } from "../../testkit/server.js"
import { DATABASE_FILE } from "../../server/storage/sqlite.js"

let s: TestServer
beforeAll(async () => {
    s = await startTestServer()
})
afterAll(async () => {
    await s.stop()
})

function example() {
    const e = JSON.parse(readFileSync(join(root, "data/event_log_survey_request.example.json"), "utf8"))
    delete e._comment
    return { ...e, idempotencyKey: randomUUID() }
}
const stored = () => s.app.storage.listSurveyAnswers()

describe("PUT /v1/event_log", () => {
    test("COCOA's example is answered 201 and stored as consented answers with only the day", async () => {
        const before = (await stored()).length
        const res = await s.put("/v1/event_log", example())
        expect(res.status).toBe(201)
        expect(res.body).toEqual({ stored: 1 })
        const rows = await stored()
        expect(rows).toHaveLength(before + 1)
        const row = rows.at(-1)!
        expect(row.day).toBe(Math.floor(Date.now() / DAY_MS))
        expect(JSON.parse(row.answers)).toEqual({
            ageBracket: 5,
            commuting: 3,
            startDate: "2020-06-19",
            dailyExposure: [
                { date: "2022-04-07", detected: false },
                { date: "2022-08-09", detected: true },
            ],
        })
    })

    test("nothing in the database identifies the kiosk, the time of the visit, or the request", async () => {
        const body = example()
        await s.put("/v1/event_log", body)
        // A second, read-only connection to the server's database sees every committed row.
        const db = new Database(join(s.dataDir, DATABASE_FILE), { readonly: true })
        try {
            const columns = (db.prepare("PRAGMA table_info(survey_answers)").all() as { name: string }[]).map(c => c.name)
            expect(columns.sort()).toEqual(["answers", "day", "id"])
            const dump = JSON.stringify(db.prepare("SELECT * FROM survey_answers").all())
            expect(dump).not.toContain(body.idempotencyKey)
            expect(dump).not.toContain(String(body.eventLogs[0].epoch))
            expect(dump).not.toContain(s.apiKey)
            expect(dump).not.toMatch(/android|covid19radar|SafetyNet/i)
        } finally {
            db.close()
        }
    })

    test("items without consent are dropped: null start date and exposure data, −1 answers, hasConsent false", async () => {
        const body = example()
        body.eventLogs = [
            { ...body.eventLogs[0], content: { q1: -1, q2: 2, start_date: null, exposure_data: null } },
            { ...body.eventLogs[0], hasConsent: false },
        ]
        const before = (await stored()).length
        const res = await s.put("/v1/event_log", body)
        expect(res.status).toBe(201)
        expect(res.body).toEqual({ stored: 1 })
        const rows = await stored()
        expect(rows).toHaveLength(before + 1)
        expect(rows.map(r => JSON.parse(r.answers))).toContainEqual({ ageBracket: -1, commuting: 2, startDate: null, dailyExposure: null })
    })

    test("a retried survey (same idempotencyKey) is stored once", async () => {
        const body = example()
        const before = (await stored()).length
        expect((await s.put("/v1/event_log", body)).status).toBe(201)
        expect((await s.put("/v1/event_log", body)).body).toEqual({ stored: 1 })
        expect(await stored()).toHaveLength(before + 1)
    })

    test.each([
        ["malformed JSON", () => "{", /not valid JSON/],
        ["eventLogs missing", (b: any) => ({ ...b, eventLogs: undefined }), /eventLogs/],
        ["an age bracket of 10", (b: any) => ({ ...b, eventLogs: [{ ...b.eventLogs[0], content: { ...b.eventLogs[0].content, q1: 10 } }] }), /q1/],
        ["commuting as a string", (b: any) => ({ ...b, eventLogs: [{ ...b.eventLogs[0], content: { ...b.eventLogs[0].content, q2: "3" } }] }), /q2/],
        ["hasConsent missing", (b: any) => ({ ...b, eventLogs: [{ ...b.eventLogs[0], hasConsent: undefined }] }), /hasConsent/],
        ["an unknown event type", (b: any) => ({ ...b, eventLogs: [{ ...b.eventLogs[0], type: "location" }] }), /type/],
        [
            "ExposureDetected 2",
            (b: any) => ({
                ...b,
                eventLogs: [
                    {
                        ...b.eventLogs[0],
                        content: {
                            ...b.eventLogs[0].content,
                            exposure_data: { daily_summaries: [{ DateMillisSinceEpoch: 1660003200000, ExposureDetected: 2 }] },
                        },
                    },
                ],
            }),
            /ExposureDetected/,
        ],
        [
            "a start date in the future",
            (b: any) => ({
                ...b,
                eventLogs: [{ ...b.eventLogs[0], content: { ...b.eventLogs[0].content, start_date: Math.floor(Date.now() / 1000) + 10 * 86_400 } }],
            }),
            /start_date/,
        ],
    ])("%s: 400, nothing stored", async (_name, mutate, reason) => {
        const before = (await stored()).length
        const res = await s.put("/v1/event_log", mutate(example()))
        expect(res.status).toBe(400)
        expect(res.body.message).toMatch(reason)
        expect(await stored()).toHaveLength(before)
    })

    test("needs a kiosk API key (401) and refuses oversized bodies (413)", async () => {
        const res = await fetch(s.app.url + "/v1/event_log", { method: "PUT", body: JSON.stringify(example()) })
        expect(res.status).toBe(401)
        const big = example()
        big.eventLogs[0].content.exposure_data.daily_summaries = Array.from({ length: 2000 }, (_, i) => ({
            DateMillisSinceEpoch: 1649289600000 + i * DAY_MS,
            ExposureDetected: 0,
        }))
        big.padding = "x".repeat(60_000)
        expect((await s.put("/v1/event_log", big)).status).toBe(413)
    })
})
