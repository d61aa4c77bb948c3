// API contract of PUT /v3/diagnosis against a real server on real SQLite: every answer code,
// bad input never stored, chaff and idempotency.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { randomBytes } from "node:crypto"
import { request } from "node:http"
import { startTestServer, failKeyStores, type TestServer } from "./helpers.js"
import { upload, key, dayStart, DAY_MS } from "../../testkit/server.js"
import { addKiosk } from "../../server/kiosks/api-keys.js"
import { MAX_DIAGNOSIS_BODY_BYTES } from "../../server/protocol.js"
import { unzipSync } from "fflate"
import { decodeExport, parseExportList } from "../../lib/keyfile/index.js"

let s: TestServer
// Generous limits here: this suite sends many requests from one kiosk; 429 and the lockout have their own servers below.
beforeAll(async () => {
    s = await startTestServer({ rateLimit: { perMinute: 100_000, burst: 10_000 }, guessLimit: { perKiosk: 1000, global: 1000, windowMinutes: 60 } })
})
afterAll(async () => {
    await s.stop()
})

const count = () => s.app.storage.countKeys().then(c => c.total)

describe("200: stored", () => {
    test("a valid upload stores its keys and says how many", async () => {
        const before = await count()
        const [n] = await s.numbers()
        const res = await s.put("/v3/diagnosis", upload(n))
        expect(res.status).toBe(200)
        expect(res.body).toEqual({ accepted: 5, dropped: [] })
        expect(await count()).toBe(before + 5)
    })

    test("the x-api-key header (COCOA's) authenticates as well as Bearer", async () => {
        const [n] = await s.numbers()
        const res = await fetch(s.app.url + "/v3/diagnosis", {
            method: "PUT",
            headers: { "x-api-key": s.apiKey, "content-type": "application/json" },
            body: JSON.stringify(upload(n)),
        })
        expect(res.status).toBe(200)
    })

    test("keys outside the age limit, in the future or outside the infectious window are dropped with reasons", async () => {
        const now = Date.now()
        const [n] = await s.numbers()
        const body = upload(n, { now, onsetDaysAgo: 4, days: 0 })
        body.keys = [
            key(dayStart(now, 1)), // +3 from onset: kept
            key(dayStart(now, 15)), // older than 14 days
            key(dayStart(now, -2)), // the day after tomorrow (tomorrow's may be minutes away: see the midnight test)
            key(dayStart(now, 8)), // -4 from onset: before the window
        ]
        const before = await count()
        const res = await s.put("/v3/diagnosis", body)
        expect(res.status).toBe(200)
        expect(res.body.accepted).toBe(1)
        expect(res.body.dropped.map((d: any) => d.index)).toEqual([1, 2, 3])
        expect(res.body.dropped[0].reason).toMatch(/older than 14 days/)
        expect(res.body.dropped[1].reason).toMatch(/future/)
        expect(res.body.dropped[2].reason).toMatch(/infectious window/)
        expect(await count()).toBe(before + 1)
    })

    test("a kiosk's clock a few minutes ahead at midnight: the new day's key is kept, and published once that day ends", async () => {
        // Pinned: the server's clock is 23:50 UTC; the kiosk's (and so its token's) already shows the next day.
        const midnight = Date.UTC(2026, 5, 1)
        const at = { ms: midnight - 10 * 60_000 }
        const p = await startTestServer({ clock: () => at.ms })
        try {
            const [n1, n2] = await p.numbers(2)
            const newDayKey = key(midnight / 600_000)
            const body = upload(n1, { now: at.ms, onsetDaysAgo: 1, days: 1 })
            body.keys.push(newDayKey)
            expect((await p.put("/v3/diagnosis", body)).body).toEqual({ accepted: 2, dropped: [] })
            // More than 15 minutes ahead is no clock skew: dropped.
            at.ms = midnight - 20 * 60_000
            const early = upload(n2, { now: at.ms, onsetDaysAgo: 1, days: 1 })
            early.keys.push(key(midnight / 600_000))
            const res = await p.put("/v3/diagnosis", early)
            expect(res.body.accepted).toBe(1)
            expect(res.body.dropped).toEqual([{ index: 1, reason: "starts in the future" }])

            const published = async () => {
                const list = parseExportList(await (await p.get("/c19r/440/list.json")).text())
                const zips = await Promise.all(list.map(async e => unzipSync(new Uint8Array(await (await fetch(e.url)).arrayBuffer()))["export.bin"]))
                return zips.flatMap(bin => decodeExport(bin.subarray(16)).keys.map(k => Buffer.from(k.keyData).toString("base64")))
            }
            expect((await p.app.publishNow()).keys).toBe(2) // the two keys of the day that has ended
            expect(await published()).not.toContain(newDayKey.keyData)
            at.ms = midnight + DAY_MS + 60_000
            expect((await p.app.publishNow()).keys).toBe(1)
            expect(await published()).toContain(newDayKey.keyData)
        } finally {
            await p.stop()
        }
    })

    test("asymptomatic: the window ends 7 days after the test date, symptomatic: 10 after onset", async () => {
        const now = Date.now()
        for (const [hasSymptom, lastDay] of [
            [false, 7],
            [true, 10],
        ] as const) {
            const [n] = await s.numbers()
            const body = upload(n, { now, onsetDaysAgo: 12, hasSymptom, days: 0 })
            // Days since test/onset: +lastDay (kept) and +lastDay+1 (dropped).
            body.keys = [key(dayStart(now, 12 - lastDay)), key(dayStart(now, 12 - lastDay - 1))]
            const res = await s.put("/v3/diagnosis", body)
            expect(res.status).toBe(200)
            expect(res.body.accepted).toBe(1)
            expect(res.body.dropped).toEqual([{ index: 1, reason: expect.stringMatching(`\\+${lastDay + 1} from the`) }])
        }
    })
})

