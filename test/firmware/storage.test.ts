// The token's whole flash: key store and contact log side by side, and the decommissioning wipe.
import { describe, test, expect } from "@devicescript/test"
import { RamNorFlash } from "../../src/storage/ram-flash"
import { openStorage, storageRegions, wipeStorage } from "../../src/storage/storage"
import { LOG_START } from "../../src/storage/contact-log"
import { T0, testRecord } from "./helpers/fixtures"

function tek() {
    const b = Buffer.alloc(16)
    b.fillAt(0, 16, 7)
    return b
}

const SECTOR = 512
const SECTORS = 8

describe("storage", () => {
    test("keys and log live in separate sectors and both survive a reboot", async () => {
        expect(storageRegions(256).log.sectorCount).toBe(254)
        const flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS })
        let s = await openStorage(flash)
        await s.keys.add(tek(), 2848608)
        for (let i = 0; i < 30; ++i) await s.log.append(testRecord(i, T0 + i))
        s = await openStorage(flash)
        expect(s.keys.keys().length).toBe(1)
        expect((await s.log.readChunk(LOG_START, 100)).count).toBe(30)
    })

    test("wipe erases every key and log sector and proves every byte reads 0xFF", async () => {
        const flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS })
        const s = await openStorage(flash)
        await s.keys.add(tek(), 2848608)
        for (let i = 0; i < 60; ++i) await s.log.append(testRecord(i, T0 + i))
        const proof = await wipeStorage(s)
        expect(proof.sectorsErased).toBe(SECTORS)
        expect(proof.bytesChecked).toBe(SECTORS * SECTOR)
        expect(proof.bytesNotErased).toBe(0)
        const all = await flash.read(0, SECTORS * SECTOR)
        let notErased = 0
        for (let i = 0; i < all.length; ++i) if (all[i] !== 0xff) notErased++
        expect(notErased).toBe(0)
    })
})
