// The simulator's flash server (sim/hardware/flash-server.ts), in process: commands go through a
// jacdac-ts bus with no transport (the bus loops frames back to its own servers), as the token's
// VM would send them; the chip's rules (whole rows, written once into erased rows, raw destroy and
// erase), its flash encryption and power cuts are checked on the backing file, which is what a flash
// dump of a board shows.
import { afterEach, beforeEach, describe, expect, test } from "vitest"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { tmpdir } from "node:os"
import jd, { type Packet } from "../../lib/jacdac/jacdac-ts.js"
import { NorFlashCmd, NorFlashCmdPack, NorFlashReg } from "../../lib/jacdac/service-specs.js"
import {
    FlashServer,
    FlashStatus,
    PARTS_PER_PASS,
    ROWS_PER_PART,
    ROW_SIZE,
    RowState,
    VmReceiveQueue,
    decryptFlash,
    type PowerCutInfo,
} from "../../sim/hardware/flash-server.js"

const SECTOR = 256
const SECTORS = 8
const ROWS = (SECTOR * SECTORS) / ROW_SIZE

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

const keyFile = () => join(dir, "efuse-key")
function newServer(options: { file?: string; plain?: boolean; damageSeed?: number } = {}) {
    const server = new FlashServer({
        file: options.file ?? join(dir, "token.flash"),
        sectorSize: SECTOR,
        sectorCount: SECTORS,
        damageSeed: options.damageSeed,
        encryption: options.plain ? "off" : { keyFile: keyFile() },
    })
    servers.push(server)
    return server
}

/** Rows of distinct, recognisable plaintext (never all 0xFF or all 0x00). */
function rowsOf(count: number, seed: number) {
    return Uint8Array.from({ length: count * ROW_SIZE }, (_, i) => (seed * 37 + i * 11 + 1) & 0xff || 0x5a)
}
const fileBytes = (server: FlashServer) => new Uint8Array(readFileSync(server.file))
const isNoise = (b: Uint8Array) => !b.every(x => x === 0xff) && !b.every(x => x === 0x00)
/** Where `needle` occurs in `haystack`, or -1. */
const find = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).indexOf(Buffer.from(needle))

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
            const timer = setTimeout(() => reject(new Error("no report")), 5000)
            const off = bus.subscribe(jd.PACKET_PROCESS, (p: Packet) => {
                if (p.isCommand || p.serviceCommand !== cmd || p.deviceIdentifier !== provider.deviceId) return
                // Every report starts as a read's does; only read and row_states carry data after it.
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
        read: (offset: number, length: number) => command(NorFlashCmd.Read, NorFlashCmdPack.Read, [length, offset]),
        program: (offset: number, data: Uint8Array) => command(NorFlashCmd.Program, NorFlashCmdPack.Program, [0, offset, data]),
        erase: (sector: number) => command(NorFlashCmd.EraseSector, NorFlashCmdPack.EraseSector, [0, sector]),
        destroy: (offset: number, rows: number) => command(NorFlashCmd.Destroy, NorFlashCmdPack.Destroy, [rows, offset]),
        rowStates: (offset: number, rows: number) => command(NorFlashCmd.RowStates, NorFlashCmdPack.RowStates, [rows, offset]),
        /** read_rows: every report with this request's tag, as they came (status, part, states, data). */
        readRows: async (offset: number, rows: number, settleMs = 300) => {
            const myTag = ++tag
            const pkt = jd.Packet.jdpacked(NorFlashCmd.ReadRows, NorFlashCmdPack.ReadRows, [myTag, rows, offset])
            pkt.serviceIndex = server.serviceIndex
            pkt.deviceIdentifier = provider.deviceId
            pkt.isCommand = true
            const parts: { status: number; part: number; states: number; data: Uint8Array }[] = []
            const off = bus.subscribe(jd.PACKET_PROCESS, (p: Packet) => {
                if (p.isCommand || p.serviceCommand !== NorFlashCmd.ReadRows || p.deviceIdentifier !== provider.deviceId) return
                const [t, status, part, states, data] = p.jdunpack<[number, number, number, number, Uint8Array]>(NorFlashCmdPack.ReadRowsReport)
                if (t === myTag) parts.push({ status, part, states, data })
            })
            await bus.sendPacketAsync(pkt)
            // The parts come within a few turns of the event loop; wait until none has come for a while.
            for (let seen = -1; seen !== parts.length;) {
                seen = parts.length
                await new Promise(r => setTimeout(r, settleMs))
            }
            off()
            return parts
        },
        stop: () => bus.stop(),
    }
}

