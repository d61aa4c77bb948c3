// The kiosk against a simulated token running the real firmware: status over TCP and over a serial
// pty, registration with the owner's button press, a button never pressed, the survey failing
// before anything is wiped, a check over the token's log, and a decommission with its proof.
import { realpathSync } from "node:fs"
import { describe, test, expect, beforeAll, afterAll } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { startSerialBridge } from "../../sim/serial-bridge/bridge.js"
import { runKiosk, type KioskIo } from "../../kiosk/cli.js"
import { openTokenSession, decommissionToken, prepareSurvey, sendSurvey, fetchServerKey, KioskError } from "../../kiosk/index.js"
import { startTestServer, type TestServer } from "../server/helpers.js"
import { tempDir } from "./fixtures.js"
import { downServerUrl } from "../helpers/net.js"
import { buttonOf, pressingWhenAsked, withOwnerSession } from "../helpers/owner.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { text } from "../../kiosk/i18n/messages.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { filesUnder, filesHolding } from "../helpers/disk-traces.js"

let clock: SimClock
let server: TestServer
const data = tempDir("kiosk-token-")
/** What the kiosk handled about a person in these tests (processing numbers, token ids, upload ids). */
const personal: Uint8Array[] = []
beforeAll(async () => {
    clock = SimClock.startingAt(Date.now(), 20)
    // The server runs on the tokens' clock: at 20x a real clock would fall a day behind the tokens'
    // keys after simulated midnight.
    server = await startTestServer({ clock: () => clock.now() })
})
afterAll(async () => {
    await server.stop()
    data.remove()
})

function kioskIo(env: NodeJS.ProcessEnv = {}) {
    const out: string[] = []
    const err: string[] = []
    const steps: string[] = []
    const io: KioskIo = {
        stdout: { write: s => void out.push(s) },
        stderr: { write: s => void err.push(s) },
        onProgress: p => void steps.push(p.step),
        env: { GAEN_KIOSK_DATA: data.path, ...env },
        now: () => clock.now(),
        retry: { baseDelayMs: 20, maxDelayMs: 50 },
    }
    /** Runs the kiosk with `args`; the owner of `vm` presses the button when the kiosk asks. */
    const runPressing = (args: string[], vm: TokenVm) =>
        pressingWhenAsked(clock, buttonOf(vm, clock), onProgress =>
            runKiosk(args, {
                ...io,
                onProgress: p => {
                    steps.push(p.step)
                    onProgress(p)
                },
            })
        )
    const json = () => JSON.parse(out.join(""))
    return { io, out, err, steps, runPressing, json }
}

async function withToken(use: (vm: TokenVm) => Promise<void>, options: { dir?: string } = {}) {
    const vm = await TokenVm.start({ clock, ...options })
    try {
        await use(vm)
    } finally {
        await vm.stop()
    }
}

