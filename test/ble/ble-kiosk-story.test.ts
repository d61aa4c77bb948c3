// The kiosk's whole work with a token over Bluetooth only, end to end with the real server: a check
// (downloads, the owner's press for the session, the log read over the link, matching), a registration (the keys exported over the link
// after the owner's press, uploaded with a processing number) and the decommission (the proof of
// erasure read over the link), after which the token never opens its link again.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { SimulatedBleCentral } from "../../sim/harness/ble-central.js"
import {
    checkTokenExposure,
    decommissionToken,
    exportKeysForRegistration,
    openTokenSession,
    parseRegistrationDetails,
    prepareSurvey,
    sendUpload,
    type DecommissionOutcome,
    type TokenSession,
} from "../../kiosk/index.js"
import { useBleCentral } from "../../kiosk/transport/ble.js"
import { handOutLinkKey } from "../../kiosk/link/hand-out.js"
import { Cleanup } from "../helpers/cleanup.js"
import { buttonOf, pressingWhenAsked } from "../helpers/owner.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { pressAndOpenOverBluetooth } from "./helpers.js"
import { checkOptions, startServerOn } from "../e2e/helpers.js"
import { dayStart, upload } from "../../testkit/server.js"
import type { TestServer } from "../server/helpers.js"
import { DEFAULT_EXPORT_PADDING } from "../../server/protocol.js"

const FAST = 200

describe("check, register and decommission over Bluetooth with the real server", () => {
    const cleanup = new Cleanup()
    // Late in the evening (UTC): the contact's day is over, and its key publishable, within the hour.
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 7, 23, 0), FAST)
    let vm: TokenVm
    let server: TestServer
    let kioskData: string
    let code: string
    const neighbour = new Neighbour(-55)
    let present: Neighbour[] = []

    /** The owner presses, the kiosk connects by sticker; then the simulation runs fast again. */
    async function openOverBluetooth(): Promise<TokenSession> {
        try {
            return await pressAndOpenOverBluetooth(clock, vm, code)
        } finally {
            clock.setScale(FAST)
        }
    }

    beforeAll(async () => {
        server = await startServerOn(() => clock.now(), cleanup)
        kioskData = cleanup.tempDir("gaen-ble-kiosk-")
        vm = cleanup.add(await TokenVm.start({ clock, onScan: room(() => present) }), v => v.stop())
        useBleCentral(new SimulatedBleCentral(vm))
        cleanup.add(null, () => useBleCentral(undefined))
        // Once, over USB: the clock, and the sticker.
        const usb = await openTokenSession(`tcp://127.0.0.1:${vm.hubPort}`, { now: () => clock.now() })
        try {
            code = await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress => handOutLinkKey(usb, { onProgress }))
        } finally {
            await usb.close()
        }
        // Thirty minutes close to someone who later tests positive; then past midnight.
        clock.setScale(FAST)
        present = [neighbour]
        await clock.sleep(30 * 60_000)
        present = []
        await clock.until(Date.UTC(2026, 6, 8, 0, 5))
        const [number] = await server.numbers()
        const body = upload(number, { now: clock.now(), days: 1, onsetDaysAgo: 1 })
        body.keys = [{ keyData: neighbour.tek.toString("base64"), rollingStartNumber: dayStart(clock.now(), 1), rollingPeriod: 144, reportType: 1 }]
        expect((await server.put("/v3/diagnosis", body)).status).toBe(200)
        expect((await server.app.publishNow()).keys).toBe(1)
    }, 180_000)
    afterAll(() => cleanup.run())

    test("check: the log read over Bluetooth finds the contact", async () => {
        const session = await openOverBluetooth()
        try {
            // The press that opened the link confirmed nothing; the check asks for the session's own.
            const r = await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress =>
                checkTokenExposure(session, { ...checkOptions(server, kioskData), onProgress })
            )
            expect(r.downloads.downloaded).toBe(1)
            expect(r.downloads.keys).toBeGreaterThanOrEqual(DEFAULT_EXPORT_PADDING.minKeys) // the neighbour's key among random padding
            expect(r.matching.matches).toBeGreaterThanOrEqual(3)
            expect(r.probableContact).toBe(true)
            expect(r.contactDates).toEqual(["2026-07-07"])
        } finally {
            await session.close()
        }
    })

    test("register: the keys come over Bluetooth after the press and the server takes them", async () => {
        const session = await openOverBluetooth()
        try {
            const [processingNumber] = await server.numbers()
            const details = parseRegistrationDetails({ processingNumber, symptoms: "no", onset: "2026-07-07", region: "440" }, clock.now())
            const prepared = await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress =>
                exportKeysForRegistration(session, details, { onProgress, now: () => clock.now() })
            )
            expect(prepared.keyCount).toBeGreaterThanOrEqual(2) // yesterday's and today's
            const result = await sendUpload(prepared, { server: server.app.url, apiKey: server.apiKey })
            expect(result).toMatchObject({ dropped: [], attempts: 1 })
            expect(result.accepted).toBe(prepared.keyCount)
        } finally {
            await session.close()
        }
    })

    test("decommission over Bluetooth: proof that nothing is left, and the link never opens again", async () => {
        const session = await openOverBluetooth()
        let outcome: DecommissionOutcome
        try {
            const survey = prepareSurvey({ ageBracket: 6, commuting: 3 }, clock.now())
            outcome = await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress =>
                decommissionToken(session, { survey, target: { server: server.app.url, apiKey: server.apiKey }, onProgress })
            )
        } finally {
            await session.close()
        }
        expect(outcome.erasure).toMatchObject({ bytesNotErased: 0 })
        expect(outcome.erasure.bytesChecked).toBeGreaterThan(0)
        // The link key went with the wipe: a press puts nothing on air.
        const before = vm.syncAired.length
        await vm.pressButton(clock)
        await clock.sleep(5_000)
        expect(vm.syncAired.length).toBe(before)
        await expect(openTokenSession(`ble:${code}`, { now: () => clock.now() })).rejects.toMatchObject({ code: "token-not-found" })
    }, 120_000)
})
