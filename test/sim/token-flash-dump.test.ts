// A simulated token's flash as `esptool read_flash` would find it on a board with flash encryption
// (services/flash.md, "The simulator"): the token's flash file, read with no key, holds none of the
// plaintext the firmware programmed; the chip's eFuse key, kept in its own file in the token's
// folder (never in the flash file), decrypts it; a restart from the folder (a power cycle) keeps it.
import { afterEach, beforeEach, expect, test } from "vitest"
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { tmpdir } from "node:os"
import { ROW_SIZE, decryptFlash } from "../../sim/hardware/flash-server.js"
import { tokenFlash } from "../../sim/token/token-hardware.js"
import { tokenFlashFiles } from "../../sim/token/token-config.js"

const SECTOR = 4096
const config = (dir: string) => ({ dir, flash: { sectorSize: SECTOR, sectorCount: 4 }, flashDamageSeed: 1 })

let dir: string
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "token-flash-"))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Secrets as a token would write them: 16-byte keys and ids, each in a row of its own. */
function secretRows(count: number): Uint8Array[] {
    return Array.from({ length: count }, (_, i) => {
        const row = new Uint8Array(ROW_SIZE)
        for (let j = 0; j < ROW_SIZE; ++j) row[j] = (i * 97 + j * 13 + 7) & 0xff
        return row
    })
}

test("the token's flash file holds no plaintext it was given; its eFuse key file decrypts it; a restart keeps the key", () => {
    const secrets = secretRows(100)
    const flash = tokenFlash(config(dir))
    secrets.forEach((row, i) => flash.program(SECTOR + i * ROW_SIZE, row))
    flash.destroy(SECTOR + 10 * ROW_SIZE, 1) // an expired record: raw zeros
    flash.close()

    const files = tokenFlashFiles(dir)
    expect(readdirSync(dir).sort()).toEqual(["efuse-key", "flash.bin"])
    const dump = readFileSync(files.flash)
    const key = readFileSync(files.efuseKey)
    // No 8 bytes of any secret anywhere in the dump, and not the key either.
    for (const [i, row] of secrets.entries())
        for (let at = 0; at + 8 <= ROW_SIZE; at += 4) expect(dump.indexOf(Buffer.from(row.subarray(at, at + 8))), `secret ${i} bytes ${at}..`).toBe(-1)
    expect(dump.indexOf(key.subarray(0, 8))).toBe(-1)
    expect(dump.indexOf(key.subarray(16, 24))).toBe(-1)

    // With the chip's key the dump is the plaintext (and the destroyed row is noise, not a secret).
    const plain = decryptFlash(key, SECTOR, dump.subarray(SECTOR, SECTOR + secrets.length * ROW_SIZE))
    secrets.forEach((row, i) => {
        const got = Buffer.from(plain.subarray(i * ROW_SIZE, (i + 1) * ROW_SIZE))
        expect(got.equals(Buffer.from(row)), `row ${i}`).toBe(i !== 10)
    })
    expect(dump.subarray(SECTOR + 10 * ROW_SIZE, SECTOR + 11 * ROW_SIZE).every(b => b === 0)).toBe(true)

    // A power cycle: the same folder, the same chip key, the same plaintext through the service.
    const again = tokenFlash(config(dir))
    expect(Buffer.from(again.read(SECTOR + 5 * ROW_SIZE, ROW_SIZE)).equals(Buffer.from(secrets[5]))).toBe(true)
    expect(readFileSync(files.efuseKey).equals(key)).toBe(true)
    again.close()

    // Another token (another chip) has another key: its reads of this dump would be noise.
    const other = mkdtempSync(join(tmpdir(), "token-flash-other-"))
    try {
        tokenFlash(config(other)).close()
        expect(readFileSync(tokenFlashFiles(other).efuseKey).equals(key)).toBe(false)
    } finally {
        rmSync(other, { recursive: true, force: true })
    }
})
