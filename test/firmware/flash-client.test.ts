// FlashClient over real Jacdac packets, against a NOR Flash server inside the VM that keeps the
// encrypted-flash rules (services/flash.md): whole rows into erased rows, destroy, row_states.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { startServer } from "@devicescript/server"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { FlashClient } from "../../src/storage/flash-client"
import { RowState, RowsRead, rowBytes } from "../../src/storage/flash"
import { ContactLog, LOG_START } from "../../src/storage/contact-log"
import { VmFlashServer } from "./helpers/vm-flash-server"
import { T0, recordIndex, testRecord } from "./helpers/fixtures"

const ram = new RamNorFlash({ sectorSize: 512, sectorCount: 4 })
const server = new VmFlashServer(ram)
const role = startServer(server)
const client = new FlashClient(new ds.NorFlash(role))

/** A read_rows answer's rows back to back. */
function bytesOf(run: RowsRead) {
    const out = Buffer.alloc(run.states.length * 32)
    for (let i = 0; i < run.states.length; ++i) {
        const where = rowBytes(run, i, 32)
        out.blitAt(i * 32, where.piece, where.at, 32)
    }
    return out
}

async function failureOf(f: () => Promise<void>) {
    try {
        await f()
    } catch (e) {
        return (e as Error).message
    }
    return ""
}

