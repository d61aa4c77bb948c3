// The one rule for what a power cut does to NOR flash (docs/storage.md, "Power cuts"), shared by the
// RAM flash of the VM's tests (src/storage/ram-flash.ts) and the simulator's flash server
// (sim/hardware/flash-server.ts); the native host port has it in C (native/esp32/port/host/
// flash_damage.c; the power-cut cases of native/esp32/conformance/nor-flash.json hold the two
// together). It lives in common/, which both the firmware and the host import and which imports nothing. Plain arithmetic only, no imports: the same source
// compiles with the DeviceScript compiler and runs in Node, and test/firmware/flash-damage.test.ts
// checks that the VM computes the very bytes the server does (test/sim/flash-damage.test.ts pins the server).
//
// The damage is a function of a seed, the byte's flash offset and the progress of the operation:
// no random numbers are drawn in sequence, so a cut is replayed exactly from its seed.

/** An interrupted erase is resolved in this many steps of progress (sixteenths of the sector). */
export const ERASE_STEPS = 16

/**
 * 32 pseudo-random bits for the byte at flash `offset` in the cut with seed `seed` (unsigned).
 * The mixing steps and constants are those of the "lowbias32" integer hash (Chris Wellons, hash
 * prospector), applied to the seed and the offset times the 32-bit golden ratio.
 */
export function damageBits(seed: number, offset: number): number {
    let x = (seed ^ Math.imul(offset + 1, 0x9e3779b9)) | 0
    x ^= x >>> 16
    x = Math.imul(x, 0x7feb352d)
    x ^= x >>> 15
    x = Math.imul(x, 0x846ca68b)
    x ^= x >>> 16
    return x >>> 0
}

/**
 * A program cut at the byte at `offset`, which held `current` and was being programmed with `want`:
 * of its 1→0 changes, those whose bit in the low byte of damageBits is 1 happen (about half).
 * The same rule serves a cut destroy (`want` 0: a raw write of zeros). Programs and destroys cover
 * whole rows in address order, so a cut leaves the rows before the cut byte written, the row at it
 * torn (its check value fails) and the rows after it as they were. On encrypted flash these are the
 * raw (ciphertext) bytes; the torn row then decrypts to noise.
 */
export function cutProgramByte(current: number, want: number, seed: number, offset: number): number {
    const clears = current & ~want & 0xff
    return current & ~(clears & damageBits(seed, offset)) & 0xff
}

/** How far an erase got when cut after `bytesDone` of its `sectorSize` bytes of work: 0..ERASE_STEPS-1. */
export function eraseStep(bytesDone: number, sectorSize: number): number {
    return Math.floor((bytesDone * ERASE_STEPS) / sectorSize)
}

/**
 * An erase cut at `step` (eraseStep) for the byte at `offset` holding `current`: bit b rises to 1
 * when nibble b of damageBits is below `step`, so each 0 bit rises with probability step/16 (an
 * erase raises all cells together: an interrupted one leaves weak bits everywhere, no clean prefix).
 */
export function cutEraseByte(current: number, seed: number, offset: number, step: number): number {
    if (current === 0xff) return current
    const d = damageBits(seed, offset)
    let raised = 0
    for (let bit = 0; bit < 8; ++bit) if (((d >>> (4 * bit)) & 15) < step) raised |= 1 << bit
    return (current | raised) & 0xff
}

/** The seed of cut number `cut` (0, 1, …) of a flash created with `damageSeed`: each cut differs. */
export function cutSeed(damageSeed: number, cut: number): number {
    return (damageSeed + Math.imul(cut, 0x6d2b79f5)) | 0
}
