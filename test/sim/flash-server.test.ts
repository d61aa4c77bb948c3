// The simulator's flash server (sim/hardware/flash-server.ts), in process: commands go through a
// jacdac-ts bus with no transport (the bus loops frames back to its own servers), as the token's
// VM would send them; persistence and power cuts are checked on the backing file.
import { afterEach, beforeEach, describe, expect, test } from "vitest"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { tmpdir } from "node:os"
import jd, { type Packet } from "../../lib/jacdac/jacdac-ts.js"
import { NorFlashCmd, NorFlashCmdPack, NorFlashReg } from "../../lib/jacdac/service-specs.js"
import { FlashServer, FlashStatus, type PowerCutInfo } from "../../sim/hardware/flash-server.js"

const SECTOR = 256
const SECTORS = 8

let dir: string
let servers: FlashServer[] = []
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "flash-server-"))
})
afterEach(() => {
    for (const s of servers) s.close()
    servers = []
    rmSync(dir, { recursive: true, force: true })
})

function newServer(file = join(dir, "token.flash")) {
    const server = new FlashServer({ file, sectorSize: SECTOR, sectorCount: SECTORS })
    servers.push(server)
    return server
}

/** A bus holding the server, and a way to send it commands and await the report with our tag. */
function onBus(server: FlashServer) {
    const bus = new jd.JDBus([], { client: false, disableRoleManager: true })
    const provider = new jd.JDServerServiceProvider("test-flash", [server])
    bus.addServiceProvider(provider)
    let tag = 100
    async function command(cmd: number, fmt: string, values: unknown[]): Promise<{ status: number; rest: Uint8Array }> {
        const myTag = ++tag
        const pkt = jd.Packet.jdpacked(cmd, fmt, [myTag, ...values] as any)
        pkt.serviceIndex = server.serviceIndex
        pkt.deviceIdentifier = provider.deviceId
        pkt.isCommand = true
        const reply = new Promise<{ status: number; rest: Uint8Array }>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("no report")), 1000)
            const off = bus.subscribe(jd.PACKET_PROCESS, (p: Packet) => {
                if (p.isCommand || p.serviceCommand !== cmd || p.deviceIdentifier !== provider.deviceId) return
                // Every report starts as a read's does; the others carry no data, so `rest` is empty.
                const [t, status, , , rest] = p.jdunpack<[number, number, number, number, Uint8Array]>(NorFlashCmdPack.ReadReport)
                if (t !== myTag) return
                clearTimeout(timer)
                off()
                resolve({ status, rest })
            })
        })
        await bus.sendPacketAsync(pkt)
        return reply
    }
    return {
        bus,
        read: (offset: number, length: number) => command(NorFlashCmd.Read, NorFlashCmdPack.Read, [length, offset]),
        program: (offset: number, data: Uint8Array) => command(NorFlashCmd.Program, NorFlashCmdPack.Program, [0, offset, data]),
        erase: (sector: number) => command(NorFlashCmd.EraseSector, NorFlashCmdPack.EraseSector, [0, sector]),
        stop: () => bus.stop(),
    }
}

