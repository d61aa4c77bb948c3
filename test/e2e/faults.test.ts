// What goes wrong at a kiosk, end to end with real tokens (firmware in the simulator), the real
// server and the kiosk core: each fault ends with a clear message and nothing is lost.
//   - a wrong processing number: 406, "wrong or has expired"; the keys the owner released are still
//     there for a retry with the right number in the same session (no second button press);
//   - a tampered export file: refused by name before the token's log is even read;
//   - a token unplugged in the middle of reading its log (in the middle of a burst of pages):
//     LogReadInterrupted with the records read so far and the cursor; plugged back in, the read
//     resumes and gives exactly a clean read's records, each once;
//   - a button never pressed: a clear message, nothing released.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { readdirSync, existsSync } from "node:fs"
import { unzipSync, zipSync } from "fflate"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { LogReadInterrupted, type EncounterRecord } from "../../lib/token-sync/sync-client.js"
import { RECORDS_PER_SECTOR } from "../../testkit/log-flash-image.js"
import jd, { type Packet } from "../../lib/jacdac/jacdac-ts.js"
import { TokenSyncCmd, TokenSyncLayout as Layout } from "../../lib/jacdac/service-specs.js"
import type { TestServer } from "../server/helpers.js"
import { upload } from "../../testkit/server.js"
import { startProxy } from "../kiosk/fixtures.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import {
    KioskError,
    checkTokenExposure,
    connectToToken,
    exportKeysForRegistration,
    parseRegistrationDetails,
    prepareUpload,
    sendUpload,
    type KioskProgress,
    type TokenSession,
} from "../../kiosk/index.js"
import { renderError } from "../../kiosk/cli/render.js"
import { checkOptions, openSession, startCuttableLink, startServerOn, tokenAddress } from "./helpers.js"
import { Cleanup } from "../helpers/cleanup.js"
import { buttonOf, pressingWhenAsked, withOwnerSession } from "../helpers/owner.js"

const FAST = 200
const clock = SimClock.startingAt(Date.UTC(2026, 5, 3, 9, 0), FAST)
const cleanup = new Cleanup()
let server: TestServer
/** A token that has been worn a few minutes: it holds today's key. */
let worn: TokenVm
let session: TokenSession

beforeAll(async () => {
    server = await startServerOn(() => clock.now(), cleanup)
    worn = cleanup.add(await TokenVm.start({ clock }), vm => vm.stop())
    session = cleanup.add(await openSession(worn.hubPort, clock), s => s.close()) // sets its clock
    await clock.sleep(5 * 60_000)
}, 60_000)
afterAll(() => cleanup.run())

const details = (processingNumber: string) => parseRegistrationDetails({ processingNumber, symptoms: "no", region: "440" }, clock.now())
const target = () => ({ server: server.app.url, apiKey: server.apiKey })

describe("a wrong processing number", () => {
    test("is refused with a clear message; the released keys are still there for a retry with the right number", async () => {
        const prepared = await pressingWhenAsked(clock, buttonOf(worn, clock), onProgress =>
            exportKeysForRegistration(session, details("12345678"), { onProgress, now: () => clock.now() })
        ) // never issued
        const err = await sendUpload(prepared, target()).catch(e => e)
        expect(err).toBeInstanceOf(KioskError)
        expect(err.code).toBe("processing-number-rejected")
        expect(err.exitCode).toBe(5)
        expect(err.message).toMatch(/HTTP 406 processing_number_rejected/)
        expect(renderError(err, "en")).toMatch(/The processing number is wrong or has expired\. Please check the number again/)
        expect(renderError(err, "ja")).toMatch(/処理番号が正しくないか、有効期限が切れています/)

        // The person types the right number. Same session, no second press: the token holds the
        // confirmed export for the session the press opened, the very keys of the refused upload.
        const held = await session.connection.client.exportKeys()
        expect(held.state).toBe("ready")
        if (held.state !== "ready") return
        const b64 = held.keys.map(k => Buffer.from(k.keyData).toString("base64"))
        expect(b64).toEqual(JSON.parse(prepared.body).keys.map((k: { keyData: string }) => k.keyData))
        const [good] = await server.numbers()
        const result = await sendUpload(prepareUpload(held.keys, details(good), clock.now()), target())
        expect(result).toMatchObject({ accepted: held.keys.length, dropped: [] })
    })
})

describe("a tampered export file", () => {
    test("is refused by name before the log is read; nothing is matched or kept", async () => {
        // Someone else's keys of the last days, published as signed files.
        const [n] = await server.numbers()
        expect((await server.put("/v3/diagnosis", upload(n, { now: clock.now(), days: 3 }))).status).toBe(200)
        expect((await server.app.publishNow()).files.length).toBeGreaterThanOrEqual(1)
        // One bit of one file changes on its way to the kiosk.
        let tampered = ""
        const proxy = cleanup.add(
            await startProxy(server.app.url, {
                alter: (path, body) => {
                    if (!path.endsWith(".zip") || tampered) return body
                    tampered = path
                    const files = unzipSync(body)
                    const bin = Uint8Array.from(files["export.bin"])
                    bin[bin.length - 10] ^= 0x01
                    return Buffer.from(zipSync({ "export.bin": bin, "export.sig": files["export.sig"] }))
                },
            }),
            p => p.close()
        )
        const steps: KioskProgress["step"][] = []
        const dataDir = cleanup.tempDir("gaen-e2e-kiosk-")
        const err = await checkTokenExposure(session, checkOptions(server, dataDir, { server: proxy.url, onProgress: p => void steps.push(p.step) })).catch(
            e => e
        )
        expect(err).toBeInstanceOf(KioskError)
        expect(err.code).toBe("download-refused")
        expect(err.exitCode).toBe(6)
        expect(tampered).toMatch(/^\/c19r\/440\/\d+\.zip$/)
        expect(err.message).toContain(`${proxy.url}${tampered}:`) // names the file
        expect(err.message).toMatch(/signature/i)
        expect(steps).not.toContain("read-log")
        expect(steps).not.toContain("match")
        const kept = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : [])
        expect(kept(dataDir).filter(f => f.endsWith(tampered.split("/").pop()!))).toEqual([])
    })
})

