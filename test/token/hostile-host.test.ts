// A hostile host on the token's USB port (the simulator's TCP bus, and the serial bridge that plays
// the USB port) tries what the old open bus allowed: read, program and erase the flash, put its own
// advertisement on air, forge the owner's button press, rewrite the token id in settings, clear the
// program. Only the token-sync service and harmless control traffic get through the token's one door
// (sim/token/host-door.ts): every attack fails and the flash file is byte for byte the same.
import { readFileSync, existsSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import jd, { type JDBus, type JDService } from "../../lib/jacdac/jacdac-ts.js"
import { SRV_NOR_FLASH, SRV_GAEN_RADIO, NorFlashCmd, GaenRadioCmd } from "../../lib/jacdac/service-specs.js"
import { SimClock } from "../../sim/clock/sim-clock.js"
import { TokenVm } from "../../sim/harness/token-vm.js"
import { setTokenClock } from "../../sim/harness/set-token-clock.js"
import { startSerialBridge } from "../../sim/serial-bridge/bridge.js"
import { connectToToken, type TokenConnection } from "../../kiosk/transport/connect.js"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"
import { Cleanup } from "../helpers/cleanup.js"
import { waitUntil } from "../helpers/wait.js"

const SRV_BUTTON = 0x1473a263
const SRV_SETTINGS = 0x1107dc4a
const SRV_DEVICE_SCRIPT_MANAGER = 0x1134ea2b
const BUTTON_EVENT_DOWN = 0x01
const SETTINGS_GET = 0x80
const SETTINGS_SET = 0x81
const DEPLOY_BYTECODE = 0x80
const FORGED_AD = Buffer.from("c0ffee00c0ff" + "0201061a" + "ab".repeat(24), "hex")

/** Waits (real time) until the host sees a service of `serviceClass` announced by the token. */
async function serviceOn(bus: JDBus, serviceClass: number): Promise<JDService> {
    let found: JDService | undefined
    const seen = await waitUntil(() => !!(found = bus.services({ serviceClass })[0]), 20_000)
    if (!seen || !found) throw new Error(`the token never announced service 0x${serviceClass.toString(16)}`)
    return found
}

/** True when the service answered the command at all (the attack got through). */
async function answers(service: JDService, pkt: ReturnType<typeof jd.Packet.from>): Promise<boolean> {
    try {
        return !!(await service.sendCmdAwaitResponseAsync(pkt, 1500))
    } catch {
        return false
    }
}

/** Everything the hostile host tries, over one connection. What it could observe is returned. */
async function attack(conn: TokenConnection, vm: TokenVm) {
    const bus = conn.bus
    const flash = await serviceOn(bus, SRV_NOR_FLASH)
    const radio = await serviceOn(bus, SRV_GAEN_RADIO)
    const button = await serviceOn(bus, SRV_BUTTON)
    const settings = await serviceOn(bus, SRV_SETTINGS)
    const deploy = await serviceOn(bus, SRV_DEVICE_SCRIPT_MANAGER)

    const flashRead = await answers(flash, jd.Packet.jdpacked(NorFlashCmd.Read, "u16 u16 u32", [1, 64, 0]))
    const flashProgram = await answers(flash, jd.Packet.jdpacked(NorFlashCmd.Program, "u16 u32 b", [2, 0, new Uint8Array(64)]))
    const flashErase = await answers(flash, jd.Packet.jdpacked(NorFlashCmd.EraseSector, "u16 u32", [3, 0]))
    await jd.Packet.from(GaenRadioCmd.Advertise, FORGED_AD).sendCmdAsync(radio.device)
    const settingsRead = await answers(settings, jd.Packet.jdpacked(SETTINGS_GET, "s", ["token_id"]))
    await jd.Packet.jdpacked(SETTINGS_SET, "z b", ["token_id", Buffer.from('"0000000000000000"')]).sendCmdAsync(settings.device)

    // Clearing the program (a deploy of 0 bytes) would stop the firmware for good.
    const deployAnswered = await answers(deploy, jd.Packet.jdpacked(DEPLOY_BYTECODE, "u32", [0]))

    // The forged press: the token waits for its button, and the host sends button-down events as if
    // they came from the token's own button.
    expect(await conn.client.requestKeyExport()).toBe(true)
    for (let counter = 1; counter <= 3; counter++) {
        const down = jd.Packet.from(0x8000 | (counter << 8) | BUTTON_EVENT_DOWN, new Uint8Array(4))
        down.serviceIndex = button.serviceIndex
        await down.sendReportAsync(button.device)
    }

    // The token-sync service answers in order after everything above: by then it has all been handled.
    const exportState = (await conn.client.exportKeys()).state
    const status = await conn.client.status()
    return {
        flashRead,
        flashProgram,
        flashErase,
        settingsRead,
        deployAnswered,
        status,
        exportState,
        airedForged: vm.aired.some(a => Buffer.from(a.payload).equals(FORGED_AD.subarray(6))),
    }
}

describe("a hostile host at the token's one door", () => {
    // Near real time: the token's 30-second button window must outlast the forged press on a loaded machine.
    const clock = SimClock.startingAt(Date.UTC(2026, 5, 3, 10), 2)
    const cleanup = new Cleanup()
    let vm: TokenVm
    let tokenId: string

    beforeAll(async () => {
        vm = cleanup.add(await TokenVm.start({ clock, dir: cleanup.tempDir("gaen-hostile-") }), v => v.stop())
        const sync = await TokenSyncClient.find(vm.bus)
        await setTokenClock(clock, sync)
        tokenId = (await sync.status()).tokenId
        // The token stores its first key and goes on air once its clock is set: let it finish its own
        // flash work first, so that only the host's could change the file.
        expect(await waitUntil(async () => (await sync.status()).keysHeld >= 1 && vm.aired.length > 0, 30_000)).toBe(true)
    })
    afterAll(() => cleanup.run())

    const flashFile = () => readFileSync(join(vm.dir, "flash.bin"))

    async function expectEveryAttackFails(conn: TokenConnection) {
        const before = flashFile()
        const seen = await attack(conn, vm)
        expect(seen).toMatchObject({ flashRead: false, flashProgram: false, flashErase: false, settingsRead: false, deployAnswered: false, airedForged: false })
        expect(seen.exportState).toBe("waiting-for-button")
        expect(seen.status).toMatchObject({ state: "active", tokenId })
        expect(flashFile().equals(before)).toBe(true)
    }

    test("over the simulator's TCP bus", async () => {
        const conn = cleanup.add(await connectToToken(`tcp://127.0.0.1:${vm.hubPort}`), c => c.close())
        await expectEveryAttackFails(conn)
    })

    test("over the USB serial bridge", async () => {
        const bridge = cleanup.add(await startSerialBridge({ hubPort: vm.hubPort }), b => b.close())
        const conn = cleanup.add(await connectToToken(`serial:${bridge.hostPath}`), c => c.close())
        await expectEveryAttackFails(conn)
    })

    test("after a power cycle the token is still itself: same id, same program, settings untouched", async () => {
        expect(existsSync(join(vm.dir, "flash.bin"))).toBe(true)
        const dir = vm.dir
        await vm.stop()
        vm = cleanup.add(await TokenVm.start({ clock, dir }), v => v.stop())
        const status = await (await TokenSyncClient.find(vm.bus)).status()
        expect(status.tokenId).toBe(tokenId)
    })
})