describe("400: malformed, nothing stored, the server keeps serving", () => {
    const cases: [string, (b: any) => unknown, RegExp][] = [
        ["malformed JSON", () => '{"keys": [', /not valid JSON/],
        ["an empty body", () => "", /empty/],
        ["a JSON array", () => [], /expected a JSON object/],
        ["hasSymptom as a string", b => ({ ...b, hasSymptom: "yes" }), /hasSymptom/],
        ["a bad onset date", b => ({ ...b, onsetOfSymptomOrTestDate: "2020-02-30T00:00:00Z" }), /onsetOfSymptomOrTestDate/],
        ["keys not an array", b => ({ ...b, keys: "x" }), /keys: expected an array/],
        ["no keys", b => ({ ...b, keys: [] }), /no keys/],
        ["31 keys", b => ({ ...b, keys: Array.from({ length: 31 }, () => b.keys[0]) }), /at most 30/],
        ["bad base64", b => ({ ...b, keys: [{ ...b.keys[0], keyData: "not base64!!" }] }), /keys\[0\]\.keyData: not valid base64/],
        ["a 15-byte key", b => ({ ...b, keys: [{ ...b.keys[0], keyData: randomBytes(15).toString("base64") }] }), /15 bytes/],
        ["a 17-byte key", b => ({ ...b, keys: [{ ...b.keys[0], keyData: randomBytes(17).toString("base64") }] }), /17 bytes/],
        ["rollingStartNumber as a string", b => ({ ...b, keys: [{ ...b.keys[0], rollingStartNumber: "2642976" }] }), /rollingStartNumber/],
        ["rollingPeriod 145", b => ({ ...b, keys: [{ ...b.keys[0], rollingPeriod: 145 }] }), /rollingPeriod/],
        ["reportType 5 (revoked)", b => ({ ...b, keys: [{ ...b.keys[0], reportType: 5 }] }), /reportType/],
        ["a duplicated key", b => ({ ...b, keys: [b.keys[0], b.keys[0]] }), /duplicates keys\[0\]/],
        ["regions missing", b => ({ ...b, regions: undefined }), /regions/],
        ["a region that is not a code", b => ({ ...b, regions: [440] }), /regions\[0\]/],
        ["no idempotency_key", b => ({ ...b, idempotency_key: undefined }), /idempotency_key/],
        ["verificationPayload as a number", b => ({ ...b, verificationPayload: 12345678 }), /verificationPayload/],
        ["padding as a number", b => ({ ...b, padding: 1 }), /padding/],
        ["onset in the future", b => ({ ...b, onsetOfSymptomOrTestDate: new Date(Date.now() + 3 * DAY_MS).toISOString() }), /future/],
        ["only ineligible keys", b => ({ ...b, keys: [key(dayStart(Date.now(), 20))] }), /no key is eligible.*older than 14 days/],
    ]
    test.each(cases)("%s", async (_name, mutate, reason) => {
        const [n] = await s.numbers()
        const before = await count()
        const res = await s.put("/v3/diagnosis", mutate(upload(n)))
        expect(res.status).toBe(400)
        expect(res.body.error).toMatch(/invalid_request|malformed_json|no_eligible_keys/)
        expect(res.body.message).toMatch(reason)
        expect(await count()).toBe(before)
        // The number was not spent on a bad request: a valid upload with it still works.
        expect((await s.put("/v3/diagnosis", upload(n))).status).toBe(200)
    })
})

