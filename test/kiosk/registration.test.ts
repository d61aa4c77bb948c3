// Registration against the real server: valid and wrong processing numbers, retries that reuse the
// prepared upload (same body, same idempotency key), and a server that is down.
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { startTestServer, type TestServer } from "../server/helpers.js"
import { parseRegistrationDetails, prepareUpload, sendUpload, KioskError, type RetryPolicy } from "../../kiosk/index.js"
import { keyOfDay, DAY_MS } from "../../testkit/encounter-records.js"
import { startProxy } from "./fixtures.js"
import { FieldError } from "../../kiosk/fields.js"
import { downServerUrl } from "../helpers/net.js"
import { DEFAULT_HERSYS_RESULTS } from "../../server/verification/hersys.js"

let server: TestServer
beforeAll(async () => {
    server = await startTestServer()
})
afterAll(async () => {
    await server.stop()
})

const now = Date.now()
const fast: RetryPolicy = { retries: 3, baseDelayMs: 20, maxDelayMs: 50 }
const today = new Date(now).toISOString().slice(0, 10)
const keys = () => [keyOfDay(now, 1), keyOfDay(now, 2)].map(k => ({ ...k, keyData: new Uint8Array(k.keyData) }))
const details = (processingNumber: string) => parseRegistrationDetails({ processingNumber, onset: today, symptoms: "no", region: "440" }, now + DAY_MS)