/** Unpacks row_states' 2-bit states. */
const states = (packed: Uint8Array, rows: number) => Array.from({ length: rows }, (_, i) => (packed[i >> 2] >> (2 * (i & 3))) & 3)

describe("flash server: the chip's rules", () => {
    test("creates its file all 0xFF, its chip key beside it, and reports geometry, row size and encryption", () => {
        const server = newServer()
        expect(fileBytes(server).length).toBe(SECTOR * SECTORS)
        expect(fileBytes(server).every(b => b === 0xff)).toBe(true)
        expect(statSync(keyFile()).size).toBe(32)
        const reg = (s: FlashServer, code: NorFlashReg) => s.register(code)!.values()[0]
        expect(
            [NorFlashReg.SectorSize, NorFlashReg.SectorCount, NorFlashReg.MaxTransfer, NorFlashReg.RowSize, NorFlashReg.Encrypted].map(r => reg(server, r))
        ).toEqual([SECTOR, SECTORS, 224, 32, 1])
        const plain = newServer({ file: join(dir, "plain.flash"), plain: true })
        expect(reg(plain, NorFlashReg.Encrypted)).toBe(0)
    })

    test("programs whole rows into erased rows and reads them back; the flash file holds none of the plaintext", async () => {
        const server = newServer()
        const flash = onBus(server)
        const data = rowsOf(7, 1)
        expect((await flash.program(SECTOR + 2 * ROW_SIZE, data)).status).toBe(FlashStatus.Ok)
        const r = await flash.read(SECTOR + 2 * ROW_SIZE + 5, 200) // any offset and length: decrypted
        expect(r.status).toBe(FlashStatus.Ok)
        expect([...r.rest]).toEqual([...data.subarray(5, 205)])
        // The dump: no row, no 8-byte piece of the plaintext anywhere in it...
        const dump = fileBytes(server)
        for (let at = 0; at + 8 <= data.length; at += 8) expect(find(dump, data.subarray(at, at + 8)), `plaintext bytes ${at}..${at + 8}`).toBe(-1)
        // ...and the chip's key (never in the dump) turns it back into the plaintext.
        const key = new Uint8Array(readFileSync(keyFile()))
        expect(find(dump, key.subarray(0, 8))).toBe(-1)
        expect([...decryptFlash(key, SECTOR + 2 * ROW_SIZE, dump.subarray(SECTOR + 2 * ROW_SIZE, SECTOR + 9 * ROW_SIZE))]).toEqual([...data])
        // The same row at another address is other ciphertext (the tweak is the row's offset).
        await flash.program(0, data.subarray(0, ROW_SIZE))
        expect(Buffer.from(fileBytes(server).subarray(0, ROW_SIZE)).equals(Buffer.from(dump.subarray(SECTOR + 2 * ROW_SIZE, SECTOR + 3 * ROW_SIZE)))).toBe(
            false
        )
        flash.stop()
    })

    test("refuses an unaligned offset, a partial row, an empty program, a second program of a written row and one into a destroyed row; nothing changes", async () => {
        const server = newServer()
        const flash = onBus(server)
        const row = rowsOf(1, 2)
        expect((await flash.program(ROW_SIZE, row)).status).toBe(FlashStatus.Ok)
        expect((await flash.destroy(3 * ROW_SIZE, 1)).status).toBe(FlashStatus.Ok)
        const before = fileBytes(server)
        const refused: [number, Uint8Array, FlashStatus][] = [
            [ROW_SIZE * 4 + 1, rowsOf(1, 3), FlashStatus.Unaligned], // offset inside a row
            [ROW_SIZE * 4, rowsOf(1, 3).subarray(0, 31), FlashStatus.Unaligned], // a partial row
            [ROW_SIZE * 4, rowsOf(2, 3).subarray(0, 48), FlashStatus.Unaligned], // a row and a half
            [ROW_SIZE * 4, new Uint8Array(0), FlashStatus.Unaligned], // nothing
            [ROW_SIZE, row, FlashStatus.NotErased], // the same data again: no AND programming
            [ROW_SIZE, new Uint8Array(ROW_SIZE), FlashStatus.NotErased],
            [0, rowsOf(2, 4), FlashStatus.NotErased], // an erased row, then the written one
            [3 * ROW_SIZE, rowsOf(1, 5), FlashStatus.NotErased], // a destroyed row
            [SECTOR * SECTORS, rowsOf(1, 5), FlashStatus.OutOfRange],
            [SECTOR * SECTORS - ROW_SIZE + 1, rowsOf(1, 5), FlashStatus.OutOfRange], // out of range before unaligned
            [0, rowsOf(8, 5).subarray(0, 228), FlashStatus.TooLong], // > max_transfer (too_long comes first)
        ]
        for (const [offset, data, status] of refused) expect((await flash.program(offset, data)).status, `${data.length} bytes at ${offset}`).toBe(status)
        expect(Buffer.from(fileBytes(server)).equals(Buffer.from(before))).toBe(true)
        expect([...(await flash.read(ROW_SIZE, ROW_SIZE)).rest]).toEqual([...row])
        expect(() => server.program(ROW_SIZE, row)).toThrow(/row at 32 is written, not erased/)
        expect(() => server.program(3, row)).toThrow(/whole 32-byte rows/)
        flash.stop()
    })

    test("destroy writes raw zeros over any rows (reads then are noise); row_states tells erased, destroyed and written", async () => {
        const server = newServer()
        const flash = onBus(server)
        await flash.program(0, rowsOf(3, 6))
        expect((await flash.destroy(ROW_SIZE, 3)).status).toBe(FlashStatus.Ok) // a written row, a written row, an erased row
        expect((await flash.destroy(ROW_SIZE, 3)).status).toBe(FlashStatus.Ok) // idempotent
        const dump = fileBytes(server)
        expect(dump.subarray(ROW_SIZE, 4 * ROW_SIZE).every(b => b === 0)).toBe(true)
        const read = await flash.read(ROW_SIZE, 3 * ROW_SIZE)
        for (let i = 0; i < 3; ++i) expect(isNoise(read.rest.subarray(i * ROW_SIZE, (i + 1) * ROW_SIZE)), `destroyed row ${i}`).toBe(true)
        expect(isNoise((await flash.read(5 * ROW_SIZE, ROW_SIZE)).rest)).toBe(true) // erased, read through decryption
        const r = await flash.rowStates(0, 6)
        expect(r.status).toBe(FlashStatus.Ok)
        expect(r.rest.length).toBe(2)
        expect(states(r.rest, 6)).toEqual([RowState.Written, RowState.Destroyed, RowState.Destroyed, RowState.Destroyed, RowState.Erased, RowState.Erased])
        expect(r.rest[1] >> 4).toBe(0) // the unused bits of the last byte
        const all = await flash.rowStates(0, 128 > ROWS ? ROWS : 128)
        expect(all.rest.length).toBe(ROWS / 4)
        // An erase makes the rows erased (and writable) again.
        expect((await flash.erase(0)).status).toBe(FlashStatus.Ok)
        expect(states((await flash.rowStates(0, 4)).rest, 4)).toEqual([0, 0, 0, 0])
        expect((await flash.program(ROW_SIZE, rowsOf(1, 7))).status).toBe(FlashStatus.Ok)
        flash.stop()
    })

    test("destroy and row_states refuse 0 or more than 128 rows, an unaligned offset and rows beyond the region", async () => {
        const server = new FlashServer({ file: join(dir, "big.flash"), sectorSize: 4096, sectorCount: 2, encryption: "off" })
        servers.push(server)
        const flash = onBus(server)
        await flash.program(0, rowsOf(1, 8))
        const before = fileBytes(server)
        for (const op of [flash.destroy, flash.rowStates]) {
            expect((await op(0, 0)).status).toBe(FlashStatus.Unaligned)
            expect((await op(0, 129)).status).toBe(FlashStatus.Unaligned)
            expect((await op(16, 1)).status).toBe(FlashStatus.Unaligned)
            expect((await op(8192 - ROW_SIZE, 2)).status).toBe(FlashStatus.OutOfRange)
            expect((await op(8192, 1)).status).toBe(FlashStatus.OutOfRange)
            expect((await op(0xffffffe0, 1)).status).toBe(FlashStatus.OutOfRange)
        }
        const r = await flash.rowStates(0, 128)
        expect(r.rest.length).toBe(32)
        expect(states(r.rest, 128)).toEqual([RowState.Written, ...new Array(127).fill(RowState.Erased)])
        expect((await flash.rowStates(16, 1)).rest.length).toBe(0) // a refusal carries no states
        expect(Buffer.from(fileBytes(server)).equals(Buffer.from(before))).toBe(true)
        expect((await flash.destroy(4096, 128)).status).toBe(FlashStatus.Ok) // a whole sector at once
        expect(
            fileBytes(server)
                .subarray(4096)
                .every(b => b === 0)
        ).toBe(true)
        flash.stop()
    })

    test("a plain flash (encryption off) stores rows as given and reads erased rows as 0xFF", async () => {
        const server = newServer({ plain: true })
        const flash = onBus(server)
        const data = rowsOf(2, 9)
        await flash.program(2 * ROW_SIZE, data)
        expect([...fileBytes(server).subarray(2 * ROW_SIZE, 4 * ROW_SIZE)]).toEqual([...data])
        expect([...(await flash.read(4 * ROW_SIZE - 2, 4)).rest]).toEqual([data[62], data[63], 0xff, 0xff])
        expect(existsSync(keyFile())).toBe(false)
        flash.stop()
    })
})