describe("401: kiosk authentication", () => {
    test("no key, an unknown key and a revoked key are refused and store nothing", async () => {
        const [n] = await s.numbers()
        const before = await count()
        const noKey = await fetch(s.app.url + "/v3/diagnosis", { method: "PUT", body: JSON.stringify(upload(n)) })
        expect(noKey.status).toBe(401)
        expect(await noKey.json()).toMatchObject({ error: "unauthorized", message: expect.stringMatching(/missing API key/) })
        expect((await s.put("/v3/diagnosis", upload(n), { authorization: "Bearer gk_wrong" })).body.error).toBe("unauthorized")

        const { apiKey } = await addKiosk(s.app.storage, "to-revoke", Date.now())
        await s.app.storage.revokeKiosk("to-revoke", Date.now())
        const revoked = await s.put("/v3/diagnosis", upload(n), { authorization: `Bearer ${apiKey}` })
        expect(revoked.status).toBe(401)
        expect(revoked.body.message).toMatch(/revoked/)
        expect(await count()).toBe(before)
    })
})

describe("403: region not served", () => {
    test("an upload for a region this server does not serve", async () => {
        const [n] = await s.numbers()
        const before = await count()
        const res = await s.put("/v3/diagnosis", { ...upload(n), regions: ["310"] })
        expect(res.status).toBe(403)
        expect(res.body).toEqual({ error: "region_not_served", message: expect.stringMatching(/310/) })
        expect(await count()).toBe(before)
    })
})