describe("a token unplugged in the middle of reading its log", () => {
    let busy: TokenVm
    let clean: EncounterRecord[]

    beforeAll(async () => {
        // 40 people around for an hour, each with a new identifier every 10 minutes: a log of about
        // 250 records over two flash sectors (127 records each). (Forty is enough for two sectors; the
        // token also copes with far more at once: test/token/crowd.test.ts keeps 200 without a restart.)
        let present: Neighbour[] = Array.from({ length: 40 }, (_, i) => new Neighbour(-45 - i))
        busy = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present) }), vm => vm.stop())
        ;(await openSession(busy.hubPort, clock)).close()
        await clock.sleep(60 * 60_000)
        present = []
        await clock.sleep(10 * 60_000) // gone: the log stops changing
        const direct = await connectToToken(tokenAddress(busy.hubPort))
        try {
            clean = await withOwnerSession(clock, busy, direct.client, () => direct.client.readLog())
        } finally {
            await direct.close()
        }
    }, 120_000)

    test("cut in the middle of a burst, the read fails with the records so far and the cursor; plugged back in, the owner presses again and the read resumes with exactly the clean read", async () => {
        expect(clean.length).toBeGreaterThanOrEqual(200)
        const link = cleanup.add(await startCuttableLink(busy.hubPort), l => l.close())
        const cable = await connectToToken(tokenAddress(link.port))
        let err: unknown
        // Pulled as the 23rd page arrives: the 3rd of the sixth burst of 4, in the log's second sector
        // (161 records in).
        let pages = 0
        try {
            cable.client.service.on(jd.REPORT_RECEIVE, (pkt: Packet) => {
                if (pkt.serviceCommand === TokenSyncCmd.ReadLog && ++pages === 23) link.cut()
            })
            err = await withOwnerSession(clock, busy, cable.client, () =>
                cable.client.readLog().then(
                    () => "not interrupted",
                    e => e
                )
            )
        } finally {
            await cable.close()
        }
        expect(err).toBeInstanceOf(LogReadInterrupted)
        const cut = err as LogReadInterrupted
        expect(cut.message).toMatch(new RegExp(`^reading the token's log stopped after ${cut.records.length} records: token did not answer`))
        // Every page that arrived is kept: those before the cut, and any the link still held when
        // it was cut (on a loaded machine a few of the burst's pages are in flight).
        expect(cut.records.length).toBe(pages * Layout.RecordsPerPage)
        expect(pages).toBeGreaterThanOrEqual(23)
        expect(pages, "no page of a burst asked for after the cut").toBeLessThanOrEqual(24)
        expect(cut.records).toEqual(clean.slice(0, cut.records.length))
        expect(cut.cursor).toEqual({ seq: 1, slot: cut.records.length - RECORDS_PER_SECTOR })

        // Plugged back in: a new host. The pulled cable ended the owner's session (services/token-sync.md,
        // "Sessions and hosts"), so nothing more is read without a new press; after it the read goes
        // on from the cursor, and nothing is read twice or left out.
        const again = await connectToToken(tokenAddress(link.port))
        const firstReport: number[] = []
        try {
            await expect(again.client.readLog({ resumeFrom: cut })).rejects.toThrow(/owner's press/)
            const resumed = await withOwnerSession(clock, busy, again.client, () =>
                again.client.readLog({ resumeFrom: cut, onProgress: read => void firstReport.push(read) })
            )
            expect(resumed).toEqual(clean)
        } finally {
            await again.close()
        }
        expect(firstReport[0] - cut.records.length).toBeLessThanOrEqual(Layout.MaxBurstPages * Layout.RecordsPerPage) // one burst from the cursor on
    })
})

describe("a button never pressed", () => {
    test("ends with a clear message after the 30-second window, and nothing is released", async () => {
        // A session of its own, opened now: the one from beforeAll sat idle through the busy token's
        // hour, and on a loaded machine its bus could lose the token meanwhile (see the note).
        const session = cleanup.add(await openSession(worn.hubPort, clock), s => s.close())
        const keysBefore = (await session.connection.client.status()).keysHeld
        const steps: KioskProgress["step"][] = []
        const previous = clock.scale
        clock.setScale(20) // the person has their 30 seconds, and does nothing
        let err: unknown
        try {
            err = await exportKeysForRegistration(session, details((await server.numbers())[0]), {
                onProgress: p => void steps.push(p.step),
                now: () => clock.now(),
            }).then(
                () => "exported",
                e => e
            )
        } finally {
            clock.setScale(previous)
        }
        expect(steps).toContain("press-button")
        expect(err).toBeInstanceOf(KioskError)
        const e = err as KioskError
        expect(e.code).toBe("button-not-pressed")
        expect(e.message).toMatch(/not pressed within 30 s \(a key export\)/)
        expect(renderError(e, "en")).toMatch(/button was not pressed in time/)
        // Nothing released: the token holds no export, and no new key was started (a release would).
        expect((await session.connection.client.exportKeys()).state).toBe("not-requested")
        expect((await session.connection.client.status()).keysHeld).toBe(keysBefore)
    })
})
