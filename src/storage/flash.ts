// The one abstraction everything in src/storage is written against: a NOR flash region.
// Implementations: FlashClient (the Jacdac "NOR Flash" service of services/flash.md: the native
// server on ESP32, sim/hardware/flash-server.ts in the simulator) and RamNorFlash (in the VM, for tests).
import * as ds from "@devicescript/core"
import { YIELD_EVERY } from "./layout"

export interface FlashGeometry {
    /** Erase sector size, bytes. */
    sectorSize: number
    sectorCount: number
    /** Largest efficient read/program; longer requests are allowed and split by the implementation. */
    maxTransfer: number
}

/**
 * NOR flash: program only turns bits from 1 to 0 (data is ANDed in), erase sets a whole sector to
 * 0xFF. Every method throws on failure (out of range, hardware error, power cut).
 */
export interface Flash {
    geometry(): Promise<FlashGeometry>
    read(offset: number, length: number): Promise<Buffer>
    program(offset: number, data: Buffer): Promise<void>
    eraseSector(sector: number): Promise<void>
}

/** A contiguous run of sectors owned by one store (the log, the key store). */
export interface FlashRegion {
    firstSector: number
    sectorCount: number
}

/** Result of erasing a region and reading every byte back (the "proof of erasure" of a wipe). */
export interface WipeReport {
    sectorsErased: number
    bytesChecked: number
    /** Bytes that did not read back as 0xFF; 0 means the region is provably blank. */
    bytesNotErased: number
}

/** True when `length` bytes of `buf` from `start` are all 0xFF. */
export function isErased(buf: Buffer, start: number, length: number) {
    for (let i = start; i < start + length; ++i) if (buf[i] !== 0xff) return false
    return true
}

/** Reads a whole sector back and counts the bytes that are not 0xFF. */
export async function countNotErased(flash: Flash, sector: number) {
    const g = await flash.geometry()
    const base = sector * g.sectorSize
    let bad = 0
    for (let off = 0; off < g.sectorSize; off += g.maxTransfer) {
        const n = Math.min(g.maxTransfer, g.sectorSize - off)
        const buf = await flash.read(base + off, n)
        for (let i = 0; i < n; ++i) if (buf[i] !== 0xff) bad++
        await ds.sleep(0)
    }
    return bad
}

/** Erases every sector of the region, then reads every byte back to prove it is 0xFF. */
export async function wipeRegion(flash: Flash, region: FlashRegion): Promise<WipeReport> {
    const g = await flash.geometry()
    for (let i = 0; i < region.sectorCount; ++i) {
        await flash.eraseSector(region.firstSector + i)
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await ds.sleep(0)
    }
    let bytesNotErased = 0
    for (let i = 0; i < region.sectorCount; ++i)
        bytesNotErased += await countNotErased(flash, region.firstSector + i)
    return {
        sectorsErased: region.sectorCount,
        bytesChecked: region.sectorCount * g.sectorSize,
        bytesNotErased,
    }
}