describe("kiosk with a simulated token", () => {
    test("status over tcp sets the token's clock and shows the drift", async () => {
        await withToken(async vm => {
            const first = kioskIo()
            expect(await runKiosk(["status", "--json", "--token", `tcp://127.0.0.1:${vm.hubPort}`], first.io)).toBe(0)
            const j = first.json()
            expect(j).toMatchObject({ ok: true, command: "status", token: { state: "active" }, clock: { wasUnset: true, driftSeconds: 0 } })
            expect(j.token.tokenId).toMatch(/^[0-9a-f]{16}$/)
            expect(Math.abs(j.clock.clock - clock.now() / 1000)).toBeLessThan(120)
            // A kiosk whose clock is 5 minutes ahead sees the token 5 minutes behind, and corrects it.
            const ahead = kioskIo()
            ahead.io.now = () => clock.now() + 300_000
            expect(await runKiosk(["status", "--json", "--token", `tcp://127.0.0.1:${vm.hubPort}`], ahead.io)).toBe(0)
            expect(ahead.json().clock.driftSeconds).toBeLessThan(-250)
            expect(ahead.json().clock.driftSeconds).toBeGreaterThan(-320)
            // People get the same in their language.
            const ja = kioskIo({ LANG: "ja_JP.UTF-8" })
            expect(await runKiosk(["status", "--token", `tcp://127.0.0.1:${vm.hubPort}`], ja.io)).toBe(0)
            expect(ja.out.join("")).toMatch(/正常に動いています/)
            expect(ja.out.join("")).toMatch(/時計が\d+秒進んでいたので、合わせました/)
        })
    })

    test("status over a serial pty bridged to the token", async () => {
        await withToken(async vm => {
            const bridge = await startSerialBridge({ hubPort: vm.hubPort })
            try {
                expect(realpathSync(bridge.hostPath)).toMatch(/^\/dev\/pts\/\d+$/)
                const k = kioskIo()
                expect(await runKiosk(["status", "--json", "--token", `serial:${bridge.hostPath}`], k.io)).toBe(0)
                expect(k.json()).toMatchObject({ ok: true, token: { state: "active" }, clock: { wasUnset: true } })
                expect(bridge.stats.toHub).toBeGreaterThan(0)
                expect(bridge.stats.toSerial).toBeGreaterThan(0)
                expect(bridge.stats.dropped).toBe(0)
            } finally {
                await bridge.close()
            }
        })
    })

    test("an unreachable token or a missing device is reported as such", async () => {
        const k = kioskIo()
        expect(await runKiosk(["status", "--json", "--token", "serial:/dev/no-such-tty"], k.io)).toBe(3)
        expect(k.json().error).toMatchObject({ code: "token-not-found" })
        const t = kioskIo({ LANG: "ja_JP.UTF-8" })
        expect(await runKiosk(["status", "--token", (await downServerUrl()).replace("http", "tcp")], t.io)).toBe(3)
        expect(t.out.join("")).toMatch(/トークンが見つかりません/)
    })

    test("register: the owner presses the button, the keys are uploaded to the real server", async () => {
        await withToken(async vm => {
            const addr = `tcp://127.0.0.1:${vm.hubPort}`
            expect(await runKiosk(["status", "--json", "--token", addr], kioskIo().io)).toBe(0)
            await clock.sleep(60_000)
            const [number] = await server.numbers()
            const k = kioskIo({ GAEN_KIOSK_API_KEY: server.apiKey })
            const running = k.runPressing(["register", "--json", "--token", addr, "--server", server.app.url, "--processing-number", number], vm)
            expect(await running, k.out.join("")).toBe(0)
            const j = k.json()
            expect(j).toMatchObject({ ok: true, command: "register", keys: 1, accepted: 1, dropped: [] })
            expect(j.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/)
            personal.push(Buffer.from(number), Buffer.from(j.idempotencyKey), Buffer.from(await tokenIdOf(addr), "hex"))
        })
    })

    test("register: a button never pressed ends clearly, nothing is sent and the number is still good", async () => {
        await withToken(async vm => {
            const addr = `tcp://127.0.0.1:${vm.hubPort}`
            const [number] = await server.numbers()
            const k = kioskIo({ GAEN_KIOSK_API_KEY: server.apiKey, LANG: "en_US.UTF-8" })
            expect(await runKiosk(["register", "--token", addr, "--server", server.app.url, "--processing-number", number], k.io)).toBe(3)
            expect(k.out.join("")).toMatch(/button was not pressed in time/)
            expect(k.err.join("")).toMatch(/Please press the button on your token once/)
            // Press this time: the same number is accepted, so nothing was spent before.
            const again = kioskIo({ GAEN_KIOSK_API_KEY: server.apiKey })
            const running = again.runPressing(["register", "--json", "--token", addr, "--server", server.app.url, "--processing-number", number], vm)
            expect(await running, again.out.join("")).toBe(0)
            expect(again.json().accepted).toBe(1)
        })
    })

    test("register: the server is down: a clear message and the prepared upload is reported as held", async () => {
        await withToken(async vm => {
            // A token whose clock was set a minute ago holds today's key (a brand-new one has none yet).
            expect(await runKiosk(["status", "--json", "--token", `tcp://127.0.0.1:${vm.hubPort}`], kioskIo().io)).toBe(0)
            await clock.sleep(60_000)
            const k = kioskIo({ GAEN_KIOSK_API_KEY: server.apiKey })
            const running = k.runPressing(
                [
                    "register",
                    "--json",
                    "--token",
                    `tcp://127.0.0.1:${vm.hubPort}`,
                    "--server",
                    await downServerUrl(),
                    "--processing-number",
                    "12345678",
                    "--retries",
                    "1",
                ],
                vm
            )
            const code = await running
            const e = k.json().error
            expect(code, JSON.stringify(e)).toBe(4)
            expect(e).toMatchObject({ code: "server-unreachable", pendingUpload: { keys: 1 } })
            expect(e.message).toMatch(/\/v3\/diagnosis: no answer \(ECONNREFUSED\)/)
            expect(k.steps).toContain("retry")
        })
    })

    test("register: a malformed number is refused before the token is touched", async () => {
        const k = kioskIo({ GAEN_KIOSK_API_KEY: "x" })
        // The token address does not exist: reaching it would fail differently.
        expect(
            await runKiosk(["register", "--json", "--token", "serial:/dev/no-such-tty", "--server", server.app.url, "--processing-number", "1234"], k.io)
        ).toBe(2)
        expect(k.json().error).toMatchObject({ code: "usage" })
        expect(k.json().error.message).toMatch(/exactly 8 digits/)
    })

    test("decommission: if the survey cannot be sent, the token is not touched", async () => {
        await withToken(async vm => {
            const session = await openTokenSession(`tcp://127.0.0.1:${vm.hubPort}`, { now: () => clock.now() })
            try {
                const survey = prepareSurvey({ ageBracket: 9, commuting: 1 }, clock.now())!
                const err = await decommissionToken(session, {
                    survey,
                    target: { server: await downServerUrl(), apiKey: server.apiKey },
                    retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 10 },
                }).catch(e => e)
                expect(err).toBeInstanceOf(KioskError)
                expect(err.code).toBe("survey-not-sent")
                expect(err.message).toMatch(/not stopped or erased/)
                expect((await session.connection.client.status()).state).toBe("active")
            } finally {
                await session.close()
            }
        })
    })

    test("the survey as COCOA 3.0.0 sent it is accepted by the server (201), each item only with consent", async () => {
        const none = prepareSurvey({}, clock.now())
        expect(none).toBeUndefined()
        const survey = prepareSurvey({ ageBracket: 8, startDate: "2026-01-10", exposureDays: [{ dayMs: Date.UTC(2026, 0, 12), detected: true }] }, clock.now())!
        const content = JSON.parse(survey.body).eventLogs[0].content
        expect(content).toEqual({
            q1: 8,
            q2: -1,
            start_date: Date.UTC(2026, 0, 10) / 1000,
            exposure_data: { daily_summaries: [{ DateMillisSinceEpoch: Date.UTC(2026, 0, 12), ExposureDetected: 1 }] },
        })
        expect(await sendSurvey(survey, { server: server.app.url, apiKey: server.apiKey })).toEqual({ stored: 1 })
        const consentless = prepareSurvey({ commuting: 2 }, clock.now())!
        expect(JSON.parse(consentless.body).eventLogs[0].content).toMatchObject({ start_date: null, exposure_data: null })
    })

    test("check over the token: one press, then its log is read and matched", async () => {
        await withToken(async vm => {
            const addr = `tcp://127.0.0.1:${vm.hubPort}`
            const k = kioskIo()
            const key = (await fetchKey()).spki
            expect(await k.runPressing(["check", "--json", "--token", addr, "--server", server.app.url, "--public-key", key], vm)).toBe(0)
            // The kiosk asked for the press before it read the log.
            expect(k.steps.filter(s => s === "press-button").length).toBeGreaterThanOrEqual(1)
            expect(k.steps.indexOf("press-button")).toBeLessThan(k.steps.indexOf("read-log"))
            const j = k.json()
            expect(j).toMatchObject({ ok: true, command: "check", result: "no-contact", contactDates: [] })
            expect(j.log.scanPeriodSeconds).toBeGreaterThan(0)
        })
    })

    test("a kiosk whose clock is two days behind: both clocks shown, not pushed; after the press it stops and the token's clock stays", async () => {
        const near = new Neighbour(-55)
        const vm = await TokenVm.start({ clock, onScan: room(() => [near]) })
        try {
            const addr = `tcp://127.0.0.1:${vm.hubPort}`
            expect(await runKiosk(["status", "--json", "--token", addr], kioskIo().io)).toBe(0) // a right kiosk sets the clock
            // Someone nearby for a while: records in the log (an RPI is written once it is no longer heard).
            const speed = clock.scale
            clock.setScale(200)
            try {
                await clock.sleep(40 * 60_000)
            } finally {
                clock.setScale(speed)
            }
            const behind = () => clock.now() - 2 * 86_400_000
            const status = kioskIo()
            status.io.now = behind
            expect(await runKiosk(["status", "--json", "--token", addr], status.io)).toBe(0)
            const shown = status.json().clock
            expect(shown).toMatchObject({ needsPress: true, driftSeconds: 0 })
            expect(shown.tokenClockBefore - shown.kioskClock).toBeGreaterThan(2 * 86_400 - 120)
            expect(Math.abs(shown.clock - clock.now() / 1000)).toBeLessThan(120) // the token kept its clock
            const check = kioskIo()
            check.io.now = behind
            const key = (await fetchKey()).spki
            expect(await check.runPressing(["check", "--json", "--token", addr, "--server", server.app.url, "--public-key", key], vm)).toBe(2)
            expect(check.json().error).toMatchObject({ code: "kiosk-clock-wrong" })
            expect(check.steps).not.toContain("read-log")
            const after = kioskIo()
            expect(await runKiosk(["status", "--json", "--token", addr], after.io)).toBe(0)
            expect(Math.abs(after.json().clock.clock - clock.now() / 1000)).toBeLessThan(120)
            expect(after.json().token.recordsHeld).toBeGreaterThan(0)
        } finally {
            await vm.stop()
        }
    })

    test("a token a day fast is repaired by a kiosk whose clock the server confirms: staff are told which clock was wrong and what was done (en, ja)", async () => {
        let present = [new Neighbour(-55)]
        const vm = await TokenVm.start({ clock, onScan: room(() => present) })
        try {
            const addr = `tcp://127.0.0.1:${vm.hubPort}`
            expect(await runKiosk(["status", "--json", "--token", addr], kioskIo().io)).toBe(0)
            // The owner once pressed at a kiosk whose clock was a day ahead: the token logs in its future.
            const wrong = kioskIo()
            wrong.io.now = () => clock.now() + 86_400_000
            const sync = await TokenSyncClient.find(vm.bus)
            await withOwnerSession(clock, vm, sync, async () => {
                expect((await sync.setTime(Math.floor(wrong.io.now!() / 1000))).outcome).toBe("set")
            })
            const speed = clock.scale
            clock.setScale(200)
            try {
                await clock.sleep(40 * 60_000)
            } finally {
                clock.setScale(speed)
            }
            present = []
            const key = (await fetchKey()).spki
            const check = kioskIo()
            expect(await check.runPressing(["check", "--json", "--token", addr, "--server", server.app.url, "--public-key", key], vm)).toBe(0)
            const repair = check.json().clock.repair
            expect(repair.tokenOffSeconds).toBeGreaterThan(86_400 - 300)
            expect(repair.futureRecordsErased).toBeGreaterThan(0)
            expect(Math.abs(check.json().clock.clock - clock.now() / 1000)).toBeLessThan(120)
            // What staff read, in both languages, after a second repair-free check shows the token right.
            present = [new Neighbour(-60)]
            try {
                clock.setScale(200)
                await clock.sleep(30 * 60_000)
            } finally {
                clock.setScale(speed)
            }
            present = []
            const again = kioskIo()
            expect(await again.runPressing(["check", "--json", "--token", addr, "--server", server.app.url, "--public-key", key], vm)).toBe(0)
            expect(again.json().clock.repair).toBeUndefined()
            expect(again.json().log.records).toBeGreaterThan(0)
            const said = text.clockRepaired(repair.tokenOffSeconds, repair.futureRecordsErased)
            expect(said.en).toMatch(
                /^The token's clock was 24 hours fast \(this kiosk's clock was checked against the notification server and is right\)\. The token's clock has been corrected\. The \d+ records it made while its clock was ahead could not be dated and were erased\./
            )
            expect(said.ja).toMatch(/^トークンの時計が24時間進んでいました.*直しました。.*\d+件は、本当の時刻がわからないため消しました/)
        } finally {
            await vm.stop()
        }
    })

    test("decommission: survey sent, button pressed, proof of erasure shown; stopped and forgotten after a power cycle", async () => {
        const vmDir = tempDir("kiosk-token-vm-")
        try {
            await withToken(
                async vm => {
                    const addr = `tcp://127.0.0.1:${vm.hubPort}`
                    const k = kioskIo({ GAEN_KIOSK_API_KEY: server.apiKey })
                    const tokenId = await tokenIdOf(addr)
                    personal.push(Buffer.from(tokenId, "hex"))
                    const running = k.runPressing(["decommission", "--json", "--token", addr, "--server", server.app.url, "--age", "9", "--commute", "1"], vm)
                    expect(await running, k.out.join("")).toBe(0)
                    const j = k.json()
                    expect(j).toMatchObject({ ok: true, survey: { sent: true, stored: 1 }, erasure: { bytesNotErased: 0 } })
                    expect(j.erasure.bytesChecked).toBeGreaterThan(0)
                    const after = kioskIo()
                    expect(await runKiosk(["status", "--json", "--token", addr], after.io)).toBe(0)
                    expect(after.json().token).toMatchObject({ state: "stopped", keysHeld: 0, recordsHeld: 0 })
                    // A stopped token is refused by name (exit 3), for a registration and a second decommission.
                    const [number] = await server.numbers()
                    for (const args of [
                        ["register", "--json", "--token", addr, "--server", server.app.url, "--processing-number", number],
                        ["decommission", "--json", "--token", addr, "--server", server.app.url],
                    ]) {
                        const again = kioskIo({ GAEN_KIOSK_API_KEY: server.apiKey })
                        expect(await runKiosk(args, again.io), args[0]).toBe(3)
                        expect(again.json().error, args[0]).toMatchObject({ code: "token-stopped" })
                    }
                    // Power-cycled: still stopped, and the token id was deleted (a new one is drawn at boot).
                    await vm.stop()
                    const restarted = await TokenVm.start({ clock, dir: vmDir.path })
                    try {
                        const cycled = kioskIo()
                        expect(await runKiosk(["status", "--json", "--token", `tcp://127.0.0.1:${restarted.hubPort}`], cycled.io)).toBe(0)
                        expect(cycled.json().token).toMatchObject({ state: "stopped", keysHeld: 0, recordsHeld: 0 })
                        expect(cycled.json().token.tokenId).not.toBe(tokenId)
                    } finally {
                        await restarted.stop()
                    }
                },
                { dir: vmDir.path }
            )
        } finally {
            vmDir.remove()
        }
    }, 180_000) // two boots and an erase: a backstop for a loaded machine
})