describe("406: processing number", () => {
    test("unknown, already used and expired numbers get one and the same answer; malformed ones say why", async () => {
        const before = await count()
        const unknown = await s.put("/v3/diagnosis", upload("00000000"))
        expect(unknown.status).toBe(406)

        const [used] = await s.numbers()
        expect((await s.put("/v3/diagnosis", upload(used))).status).toBe(200)
        const again = await s.put("/v3/diagnosis", upload(used))

        const [expiring] = await s.numbers()
        s.clockOffset.ms = 73 * 3_600_000 // numbers are valid for 72 hours
        let expired
        try {
            expired = await s.put("/v3/diagnosis", upload(expiring, { now: Date.now() + s.clockOffset.ms }))
        } finally {
            s.clockOffset.ms = 0
        }
        // A guesser must not learn whether a number exists, was used or expired.
        for (const answer of [again, expired]) {
            expect(answer.status).toBe(406)
            expect(answer.body).toEqual(unknown.body)
        }
        expect(unknown.body).toEqual({ error: "processing_number_rejected", message: expect.stringMatching(/not valid/) })

        const malformed = await s.put("/v3/diagnosis", upload("1234567"))
        expect(malformed.status).toBe(406)
        expect(malformed.body.message).toMatch(/8 digits/)
        expect(await count()).toBe(before + 5)
    })

    test("a store that fails after the number was verified leaves it unspent: the kiosk's retry succeeds", async () => {
        const [n] = await s.numbers()
        const body = upload(n)
        const before = await count()
        // A real failure inside the storing transaction (as a full disk would cause), from a second connection.
        const endFault = await failKeyStores(s)
        try {
            const failed = await s.put("/v3/diagnosis", body)
            expect(failed.status).toBe(500)
            expect(failed.body.message).toMatch(/nothing was stored/)
        } finally {
            await endFault()
        }
        expect(await count()).toBe(before)
        const retry = await s.put("/v3/diagnosis", body)
        expect(retry.status).toBe(200)
        expect(retry.body).toEqual({ accepted: 5, dropped: [] })
        expect(await count()).toBe(before + 5)
    })

    test("two uploads racing with one number: one is stored, the other refused, the keys stored once", async () => {
        const [n] = await s.numbers()
        const before = await count()
        const answers = await Promise.all([s.put("/v3/diagnosis", upload(n)), s.put("/v3/diagnosis", upload(n))])
        expect(answers.map(a => a.status).sort()).toEqual([200, 406])
        expect(await count()).toBe(before + 5)
    })
})

describe("guessing processing numbers", () => {
    test("a kiosk sending wrong numbers is locked out of number checks; other kiosks are not", async () => {
        const g = await startTestServer({ guessLimit: { perKiosk: 3, global: 100, windowMinutes: 60 } })
        try {
            const [valid] = await g.numbers()
            for (let i = 0; i < 3; i++) expect((await g.put("/v3/diagnosis", upload(String(10_000_000 + i)))).status).toBe(406)
            const locked = await g.put("/v3/diagnosis", upload(valid))
            expect(locked.status).toBe(429)
            expect(locked.body.error).toBe("kiosk_locked")
            expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(3000)
            const other = await addKiosk(g.app.storage, "other", Date.now())
            expect((await g.put("/v3/diagnosis", upload(valid), { authorization: `Bearer ${other.apiKey}` })).status).toBe(200)
            // After the window the locked kiosk may try again.
            g.clockOffset.ms = 61 * 60_000
            const [later] = await g.numbers()
            expect((await g.put("/v3/diagnosis", upload(later, { now: Date.now() + g.clockOffset.ms }))).status).toBe(200)
        } finally {
            await g.stop()
        }
    })

    test("wrong numbers from many kiosks together use up a global budget: checks pause for everyone", async () => {
        const g = await startTestServer({ guessLimit: { perKiosk: 2, global: 4, windowMinutes: 60 } })
        try {
            const [valid] = await g.numbers()
            const thieves = [g.apiKey, (await addKiosk(g.app.storage, "b", Date.now())).apiKey]
            for (const apiKey of thieves) {
                for (let i = 0; i < 2; i++) {
                    expect((await g.put("/v3/diagnosis", upload(String(20_000_000 + i)), { authorization: `Bearer ${apiKey}` })).status).toBe(406)
                }
            }
            const honest = await addKiosk(g.app.storage, "honest", Date.now())
            const paused = await g.put("/v3/diagnosis", upload(valid), { authorization: `Bearer ${honest.apiKey}` })
            expect(paused.status).toBe(503)
            expect(paused.body.error).toBe("verification_paused")
            expect(await g.app.storage.countKeys()).toEqual({ total: 0, unpublished: 0 })
        } finally {
            await g.stop()
        }
    })
})