describe("registration", () => {
    test("the number's form is checked before anything else; each error names its field, not a command-line flag", () => {
        for (const bad of ["1234567", "123456789", "abcdefgh", "1234 5678", ""]) {
            const e = (() => {
                try {
                    parseRegistrationDetails({ processingNumber: bad, region: "440" }, now)
                } catch (e) {
                    return e
                }
            })()
            expect(e).toBeInstanceOf(FieldError)
            expect(e).toMatchObject({ code: "invalid-field", field: "processingNumber" })
            expect((e as KioskError).message).toMatch(/^processingNumber .*(missing|exactly 8 digits)/)
        }
        expect(parseRegistrationDetails({ processingNumber: "１２３４５６７８", region: "440" }, now).processingNumber).toBe("12345678")
        const fieldOf = (input: Parameters<typeof parseRegistrationDetails>[0]) => {
            try {
                parseRegistrationDetails(input, now)
            } catch (e) {
                return { field: (e as FieldError).field, message: (e as Error).message }
            }
        }
        expect(fieldOf({ processingNumber: "12345678", symptoms: "yes", region: "440" })).toEqual({
            field: "onset",
            message: expect.stringMatching(/^onset is missing: with symptoms yes/),
        })
        expect(fieldOf({ processingNumber: "12345678", onset: "2026-02-30", region: "440" })).toEqual({
            field: "onset",
            message: "onset 2026-02-30: expected a date as YYYY-MM-DD",
        })
        expect(fieldOf({ processingNumber: "12345678", onset: "2999-01-01", region: "440" })).toEqual({
            field: "onset",
            message: expect.stringMatching(/^onset 2999-01-01: the date is in the future/),
        })
        expect(fieldOf({ processingNumber: "12345678", symptoms: "maybe", region: "440" })).toEqual({
            field: "symptoms",
            message: "symptoms maybe: expected yes or no",
        })
        for (const input of [{ processingNumber: "12" }, { processingNumber: "12345678", symptoms: "yes" }, { processingNumber: "12345678", onset: "x" }])
            expect(fieldOf({ ...input, region: "440" })?.message).not.toMatch(/--/)
    })

    test("a valid processing number registers the keys; a repeat of the same upload stores nothing twice", async () => {
        const [number] = await server.numbers()
        const prepared = prepareUpload(keys(), details(number), now)
        const body = JSON.parse(prepared.body)
        expect(body).toMatchObject({ hasSymptom: false, regions: ["440"], verificationPayload: number, idempotency_key: prepared.idempotencyKey })
        expect(body.onsetOfSymptomOrTestDate).toMatch(new RegExp(`^${today}T00:00:00\\.000[+-]\\d{2}:\\d{2}$`))
        expect(Buffer.from(body.padding, "base64").length).toBeGreaterThanOrEqual(768)
        const before = (await server.app.storage.countKeys()).total
        const first = await sendUpload(prepared, { server: server.app.url, apiKey: server.apiKey })
        expect(first).toMatchObject({ accepted: 2, attempts: 1 })
        const again = await sendUpload(prepared, { server: server.app.url, apiKey: server.apiKey })
        expect(again.accepted).toBe(2)
        expect((await server.app.storage.countKeys()).total).toBe(before + 2)
    })

    test("a wrong processing number is answered 406: wrong or expired", async () => {
        const prepared = prepareUpload(keys(), details("00000000"), now)
        const err = await sendUpload(prepared, { server: server.app.url, apiKey: server.apiKey }, { retry: fast }).catch(e => e)
        expect(err).toBeInstanceOf(KioskError)
        expect(err.code).toBe("processing-number-rejected")
        expect(err.message).toMatch(/HTTP 406 processing_number_rejected/)
        expect(err.exitCode).toBe(5)
    })

    test("a wrong API key is refused with its own message", async () => {
        const [number] = await server.numbers()
        const err = await sendUpload(prepareUpload(keys(), details(number), now), { server: server.app.url, apiKey: "not-a-key" }).catch(e => e)
        expect(err.code).toBe("unauthorized")
        expect(err.message).toMatch(/HTTP 401/)
    })

    test("5xx answers are retried with the same body and idempotency key until stored", async () => {
        const proxy = await startProxy(server.app.url, { failFirst: 2, failStatus: 503, failMethod: "PUT" })
        try {
            const [number] = await server.numbers()
            const prepared = prepareUpload(keys(), details(number), now)
            const retries: number[] = []
            const result = await sendUpload(
                prepared,
                { server: proxy.url, apiKey: server.apiKey },
                {
                    retry: fast,
                    onProgress: p => p.step === "retry" && retries.push(p.attempt),
                }
            )
            expect(result).toMatchObject({ accepted: 2, attempts: 3 })
            expect(retries).toEqual([1, 2])
            const puts = proxy.requests.filter(r => r.method === "PUT")
            expect(puts).toHaveLength(3)
            expect(new Set(puts.map(p => p.body)).size).toBe(1)
            expect(new Set(puts.map(p => JSON.parse(p.body).idempotency_key))).toEqual(new Set([prepared.idempotencyKey]))
        } finally {
            await proxy.close()
        }
    })

    test("retries are bounded: persistent 5xx ends in a server error, and the prepared upload still works later", async () => {
        const proxy = await startProxy(server.app.url, { failFirst: 100, failStatus: 500, failMethod: "PUT" })
        try {
            const [number] = await server.numbers()
            const prepared = prepareUpload(keys(), details(number), now)
            const err = await sendUpload(prepared, { server: proxy.url, apiKey: server.apiKey }, { retry: { ...fast, retries: 2 } }).catch(e => e)
            expect(err.code).toBe("server-error")
            expect(proxy.requests.filter(r => r.method === "PUT")).toHaveLength(3)
            // The same prepared upload, sent again once the server is well, is stored.
            expect((await sendUpload(prepared, { server: server.app.url, apiKey: server.apiKey })).accepted).toBe(2)
        } finally {
            await proxy.close()
        }
    })

    test("a server that is down: a clear message, the upload kept, and sent unchanged when it is back", async () => {
        const [number] = await server.numbers()
        const prepared = prepareUpload(keys(), details(number), now)
        const bodyBefore = prepared.body
        const err = await sendUpload(prepared, { server: await downServerUrl(), apiKey: server.apiKey }, { retry: { ...fast, retries: 1 } }).catch(e => e)
        expect(err.code).toBe("server-unreachable")
        expect(err.message).toMatch(/PUT http:\/\/127\.0\.0\.1:\d+\/v3\/diagnosis: no answer \(ECONNREFUSED\)/)
        expect(prepared.body).toBe(bodyBefore)
        const proxy = await startProxy(server.app.url)
        try {
            expect((await sendUpload(prepared, { server: proxy.url, apiKey: server.apiKey })).accepted).toBe(2)
            expect(JSON.parse(proxy.requests[0].body).idempotency_key).toBe(prepared.idempotencyKey)
        } finally {
            await proxy.close()
        }
    })

    test("a dropped connection is retried like a 5xx", async () => {
        const proxy = await startProxy(server.app.url, { failFirst: 1, failStatus: 0, failMethod: "PUT" })
        try {
            const [number] = await server.numbers()
            const r = await sendUpload(prepareUpload(keys(), details(number), now), { server: proxy.url, apiKey: server.apiKey }, { retry: fast })
            expect(r).toMatchObject({ accepted: 2, attempts: 2 })
        } finally {
            await proxy.close()
        }
    })

    test("each refusal of a real server has its own error and exit code, and nothing is stored", async () => {
        const refusals: {
            name: string
            server: TestServer
            details: (n: string) => ReturnType<typeof details>
            keys?: ReturnType<typeof keys>
            code: string
            exit: number
            message: RegExp
        }[] = []
        const regionServer = await startTestServer({ regions: ["440"] })
        const limited = await startTestServer({ rateLimit: { perMinute: 1, burst: 1 } })
        const noHersys = await startTestServer({
            verifier: {
                kind: "hersys",
                url: (await downServerUrl()) + "/verify",
                parameterName: "processNumber",
                results: DEFAULT_HERSYS_RESULTS,
                timeoutMs: 30_000,
            },
        })
        try {
            const otherRegion = (n: string) => parseRegistrationDetails({ processingNumber: n, onset: today, symptoms: "no", region: "441" }, now + DAY_MS)
            refusals.push(
                {
                    name: "403 region not served",
                    server: regionServer,
                    details: otherRegion,
                    code: "region-not-served",
                    exit: 5,
                    message: /HTTP 403 region_not_served/,
                },
                {
                    name: "503 verification unavailable",
                    server: noHersys,
                    details,
                    code: "verification-unavailable",
                    exit: 4,
                    message: /HTTP 503 verification_unavailable/,
                },
                {
                    name: "400 no eligible keys",
                    server,
                    details,
                    keys: [keyOfDay(now, 20)].map(k => ({ ...k, keyData: new Uint8Array(k.keyData) })),
                    code: "no-eligible-keys",
                    exit: 5,
                    message: /HTTP 400 no_eligible_keys.*older than 14 days/,
                }
            )
            // 429: the first upload spends the kiosk's only token of its rate limit.
            const [spent] = await limited.numbers()
            await sendUpload(prepareUpload(keys(), details(spent), now), { server: limited.app.url, apiKey: limited.apiKey })
            refusals.push({ name: "429 rate limited", server: limited, details, code: "rate-limited", exit: 5, message: /HTTP 429/ })

            for (const r of refusals) {
                const [number] = await r.server.numbers()
                const before = (await r.server.app.storage.countKeys()).total
                const err = await sendUpload(
                    prepareUpload(r.keys ?? keys(), r.details(number), now),
                    { server: r.server.app.url, apiKey: r.server.apiKey },
                    { retry: { ...fast, retries: 1 } }
                ).catch(e => e)
                expect(err, r.name).toBeInstanceOf(KioskError)
                expect({ name: r.name, code: err.code, exit: err.exitCode }).toEqual({ name: r.name, code: r.code, exit: r.exit })
                expect(err.message, r.name).toMatch(r.message)
                expect((await r.server.app.storage.countKeys()).total, r.name).toBe(before)
            }
        } finally {
            await Promise.all([regionServer.stop(), limited.stop(), noHersys.stop()])
        }
    })
})