describe("decommission of a token whose flash will not erase", () => {
    test("the kiosk stops waiting after 3 failed read-backs: erase-incomplete, exit 3, and staff are told to keep the token", async () => {
        // A small flash keeps the three attempts quick; the last 3 bytes are worn-out cells (stuck at
        // 0x00). The read-back counts whole 32-byte rows (row states, docs/storage.md): their row.
        const sectors = 8
        const vm = await TokenVm.start({ clock, flash: { sectorSize: 4096, sectorCount: sectors } })
        try {
            vm.stickFlashBytes(sectors * 4096 - 3, 3)
            const addr = `tcp://127.0.0.1:${vm.hubPort}`
            const k = kioskIo({ LANG: "ja_JP.UTF-8" })
            const exit = await k.runPressing(["decommission", "--token", addr], vm)
            const said = k.out.join("") + k.err.join("")
            expect(exit, said).toBe(3)
            expect(said).toMatch(/記録を消しきれませんでした（32 バイトが残っています）/)
            expect(said).toMatch(/ほかの方に渡さないでください/)
            expect(said).toMatch(/物理的に破壊するか、書き込み直してください/)
            expect(said).toMatch(new RegExp(`read back 32 of ${sectors * 4096} bytes not erased after [3-9] attempts`))
            // The token is stopped for good, off the air, and still answers "erasing" (it keeps trying).
            const after = kioskIo()
            expect(await runKiosk(["status", "--json", "--token", addr], after.io)).toBe(0)
            expect(after.json().token).toMatchObject({ state: "stopped" })
        } finally {
            await vm.stop()
        }
    }, 180_000) // a boot and three wipes: a backstop for a loaded machine
})

describe("the kiosk's data folder after status, register, check and decommission", () => {
    test("holds only its configuration and public downloads, nothing about a person or a token", () => {
        expect(personal.length).toBeGreaterThanOrEqual(4) // the register and decommission tests ran
        for (const f of filesUnder(data.path)) expect(f).toMatch(/^(config\.json|downloads\/[0-9a-f]+\/([0-9a-f]+-\d+\.zip|index\.json))$/)
        expect(filesHolding(data.path, personal)).toEqual([])
    })
})

/** The token's id, as a kiosk's status shows it. */
async function tokenIdOf(addr: string): Promise<string> {
    const k = kioskIo()
    expect(await runKiosk(["status", "--json", "--token", addr], k.io)).toBe(0)
    return k.json().token.tokenId
}

/** The server's public key, as the operator passes it with --public-key. */
function fetchKey() {
    return fetchServerKey(server.app.url)
}
