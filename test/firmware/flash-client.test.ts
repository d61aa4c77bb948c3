// FlashClient over real Jacdac packets, against a NOR Flash server inside the VM.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { startServer } from "@devicescript/server"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { FlashClient } from "../../src/storage/flash-client"
import { ContactLog, LOG_START } from "../../src/storage/contact-log"
import { VmFlashServer } from "./helpers/vm-flash-server"
import { T0, recordIndex, testRecord } from "./helpers/fixtures"

const ram = new RamNorFlash({ sectorSize: 512, sectorCount: 4 })
const role = startServer(new VmFlashServer(ram))
const client = new FlashClient(new ds.NorFlash(role))

describe("flash client", () => {
    test("reads the geometry and does NOR reads, programs (split by max transfer) and erases", async () => {
        const g = await client.geometry()
        expect(g.sectorSize).toBe(512)
        expect(g.sectorCount).toBe(4)
        expect(g.maxTransfer).toBe(224)
        const data = Buffer.alloc(300)
        for (let i = 0; i < 300; ++i) data[i] = i & 0xf0
        await client.program(100, data)
        await client.program(100, Buffer.from([0x0f]))
        const back = await client.read(99, 302)
        expect(back[0]).toBe(0xff)
        expect(back[1]).toBe(0)
        expect(back[1 + 255]).toBe(0xf0)
        expect(back[301]).toBe(0xff)
        await client.eraseSector(0)
        expect((await client.read(100, 4)).toString("hex")).toBe("ffffffff")
    })

    test("an out-of-range request throws instead of wrapping", async () => {
        let message = ""
        try {
            await client.read(4 * 512 - 1, 2)
        } catch (e) {
            message = (e as Error).message
        }
        expect(message.indexOf("out of range") >= 0).toBe(true)
    })

    test("the contact log works through the client", async () => {
        const log = await ContactLog.open(client, { firstSector: 0, sectorCount: 4 })
        await log.wipe()
        for (let i = 0; i < 20; ++i) await log.append(testRecord(i, T0 + i))
        const reopened = await ContactLog.open(client, { firstSector: 0, sectorCount: 4 })
        const c = await reopened.readChunk(LOG_START, 50)
        expect(c.count).toBe(20)
        expect(recordIndex(c.records, 19)).toBe(19)
    })
})
