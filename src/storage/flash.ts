// The one abstraction everything in src/storage is written against: a region of (encrypted) NOR
// flash with the write rules of the flash service (services/flash.md, docs/storage.md).
// Implementations: FlashClient (the Jacdac "NOR Flash" service: the native server on ESP32,
// sim/hardware/flash-server.ts in the simulator) and RamNorFlash (in the VM, for tests).
import * as ds from "@devicescript/core"
import { YIELD_EVERY } from "./layout"

export interface FlashGeometry {
    /** Erase sector size, bytes. */
    sectorSize: number
    sectorCount: number
    /** Largest efficient read/program; longer requests are allowed and split by the implementation. */
    maxTransfer: number
    /** Write unit: programs cover whole rows, destroy and rowStates count rows (32). */
    rowSize: number
}

/**
 * Rows as readRows gives them: one RowState byte per row, and the rows' bytes as read gives them, in
 * pieces as they came (no large buffer: a crowd leaves the heap in small pieces): row i is in
 * pieces[i / rowsPerPiece] from byte pieceHeader + (i % rowsPerPiece) × row size (rowBytes finds it).
 */
export interface RowsRead {
    states: Buffer
    pieces: Buffer[]
    rowsPerPiece: number
    pieceHeader: number
}

/** Where row `i` of `run` is: its piece, and the row's first byte in it. */
export function rowBytes(run: RowsRead, i: number, rowSize: number): { piece: Buffer; at: number } {
    return { piece: run.pieces[Math.idiv(i, run.rowsPerPiece)], at: run.pieceHeader + (i % run.rowsPerPiece) * rowSize }
}

/** The raw state of a row (rowStates), the only trustworthy way to tell emptiness on encrypted flash. */
export const enum RowState {
    /** Raw all 0xFF: never written since the sector's erase. Reads as noise through decryption. */
    Erased = 0,
    /** Raw all 0x00: destroyed (destroy). Reads as noise through decryption. */
    Destroyed = 1,
    /** Anything else: data, or a program or destroy cut by a power loss (then its check fails). */
    Written = 2,
}

/**
 * Flash with encrypted-flash rules: `program` writes whole rows, row-aligned, only into erased
 * rows (refused otherwise, flash unchanged); `destroy` zeros rows raw whatever their state; erase
 * sets a whole sector erased. Every method throws on failure (refused, out of range, hardware
 * error, power cut).
 */
export interface Flash {
    geometry(): Promise<FlashGeometry>
    read(offset: number, length: number): Promise<Buffer>
    program(offset: number, data: Buffer): Promise<void>
    eraseSector(sector: number): Promise<void>
    /** Raw zeros over `rows` rows from row-aligned `offset` (idempotent). */
    destroy(offset: number, rows: number): Promise<void>
    /** The RowState of `rows` rows from row-aligned `offset`, one byte per row. */
    rowStates(offset: number, rows: number): Promise<Buffer>
    /** rowStates and read of `rows` rows (1 … 128) from row-aligned `offset` together: over the flash
     *  service one command (read_rows), where the two apart cost one command per 7 rows. */
    readRows(offset: number, rows: number): Promise<RowsRead>
}

/** A contiguous run of sectors owned by one store (the log, the key store, the secrets). */
export interface FlashRegion {
    firstSector: number
    sectorCount: number
}

/** Result of erasing a region and reading it back (the "proof of erasure" of a wipe). */
export interface WipeReport {
    sectorsErased: number
    bytesChecked: number
    /** Bytes in rows whose raw state is not erased; 0 means the region is provably blank. */
    bytesNotErased: number
}

/** The row states of a whole sector (one byte per row), in as few requests as rowStates allows. */
export async function sectorRowStates(flash: Flash, sector: number) {
    const g = await flash.geometry()
    return await flash.rowStates(sector * g.sectorSize, Math.idiv(g.sectorSize, g.rowSize))
}

/** Counts the bytes of a sector in rows that are not raw-erased (the wipe's read-back). */
export async function countNotErased(flash: Flash, sector: number) {
    const g = await flash.geometry()
    const states = await sectorRowStates(flash, sector)
    let rows = 0
    for (let i = 0; i < states.length; ++i) if (states[i] !== RowState.Erased) rows++
    return rows * g.rowSize
}

/** Erases every sector of the region, then reads every row's raw state back to prove it is erased. */
export async function wipeRegion(flash: Flash, region: FlashRegion): Promise<WipeReport> {
    const g = await flash.geometry()
    for (let i = 0; i < region.sectorCount; ++i) {
        await flash.eraseSector(region.firstSector + i)
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await ds.sleep(0)
    }
    let bytesNotErased = 0
    for (let i = 0; i < region.sectorCount; ++i) {
        bytesNotErased += await countNotErased(flash, region.firstSector + i)
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await ds.sleep(0)
    }
    return {
        sectorsErased: region.sectorCount,
        bytesChecked: region.sectorCount * g.sectorSize,
        bytesNotErased,
    }
}
