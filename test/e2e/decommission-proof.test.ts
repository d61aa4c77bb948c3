// After the kiosk's decommission (survey + the owner's button), nothing of the log or the keys can be
// read from the token's flash: the test reads the simulated NOR flash FILE itself (every byte of
// sectors 0–255 is 0xFF), not only the token's own proof. The token reports "stopped", and after a
// power cycle it is still stopped and silent: nothing on air, no scan, for 30 simulated minutes, even
// when a host sets its clock.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { DEFAULT_FLASH, TokenVm } from "../../sim/harness/token-vm.js"
import { TokenSyncClient, type EncounterRecord } from "../../lib/token-sync/sync-client.js"
import { decommissionToken, prepareSurvey, type DecommissionOutcome } from "../../kiosk/index.js"
import type { TestServer } from "../server/helpers.js"
import { Neighbour, room } from "../helpers/neighbours.js"
import { openSession, startServerOn } from "./helpers.js"
import { tokenFlashFiles } from "../../sim/token/token-config.js"
import { decryptFlash } from "../../sim/hardware/flash-server.js"
import { Cleanup } from "../helpers/cleanup.js"
import { buttonOf, pressingWhenAsked, withOwnerSession } from "../helpers/owner.js"

const FLASH_BYTES = DEFAULT_FLASH.sectorCount * DEFAULT_FLASH.sectorSize
/** docs/storage.md: sectors 0–1 key store, 2–255 contact log. */
const KEY_STORE_BYTES = 2 * DEFAULT_FLASH.sectorSize

describe("decommission leaves nothing in the token's flash", () => {
    const cleanup = new Cleanup()
    const clock = SimClock.startingAt(Date.UTC(2026, 6, 7, 10, 0), 200)
    let present: Neighbour[] = []
    let scans = 0
    let server: TestServer
    let dir: string
    let vm: TokenVm
    let log: EncounterRecord[]
    let flashBefore: Buffer
    let outcome: DecommissionOutcome

    const boot = async () =>
        TokenVm.start({
            clock,
            dir,
            onScan: from => {
                scans++
                return room(() => present)(from)
            },
        })
    const flash = () => readFileSync(tokenFlashFiles(dir).flash)

    beforeAll(async () => {
        server = await startServerOn(() => clock.now(), cleanup)
        dir = cleanup.tempDir("gaen-e2e-decommission-")
        vm = await boot()
        cleanup.add(null, () => vm.stop())
        const session = await openSession(vm.hubPort, clock) // sets the clock: on air, scanning, a key
        try {
            present = [new Neighbour(-55), new Neighbour(-65), new Neighbour(-75)]
            await clock.sleep(30 * 60_000)
            present = []
            const client = session.connection.client
            log = await withOwnerSession(clock, vm, client, () => client.readLog())
            flashBefore = flash()
            const survey = prepareSurvey({ ageBracket: 6, commuting: 3 }, clock.now())
            outcome = await pressingWhenAsked(clock, buttonOf(vm, clock), onProgress =>
                decommissionToken(session, { survey, target: { server: server.app.url, apiKey: server.apiKey }, onProgress })
            )
        } finally {
            await session.close()
        }
    }, 90_000)
    afterAll(() => cleanup.run())

    test("before: the flash held the log and the key store (so the check below can fail)", () => {
        expect(log.length).toBeGreaterThanOrEqual(6)
        expect(flashBefore.length).toBe(FLASH_BYTES)
        expect(flashBefore.subarray(0, KEY_STORE_BYTES).some(b => b !== 0xff)).toBe(true)
        // The flash file is ciphertext (flash encryption); decrypted with the chip's key it holds the log.
        const plain = Buffer.from(decryptFlash(readFileSync(tokenFlashFiles(dir).efuseKey), 0, flashBefore))
        for (const r of log) expect(plain.indexOf(Buffer.from(r.rpi)), "an RPI of the log is in the decrypted flash").toBeGreaterThanOrEqual(KEY_STORE_BYTES)
    })

    test("the kiosk: survey sent, the token's proof says every byte erased", () => {
        expect(outcome.survey).toEqual({ sent: true, stored: 1 })
        expect(outcome.erasure.bytesNotErased).toBe(0)
        expect(outcome.erasure.bytesChecked).toBeGreaterThanOrEqual(FLASH_BYTES)
    })

    test("the flash file itself: every byte of sectors 0–255 reads 0xFF", () => {
        const after = flash()
        expect(after.length).toBe(FLASH_BYTES)
        const firstLeft = after.findIndex(b => b !== 0xff)
        expect(
            firstLeft,
            firstLeft < 0 ? "" : `byte ${firstLeft} (sector ${Math.floor(firstLeft / DEFAULT_FLASH.sectorSize)}) is 0x${after[firstLeft].toString(16)}`
        ).toBe(-1)
    })

    test("the token reports stopped, with no keys and no records", async () => {
        const status = await (await TokenSyncClient.find(vm.bus)).status()
        expect(status).toMatchObject({ state: "stopped", keysHeld: 0, recordsHeld: 0 })
    })

    test("after a power cycle: still stopped, nothing on air and no scan for 30 minutes, even with its clock set", async () => {
        await vm.stop() // battery out
        present = [new Neighbour(-50)] // someone is there to be heard, if it listened
        scans = 0
        vm = await boot()
        const sync = await TokenSyncClient.find(vm.bus)
        expect((await sync.status()).state).toBe("stopped")
        await sync.setTime(Math.floor(clock.now() / 1000)) // a host that does not know it is stopped
        await clock.sleep(30 * 60_000)
        expect(vm.aired).toEqual([])
        expect(scans).toBe(0)
        const status = await sync.status()
        expect(status).toMatchObject({ state: "stopped", keysHeld: 0, recordsHeld: 0 })
        expect((await sync.readLog().catch(e => e)).message).toMatch(/refused to hand out its log \(it is stopped\)/)
        expect(flash().every(b => b === 0xff)).toBe(true) // booting wrote nothing back
    })
})