describe("flash client", () => {
    test("reads the geometry, programs whole rows (split by max transfer), reads and erases", async () => {
        const g = await client.geometry()
        expect(g.sectorSize).toBe(512)
        expect(g.sectorCount).toBe(4)
        expect(g.maxTransfer).toBe(224)
        expect(g.rowSize).toBe(32)
        const data = Buffer.alloc(320) // 10 rows: two program commands
        for (let i = 0; i < 320; ++i) data[i] = (i * 7) & 0xff
        await client.program(64, data)
        const back = await client.read(64, 320)
        expect(back.toString("hex")).toBe(data.toString("hex"))
        await client.eraseSector(0)
        const states = await client.rowStates(0, 16)
        for (let i = 0; i < 16; ++i) expect(states[i]).toBe(RowState.Erased)
    })

    test("a partial row, an unaligned row or a written row is refused, and flash is unchanged", async () => {
        await client.eraseSector(1)
        const row = Buffer.alloc(32)
        row.fillAt(0, 32, 0x3c)
        await client.program(512, row)
        expect(
            (
                await failureOf(async () => {
                    await client.program(512 + 32, Buffer.alloc(16))
                })
            ).indexOf("unaligned") >= 0
        ).toBe(true)
        expect(
            (
                await failureOf(async () => {
                    await client.program(512 + 40, row)
                })
            ).indexOf("unaligned") >= 0
        ).toBe(true)
        expect(
            (
                await failureOf(async () => {
                    await client.program(512, Buffer.alloc(32))
                })
            ).indexOf("not erased") >= 0
        ).toBe(true)
        expect((await client.read(512, 32)).toString("hex")).toBe(row.toString("hex"))
        const states = await client.rowStates(512, 3)
        expect(states[0]).toBe(RowState.Written)
        expect(states[1]).toBe(RowState.Erased)
        expect(states[2]).toBe(RowState.Erased)
    })

    test("destroy zeros rows whatever their state; row_states tells erased, destroyed and written apart", async () => {
        await client.eraseSector(2)
        const rows = Buffer.alloc(96)
        rows.fillAt(0, 96, 0x5a)
        await client.program(1024, rows)
        await client.destroy(1024 + 32, 2) // two of the three written rows
        await client.destroy(1024 + 4 * 32, 1) // an erased row
        await client.destroy(1024 + 4 * 32, 1) // again: idempotent
        const states = await client.rowStates(1024, 6)
        expect(states[0]).toBe(RowState.Written)
        expect(states[1]).toBe(RowState.Destroyed)
        expect(states[2]).toBe(RowState.Destroyed)
        expect(states[3]).toBe(RowState.Erased)
        expect(states[4]).toBe(RowState.Destroyed)
        expect(states[5]).toBe(RowState.Erased)
        expect((await ram.readRaw(1024 + 32, 64)).toString("hex")).toBe(Buffer.alloc(64).toString("hex"))
    })

    test("read_rows: a whole sector's states and bytes in one request, as row_states and read give them", async () => {
        await client.eraseSector(3)
        const rows = Buffer.alloc(5 * 32)
        for (let i = 0; i < rows.length; ++i) rows[i] = (i * 13 + 1) & 0xff
        await client.program(1536 + 2 * 32, rows)
        await client.destroy(1536 + 3 * 32, 1)
        const before = server.readRowsRequests
        const got = await client.readRows(1536, 16)
        expect(server.readRowsRequests - before).toBe(1)
        expect(got.states.toString("hex")).toBe((await client.rowStates(1536, 16)).toString("hex"))
        expect(bytesOf(got).toString("hex")).toBe((await client.read(1536, 16 * 32)).toString("hex"))
        expect(got.states[3]).toBe(RowState.Destroyed)
        expect(
            bytesOf(got)
                .slice(4 * 32, 7 * 32)
                .toString("hex")
        ).toBe(rows.slice(2 * 32).toString("hex"))
        // A run that is not a whole number of parts, and refusals by the service's rules.
        const short = await client.readRows(1536 + 2 * 32, 9)
        expect(bytesOf(short).length).toBe(9 * 32)
        expect(bytesOf(short).slice(0, 32).toString("hex")).toBe(rows.slice(0, 32).toString("hex"))
        expect(
            (
                await failureOf(async () => {
                    await client.readRows(1536 + 16, 1)
                })
            ).indexOf("unaligned") >= 0
        ).toBe(true)
        expect(
            (
                await failureOf(async () => {
                    await client.readRows(2048 - 32, 2)
                })
            ).indexOf("out of range") >= 0
        ).toBe(true)
    })

    test("read_rows: a part that does not come is asked for again; a late part of an earlier request is never taken", async () => {
        const expected = await client.read(1536, 16 * 32)
        const first = server.readRowsRequests + 1
        // Request 1: part 0 comes late (just before request 2's parts) with other bytes, part 1 is
        // lost; request 2 (parts 0 and 1): part 0 is lost, so the late part of request 1 comes while
        // part 0 is still wanted. Request 3 gets it.
        server.losePart = (tag, part) => (server.readRowsRequests === first && part === 1) || (server.readRowsRequests === first + 1 && part === 0)
        server.latePart = (tag, part) => server.readRowsRequests === first && part === 0
        const got = await client.readRows(1536, 16)
        server.losePart = undefined
        server.latePart = undefined
        expect(bytesOf(got).toString("hex")).toBe(expected.toString("hex"))
        expect(server.readRowsRequests - first + 1).toBe(3)
    })

    test("an out-of-range request throws instead of wrapping", async () => {
        expect(
            (
                await failureOf(async () => {
                    await client.read(4 * 512 - 1, 2)
                })
            ).indexOf("out of range") >= 0
        ).toBe(true)
    })

    test("the contact log works through the client", async () => {
        const refusedBefore = ram.stats.refused // the refusals the tests above asked for
        const log = await ContactLog.open(client, { firstSector: 0, sectorCount: 4 })
        await log.wipe()
        for (let i = 0; i < 20; ++i) await log.append(testRecord(i, T0 + i))
        const reopened = await ContactLog.open(client, { firstSector: 0, sectorCount: 4 })
        const c = await reopened.readChunk(LOG_START, 50)
        expect(c.count).toBe(20)
        expect(recordIndex(c.records, 19)).toBe(19)
        expect(reopened.stats().records).toBe(20)
        expect(ram.stats.refused).toBe(refusedBefore)
    })
})