describe("flash server", () => {
    test("creates its file all 0xFF at the configured geometry and reports the geometry", () => {
        const server = newServer()
        const file = readFileSync(server.file)
        expect(file.length).toBe(SECTOR * SECTORS)
        expect(file.every(b => b === 0xff)).toBe(true)
        const reg = (code: NorFlashReg) => server.register(code)!.values()[0]
        expect([reg(NorFlashReg.SectorSize), reg(NorFlashReg.SectorCount), reg(NorFlashReg.MaxTransfer)]).toEqual([SECTOR, SECTORS, 224])
    })

    test("NOR semantics over the bus: program only clears bits, erase sets a sector to 0xFF", async () => {
        const flash = onBus(newServer())
        expect((await flash.program(300, Uint8Array.from([0x0f, 0xf0, 0xaa]))).status).toBe(FlashStatus.Ok)
        // Programming 1 bits over 0 bits changes nothing: 0x0f & 0xf0 = 0x00, etc.
        expect((await flash.program(300, Uint8Array.from([0xf0, 0xff, 0x0f]))).status).toBe(FlashStatus.Ok)
        let r = await flash.read(299, 5)
        expect(r.status).toBe(FlashStatus.Ok)
        expect([...r.rest]).toEqual([0xff, 0x00, 0xf0, 0x0a, 0xff])
        // Erasing sector 1 (bytes 256..511) restores it, and leaves sector 0 alone.
        await flash.program(10, Uint8Array.from([0x12]))
        expect((await flash.erase(1)).status).toBe(FlashStatus.Ok)
        r = await flash.read(256, 224)
        expect(r.rest.every(b => b === 0xff)).toBe(true)
        expect([...(await flash.read(10, 1)).rest]).toEqual([0x12])
        flash.stop()
    })

    test("out-of-range and oversized requests fail with a status and change nothing", async () => {
        const server = newServer()
        const flash = onBus(server)
        expect((await flash.read(SECTOR * SECTORS - 2, 3)).status).toBe(FlashStatus.OutOfRange)
        expect((await flash.read(0, 225)).status).toBe(FlashStatus.TooLong)
        expect((await flash.program(SECTOR * SECTORS, Uint8Array.from([0]))).status).toBe(FlashStatus.OutOfRange)
        expect((await flash.erase(SECTORS)).status).toBe(FlashStatus.OutOfRange)
        const r = await flash.read(SECTOR * SECTORS - 2, 2)
        expect(r.status).toBe(FlashStatus.Ok)
        expect(r.rest.length).toBe(2)
        expect(readFileSync(server.file).every(b => b === 0xff)).toBe(true)
        flash.stop()
    })

    test("content persists when the server is created again on the same file", async () => {
        const first = newServer()
        first.program(1000, Uint8Array.from([1, 2, 3]))
        first.close()
        const again = newServer(first.file)
        expect([...again.read(999, 5)]).toEqual([0xff, 1, 2, 3, 0xff])
        expect(() => new FlashServer({ file: first.file, sectorSize: SECTOR, sectorCount: SECTORS * 2 })).toThrow(/geometry/)
    })

    test("a power cut inside a program keeps the prefix, persists it and calls back", async () => {
        const server = newServer()
        const flash = onBus(server)
        const cuts: PowerCutInfo[] = []
        server.armPowerCut(5, cut => cuts.push(cut))
        const data = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        expect((await flash.program(20, data)).status).toBe(FlashStatus.PowerLost)
        await new Promise(r => setImmediate(r))
        expect(cuts).toEqual([{ operation: "program", offset: 20, bytesDone: 5 }])
        const file = readFileSync(server.file)
        expect([...file.subarray(20, 25)]).toEqual([0, 1, 2, 3, 4])
        expect(file[25] & 5).toBe(5) // byte 5 (0x05 wanted): its 0 bits may be cleared, its 1 bits remain
        expect([...file.subarray(26, 30)]).toEqual([0xff, 0xff, 0xff, 0xff])
        // Until power comes back every command says so.
        expect((await flash.read(0, 4)).status).toBe(FlashStatus.PowerLost)
        server.restorePower()
        expect((await flash.read(20, 5)).status).toBe(FlashStatus.Ok)
        flash.stop()
    })

    test("a power cut inside an erase leaves the sector part-erased, persisted", async () => {
        const server = newServer()
        server.program(SECTOR * 2, new Uint8Array(SECTOR)) // sector 2 all 0x00
        let cut: PowerCutInfo | undefined
        // Work counts the erase as SECTOR bytes: cut half way through it.
        server.armPowerCut(SECTOR / 2, c => (cut = c))
        expect(() => server.eraseSector(2)).toThrow(/power cut/)
        await new Promise(r => setImmediate(r))
        expect(cut).toEqual({ operation: "erase", offset: SECTOR * 2, bytesDone: SECTOR / 2 })
        const sector = readFileSync(server.file).subarray(SECTOR * 2, SECTOR * 3)
        let ones = 0
        for (const b of sector) for (let bit = 0; bit < 8; ++bit) ones += (b >> bit) & 1
        // About half the bits are back to 1: neither untouched nor erased.
        expect(ones).toBeGreaterThan(SECTOR * 8 * 0.35)
        expect(ones).toBeLessThan(SECTOR * 8 * 0.65)
        // The partial state survives a restart of the simulator.
        server.close()
        const again = newServer(server.file)
        expect([...again.read(SECTOR * 2, SECTOR)]).toEqual([...sector])
        again.eraseSector(2)
        expect(again.read(SECTOR * 2, SECTOR).every(b => b === 0xff)).toBe(true)
    })

    test("the cut point counts bytes across operations: erases count a sector, programs their length", () => {
        const server = newServer()
        server.armPowerCut(SECTOR + 3)
        server.eraseSector(0) // SECTOR bytes of work, no cut yet
        server.program(0, Uint8Array.from([0, 0, 0])) // 3 more
        expect(server.isPowerOff()).toBe(false)
        expect(() => server.program(3, Uint8Array.from([0]))).toThrow(/power cut/)
        expect(server.isPowerOff()).toBe(true)
        expect(statSync(server.file).size).toBe(SECTOR * SECTORS)
    })

    test("stuck bytes (worn-out cells, set by the harness) stay 0x00 through erases and programs; their neighbours work", async () => {
        const server = newServer()
        const flash = onBus(server)
        server.stickBytes(SECTOR + 10, 3)
        expect((await flash.erase(1)).status).toBe(FlashStatus.Ok)
        expect((await flash.program(SECTOR + 8, Uint8Array.from([0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0]))).status).toBe(FlashStatus.Ok)
        expect([...(await flash.read(SECTOR + 8, 7)).rest]).toEqual([0xf0, 0xf0, 0, 0, 0, 0xf0, 0xf0])
        expect((await flash.erase(1)).status).toBe(FlashStatus.Ok)
        const sector = (await flash.read(SECTOR, 224)).rest
        expect([...sector.subarray(8, 15)]).toEqual([0xff, 0xff, 0, 0, 0, 0xff, 0xff])
        expect(sector.filter(b => b !== 0xff).length).toBe(3)
        expect(() => server.stickBytes(SECTOR * SECTORS - 1, 2)).toThrow(/out of range/)
        flash.stop()
    })
})