describe("413: size limit", () => {
    test("an oversized body is refused before it is read, and the server keeps serving", async () => {
        const [n] = await s.numbers()
        const before = await count()
        const res = await s.put("/v3/diagnosis", { ...upload(n), padding: "A".repeat(MAX_DIAGNOSIS_BODY_BYTES) })
        expect(res.status).toBe(413)
        expect(res.body.error).toBe("body_too_large")
        expect(await count()).toBe(before)
        expect((await s.put("/v3/diagnosis", upload(n))).status).toBe(200)
    })

    test("a chunked body without Content-Length is cut off at the limit", async () => {
        const status = await new Promise<number>((resolve, reject) => {
            const req = request(s.app.url + "/v3/diagnosis", { method: "PUT", headers: { authorization: `Bearer ${s.apiKey}` } }, res => {
                res.resume()
                resolve(res.statusCode!)
            })
            req.on("error", reject)
            const chunk = "x".repeat(4096)
            for (let i = 0; i < 8; i++) req.write(chunk)
            req.end()
        })
        expect(status).toBe(413)
    })
})

describe("429: per-kiosk rate limit", () => {
    test("a kiosk over its limit is refused with Retry-After; another kiosk is not affected", async () => {
        const limited = await startTestServer({ rateLimit: { perMinute: 1, burst: 2 } })
        try {
            const [a, b, c] = await limited.numbers(3)
            expect((await limited.put("/v3/diagnosis", upload(a))).status).toBe(200)
            expect((await limited.put("/v3/diagnosis", upload(b))).status).toBe(200)
            const third = await limited.put("/v3/diagnosis", upload(c))
            expect(third.status).toBe(429)
            expect(third.body.error).toBe("rate_limited")
            expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0)
            const other = await addKiosk(limited.app.storage, "other", Date.now())
            expect((await limited.put("/v3/diagnosis", upload(c), { authorization: `Bearer ${other.apiKey}` })).status).toBe(200)
        } finally {
            await limited.stop()
        }
    })
})

describe("X-Chaff", () => {
    test("answered like a real upload, stored nowhere, the number not spent", async () => {
        const [n] = await s.numbers()
        const before = await count()
        const chaff = await s.put("/v3/diagnosis", upload(n), { "x-chaff": "1" })
        expect(chaff.status).toBe(200)
        expect(chaff.body).toEqual({ accepted: 5, dropped: [] })
        expect(await count()).toBe(before)
        expect((await s.put("/v3/diagnosis", upload(n))).status).toBe(200)
    })
})

describe("idempotency_key", () => {
    test("a retried upload is stored once and answered the same", async () => {
        const [n] = await s.numbers()
        const body = upload(n)
        const before = await count()
        const first = await s.put("/v3/diagnosis", body)
        const retry = await s.put("/v3/diagnosis", body)
        expect(first.status).toBe(200)
        expect(retry.status).toBe(200)
        expect(retry.body).toEqual(first.body)
        expect(await count()).toBe(before + 5)
    })

    test("concurrent retries spend the processing number once", async () => {
        const [n] = await s.numbers()
        const body = upload(n)
        const before = await count()
        const answers = await Promise.all(Array.from({ length: 5 }, () => s.put("/v3/diagnosis", body)))
        expect(answers.map(a => a.status)).toEqual([200, 200, 200, 200, 200])
        for (const a of answers) expect(a.body).toEqual({ accepted: 5, dropped: [] })
        expect(await count()).toBe(before + 5) // stored once
        // Spent: another upload (a new idempotency key) with the same number is refused.
        const other = await s.put("/v3/diagnosis", upload(n))
        expect(other.status).toBe(406)
        expect(other.body.error).toBe("processing_number_rejected")
        expect(await count()).toBe(before + 5)
    })
})

describe("routing", () => {
    test("unknown paths are 404 and wrong methods 405, with JSON reasons", async () => {
        const notFound = await s.get("/v2/diagnosis")
        expect(notFound.status).toBe(404)
        expect((await notFound.json()).error).toBe("not_found")
        const wrongMethod = await s.get("/v3/diagnosis")
        expect(wrongMethod.status).toBe(405)
        expect(wrongMethod.headers.get("allow")).toBe("PUT")
    })
})
