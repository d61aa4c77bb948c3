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

function filled(n: number, byte: number) {
    const b = Buffer.alloc(n)
    b.fillAt(0, n, byte)
    return b
}

const SECTOR = 512
const SECTORS = 8

describe("storage", () => {
    test("keys and log live in separate sectors and both survive a reboot", async () => {
        expect(storageRegions(256).log.sectorCount).toBe(253)
        const flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS })
        let s = await openStorage(flash)
        await s.keys.add(tek(), 2848608)
        for (let i = 0; i < 30; ++i) await s.log.append(testRecord(i, T0 + i))
        s = await openStorage(flash)
        expect(s.keys.keys().length).toBe(1)
        expect((await s.log.readChunk(LOG_START, 100)).count).toBe(30)
    })

    test("wipe erases every key, secrets and log sector and proves every row is erased", async () => {
        const flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS })
        const s = await openStorage(flash)
        await s.keys.add(tek(), 2848608)
        await s.secrets.create(Buffer.from("0123456789abcdef", "hex"), filled(32, 0x77))
        for (let i = 0; i < 60; ++i) await s.log.append(testRecord(i, T0 + i))
        const proof = await wipeStorage(s)
        expect(proof.sectorsErased).toBe(SECTORS)
        expect(proof.bytesChecked).toBe(SECTORS * SECTOR)
        expect(proof.bytesNotErased).toBe(0)
        // The chip's raw content (what a dump would show): nothing but 0xFF.
        const all = await flash.readRaw(0, SECTORS * SECTOR)
        let notErased = 0
        for (let i = 0; i < all.length; ++i) if (all[i] !== 0xff) notErased++
        expect(notErased).toBe(0)
        expect((await openStorage(flash)).secrets.linkKey()).toBe(undefined)
    })

    test("the token id and link key survive a reboot in the secrets sector, and a cut write of them leaves none", async () => {
        const flash = new RamNorFlash({ sectorSize: SECTOR, sectorCount: SECTORS, damageSeed: 5 })
        let s = await openStorage(flash)
        expect(s.secrets.linkKey()).toBe(undefined)
        const id = Buffer.from("0123456789abcdef", "hex")
        const key = Buffer.alloc(32)
        for (let i = 0; i < 32; ++i) key[i] = i * 7
        // Power fails in the middle of the 64-byte identity record: neither half may count.
        flash.armPowerCut(40)
        let cut = false
        try {
            await s.secrets.create(id, key)
        } catch {
            cut = flash.isPowerOff()
        }
        expect(cut).toBe(true)
        flash.reboot()
        s = await openStorage(flash)
        expect(s.secrets.linkKey()).toBe(undefined)
        await s.secrets.create(id, key)
        expect(s.secrets.wasHandedOut()).toBe(false)
        await s.secrets.markHandedOut()
        s = await openStorage(flash)
        expect(s.secrets.tokenId().toString("hex")).toBe("0123456789abcdef")
        expect(s.secrets.linkKey().toString("hex")).toBe(key.toString("hex"))
        expect(s.secrets.wasHandedOut()).toBe(true)
        expect(flash.stats.refused).toBe(0)
    })
})