describe("flash server: restarts and faults", () => {
    test("content and chip key persist when the server is created again on the same files (a power cycle)", () => {
        const first = newServer()
        const data = rowsOf(2, 10)
        first.program(1024, data)
        const key = readFileSync(keyFile())
        first.close()
        const again = newServer({ file: first.file })
        expect([...again.read(1024, 64)]).toEqual([...data])
        expect(readFileSync(keyFile()).equals(key)).toBe(true)
        expect(() => new FlashServer({ file: first.file, sectorSize: SECTOR, sectorCount: SECTORS * 2, encryption: { keyFile: keyFile() } })).toThrow(
            /geometry/
        )
    })

    test("a flash file whose chip key is gone, or a key kept in the flash file, is refused with a clear error", () => {
        const first = newServer()
        first.close()
        rmSync(keyFile())
        expect(() => newServer({ file: first.file })).toThrow(/exists but its chip key .*efuse-key does not/)
        const file = join(dir, "other.flash")
        expect(() => new FlashServer({ file, sectorSize: SECTOR, sectorCount: SECTORS, encryption: { keyFile: file } })).toThrow(
            /must not be kept in the flash file/
        )
    })

    test("a power cut inside a program: rows before the cut written, the row at it torn, later rows erased; persisted, with a callback", async () => {
        const server = newServer()
        const flash = onBus(server)
        const cuts: PowerCutInfo[] = []
        const data = rowsOf(4, 11)
        server.armPowerCut(2 * ROW_SIZE + 7, cut => cuts.push(cut))
        expect((await flash.program(SECTOR, data)).status).toBe(FlashStatus.PowerLost)
        await new Promise(r => setImmediate(r))
        expect(cuts).toEqual([{ operation: "program", offset: SECTOR, bytesDone: 2 * ROW_SIZE + 7 }])
        // Until power comes back every command says so.
        expect((await flash.read(0, 4)).status).toBe(FlashStatus.PowerLost)
        expect((await flash.rowStates(0, 1)).status).toBe(FlashStatus.PowerLost)
        server.restorePower()
        expect(states((await flash.rowStates(SECTOR, 4)).rest, 4)).toEqual([RowState.Written, RowState.Written, RowState.Written, RowState.Erased])
        expect([...(await flash.read(SECTOR, 2 * ROW_SIZE)).rest]).toEqual([...data.subarray(0, 2 * ROW_SIZE)])
        const torn = (await flash.read(SECTOR + 2 * ROW_SIZE, ROW_SIZE)).rest
        expect(Buffer.from(torn).equals(Buffer.from(data.subarray(2 * ROW_SIZE, 3 * ROW_SIZE)))).toBe(false) // noise
        const raw = fileBytes(server).subarray(SECTOR + 2 * ROW_SIZE, SECTOR + 3 * ROW_SIZE)
        expect(raw.subarray(8).every(b => b === 0xff)).toBe(true) // the rest of the torn row never written
        // A torn row is not erased: it cannot be programmed again until its sector is erased.
        expect((await flash.program(SECTOR + 2 * ROW_SIZE, data.subarray(0, ROW_SIZE))).status).toBe(FlashStatus.NotErased)
        flash.stop()
    })

    test("a power cut at every byte of a program leaves a torn row whose state is never erased past its first byte", () => {
        const data = rowsOf(2, 12)
        for (let cut = 0; cut < data.length; ++cut) {
            const server = newServer({ file: join(dir, `cut-${cut}.flash`), plain: true, damageSeed: cut })
            server.armPowerCut(cut)
            expect(() => server.program(0, data)).toThrow(/power cut during program/)
            server.restorePower()
            const raw = server.readRaw(0, 2 * ROW_SIZE)
            expect([...raw.subarray(0, cut)]).toEqual([...data.subarray(0, cut)])
            expect(raw.subarray(cut + 1).every(b => b === 0xff)).toBe(true)
            const row = Math.floor(cut / ROW_SIZE)
            if (cut % ROW_SIZE > 0) expect(server.rowStates(row * ROW_SIZE, 1)[0] & 3).toBe(RowState.Written)
            if (row === 0) expect(server.rowStates(ROW_SIZE, 1)[0] & 3).toBe(RowState.Erased)
            server.close()
        }
    })

    test("a power cut inside a destroy zeroes a prefix, partly zeroes the row at the cut and leaves later rows as they were", async () => {
        const server = newServer({ damageSeed: 3 })
        const data = rowsOf(3, 13)
        server.program(0, data)
        const before = fileBytes(server)
        server.armPowerCut(ROW_SIZE + 10)
        expect(() => server.destroy(0, 3)).toThrow(/power cut during destroy/)
        server.restorePower()
        const raw = fileBytes(server)
        expect(raw.subarray(0, ROW_SIZE + 10).every(b => b === 0)).toBe(true)
        expect(raw[ROW_SIZE + 10] & ~before[ROW_SIZE + 10]).toBe(0) // the byte at the cut only lost 1 bits
        expect([...raw.subarray(ROW_SIZE + 11, 3 * ROW_SIZE)]).toEqual([...before.subarray(ROW_SIZE + 11, 3 * ROW_SIZE)])
        expect(states(server.rowStates(0, 3), 3)).toEqual([RowState.Destroyed, RowState.Written, RowState.Written])
        expect([...server.read(2 * ROW_SIZE, ROW_SIZE)]).toEqual([...data.subarray(2 * ROW_SIZE)]) // untouched
        expect(Buffer.from(server.read(ROW_SIZE, ROW_SIZE)).equals(Buffer.from(data.subarray(ROW_SIZE, 2 * ROW_SIZE)))).toBe(false) // noise
    })

    test("a power cut inside an erase leaves the sector part-erased, persisted", async () => {
        const server = newServer({ plain: true })
        server.destroy(SECTOR * 2, SECTOR / ROW_SIZE) // sector 2 all 0x00
        let cut: PowerCutInfo | undefined
        // Work counts the erase as SECTOR bytes: cut half way through it.
        server.armPowerCut(SECTOR / 2, c => (cut = c))
        expect(() => server.eraseSector(2)).toThrow(/power cut/)
        await new Promise(r => setImmediate(r))
        expect(cut).toEqual({ operation: "erase", offset: SECTOR * 2, bytesDone: SECTOR / 2 })
        const sector = fileBytes(server).subarray(SECTOR * 2, SECTOR * 3)
        let ones = 0
        for (const b of sector) for (let bit = 0; bit < 8; ++bit) ones += (b >> bit) & 1
        // About half the bits are back to 1: neither untouched nor erased.
        expect(ones).toBeGreaterThan(SECTOR * 8 * 0.35)
        expect(ones).toBeLessThan(SECTOR * 8 * 0.65)
        // The partial state survives a restart of the simulator.
        server.close()
        const again = newServer({ file: server.file, plain: true })
        expect([...again.read(SECTOR * 2, SECTOR)]).toEqual([...sector])
        again.eraseSector(2)
        expect(again.read(SECTOR * 2, SECTOR).every(b => b === 0xff)).toBe(true)
    })

    test("the cut point counts bytes across operations: erases count a sector, programs and destroys their rows", () => {
        const server = newServer()
        server.armPowerCut(SECTOR + 2 * ROW_SIZE)
        server.eraseSector(0) // SECTOR bytes of work, no cut yet
        server.program(0, rowsOf(1, 14)) // one row more
        server.destroy(ROW_SIZE, 1) // and another
        expect(server.isPowerOff()).toBe(false)
        expect(() => server.program(2 * ROW_SIZE, rowsOf(1, 15))).toThrow(/power cut/)
        expect(server.isPowerOff()).toBe(true)
        expect(statSync(server.file).size).toBe(SECTOR * SECTORS)
    })

    test("stuck bytes (worn-out cells, set by the harness) stay 0x00 through erases and programs; their neighbours work", async () => {
        const server = newServer({ plain: true })
        const flash = onBus(server)
        server.stickBytes(SECTOR + 10, 3)
        expect((await flash.erase(1)).status).toBe(FlashStatus.Ok)
        expect(states((await flash.rowStates(SECTOR, 2)).rest, 2)).toEqual([RowState.Written, RowState.Erased])
        expect((await flash.program(SECTOR + ROW_SIZE, new Uint8Array(ROW_SIZE).fill(0xf0))).status).toBe(FlashStatus.Ok)
        expect((await flash.erase(1)).status).toBe(FlashStatus.Ok)
        const sector = (await flash.read(SECTOR, 224)).rest
        expect([...sector.subarray(8, 15)]).toEqual([0xff, 0xff, 0, 0, 0, 0xff, 0xff])
        expect(sector.filter(b => b !== 0xff).length).toBe(3)
        expect(() => server.stickBytes(SECTOR * SECTORS - 1, 2)).toThrow(/out of range/)
        flash.stop()
    })
})

describe("flash server: read_rows, a whole run of rows for one command", () => {
    test("a whole sector in 19 parts of 7 rows: each part's states and bytes are row_states' and read's", async () => {
        const server = new FlashServer({ file: join(dir, "big.flash"), sectorSize: 4096, sectorCount: 2, encryption: { keyFile: keyFile() } })
        servers.push(server)
        const flash = onBus(server)
        server.program(4096, rowsOf(40, 3))
        server.destroy(4096 + 5 * ROW_SIZE, 2)
        const parts = await flash.readRows(4096, 128)
        expect(parts.map(p => p.part)).toEqual(Array.from({ length: Math.ceil(128 / ROWS_PER_PART) }, (_, i) => i))
        const rowStates = states((await flash.rowStates(4096, 128)).rest, 128)
        for (const p of parts) {
            expect(p.status).toBe(FlashStatus.Ok)
            const first = p.part * ROWS_PER_PART
            const n = Math.min(ROWS_PER_PART, 128 - first)
            expect(p.data.length).toBe(n * ROW_SIZE)
            expect(Array.from({ length: n }, (_, j) => (p.states >> (2 * j)) & 3)).toEqual(rowStates.slice(first, first + n))
            expect(p.states >> (2 * n)).toBe(0)
            expect([...p.data]).toEqual([...(await flash.read(4096 + first * ROW_SIZE, n * ROW_SIZE)).rest])
        }
        expect(rowStates.slice(0, 8)).toEqual([
            RowState.Written,
            RowState.Written,
            RowState.Written,
            RowState.Written,
            RowState.Written,
            RowState.Destroyed,
            RowState.Destroyed,
            RowState.Written,
        ])
        // A run that ends inside a part: the last part holds only the rows asked for.
        const short = await flash.readRows(4096 + 3 * ROW_SIZE, 9)
        expect(short.map(p => p.data.length)).toEqual([7 * ROW_SIZE, 2 * ROW_SIZE])
        expect([...short[1].data]).toEqual([...rowsOf(40, 3).subarray(10 * ROW_SIZE, 12 * ROW_SIZE)])
        flash.stop()
    })

    test("refuses 0 or more than 128 rows, an unaligned offset, rows beyond the region, and after a power cut: one report, no rows", async () => {
        const server = new FlashServer({ file: join(dir, "big.flash"), sectorSize: 4096, sectorCount: 2, encryption: "off" })
        servers.push(server)
        const flash = onBus(server)
        const refusals: [number, number, FlashStatus][] = [
            [0, 0, FlashStatus.Unaligned],
            [0, 129, FlashStatus.Unaligned],
            [16, 1, FlashStatus.Unaligned],
            [8192 - ROW_SIZE, 2, FlashStatus.OutOfRange],
            [8192, 1, FlashStatus.OutOfRange],
            [0xffffffe0, 1, FlashStatus.OutOfRange],
        ]
        for (const [offset, rows, status] of refusals)
            expect(await flash.readRows(offset, rows, 50)).toEqual([{ status, part: 0, states: 0, data: new Uint8Array(0) }])
        server.armPowerCut(0)
        expect((await flash.program(0, rowsOf(1, 1))).status).toBe(FlashStatus.PowerLost)
        expect(await flash.readRows(0, 128, 50)).toEqual([{ status: FlashStatus.PowerLost, part: 0, states: 0, data: new Uint8Array(0) }])
        server.restorePower()
        expect((await flash.readRows(0, 128, 50)).length).toBe(19)
        flash.stop()
    })

    test("a part lost on the way (a full receive queue) is simply missing: the others come with their numbers", async () => {
        const server = newServer()
        const flash = onBus(server)
        server.losePart = (_tag, part) => part === 1
        const parts = await flash.readRows(0, 24)
        expect(parts.map(p => p.part)).toEqual([0, 2, 3])
        flash.stop()
    })

    test("the VM's receive queue (jacdac-c's 2048-byte ring): 7 parts always fit an empty queue, 9 never", () => {
        const partPayload = 6 + ROWS_PER_PART * ROW_SIZE
        expect(partPayload).toBeLessThanOrEqual(232) // one packet in one frame (236 bytes, 4 of them the packet's header)
        // Wherever the ring stands when the VM has emptied it.
        for (let lead = 0; lead < 2048 / 4; ++lead) {
            const queue = new VmReceiveQueue()
            for (let i = 0; i < lead; ++i) {
                queue.push(0) // a 16-byte frame: moves the ring on by 16 bytes
                queue.taken()
            }
            let fitted = 0
            while (fitted < 20 && queue.push(partPayload)) fitted++
            expect(fitted).toBeGreaterThanOrEqual(PARTS_PER_PASS)
            expect(fitted).toBeLessThanOrEqual(8)
        }
    })
})
