// AES-128 encryption, written from FIPS-197 ("Advanced Encryption Standard", NIST, 2001), because
// DeviceScript's native crypto only offers AES-256-CCM. GAEN needs only the forward cipher: ECB of
// one block for the RPI and CTR mode for the AEM, so there is no decryption here.
//
// Byte-oriented and table-based: the S-box and "multiply by {02}" are 256-byte tables computed once
// at start-up from their definitions (no transcribed constants to get wrong). The state is a 16-byte
// Buffer in FIPS-197 column order: state[r + 4c] = in[r + 4c] (section 3.4).
//
// Cost: one block is a few thousand VM opcodes, and the VM raises InfiniteLoop after ~128K opcodes
// without a yield. The functions here are synchronous, so callers must keep to a few blocks per
// slice (ctr128 enforces that). Anything that encrypts many blocks must be async and yield.
import { requireBytes } from "./validate"

/** AES block size in bytes (Nb = 4 words). FIPS-197 section 3.1 */
export const AES_BLOCK_BYTES = 16
/** AES-128 key size in bytes (Nk = 4 words). FIPS-197 section 5 */
export const AES128_KEY_BYTES = 16
/** Number of rounds for AES-128 (Nr = 10). FIPS-197 Figure 4 */
const ROUNDS = 10
/** Expanded key: Nb * (Nr + 1) = 44 words = 176 bytes. FIPS-197 section 5.2 */
export const AES128_SCHEDULE_BYTES = AES_BLOCK_BYTES * (ROUNDS + 1)
/** Most blocks ctr128 encrypts in one synchronous call (keeps well inside one VM slice). */
export const CTR_MAX_SYNC_BLOCKS = 4

/** Multiplication by x ({02}) in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. FIPS-197 section 4.2.1 */
function xtime(b: number): number {
    return ((b << 1) ^ ((b & 0x80) !== 0 ? 0x1b : 0)) & 0xff
}

function rotateLeft8(b: number, n: number): number {
    return ((b << n) | (b >> (8 - n))) & 0xff
}

/** S-box (FIPS-197 section 5.1.1): multiplicative inverse in GF(2^8), then the affine map
 *  b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i with c = {63}; the four XORed bit
 *  rotations are exactly those index shifts. Inverses come from power/log tables of the generator
 *  {03} (x * {03} = x ^ xtime(x)). */
function buildSbox(): Buffer {
    const power = Buffer.alloc(256)
    const log = Buffer.alloc(256)
    let g = 1
    for (let i = 0; i < 255; i++) {
        power[i] = g
        log[g] = i
        g ^= xtime(g)
    }
    const sbox = Buffer.alloc(256)
    for (let x = 0; x < 256; x++) {
        const inverse = x === 0 ? 0 : power[(255 - log[x]) % 255]
        sbox[x] = inverse ^ rotateLeft8(inverse, 1) ^ rotateLeft8(inverse, 2) ^ rotateLeft8(inverse, 3) ^ rotateLeft8(inverse, 4) ^ 0x63
    }
    return sbox
}

function buildTimesTwo(): Buffer {
    const t = Buffer.alloc(256)
    for (let x = 0; x < 256; x++) t[x] = xtime(x)
    return t
}

/** ShiftRows (FIPS-197 section 5.1.2): s'[r][c] = s[r][(c + r) mod 4]. For each output position
 *  r + 4c, the input position it takes its byte from. */
function buildShiftRowsSource(): Buffer {
    const source = Buffer.alloc(16)
    for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) source[r + 4 * c] = r + 4 * ((c + r) % 4)
    return source
}

const SBOX = buildSbox()
const TIMES_TWO = buildTimesTwo()
const SHIFT_ROWS_SOURCE = buildShiftRowsSource()

/** The S-box value of one byte (exported for tests against FIPS-197 Figure 7). */
export function aesSubByte(b: number): number {
    return SBOX[b & 0xff]
}

/**
 * KeyExpansion (FIPS-197 section 5.2): the 16-byte key becomes 11 round keys, 176 bytes.
 * Compute this once per key (e.g. once per day per RPIK) and pass it to encryptBlock128.
 */
export function expandKey128(key: Buffer): Buffer {
    requireBytes(key, AES128_KEY_BYTES, "AES-128 key")
    const w = Buffer.alloc(AES128_SCHEDULE_BYTES)
    w.blitAt(0, key, 0, AES128_KEY_BYTES)
    let rcon = 0x01 // Rcon[i/Nk] = x^(i/Nk - 1), only its first byte is non-zero
    for (let at = AES128_KEY_BYTES; at < AES128_SCHEDULE_BYTES; at += 4) {
        // temp = w[i-1]
        let t0 = w[at - 4]
        let t1 = w[at - 3]
        let t2 = w[at - 2]
        let t3 = w[at - 1]
        if (at % AES128_KEY_BYTES === 0) {
            // temp = SubWord(RotWord(temp)) xor Rcon
            const first = t0
            t0 = SBOX[t1] ^ rcon
            t1 = SBOX[t2]
            t2 = SBOX[t3]
            t3 = SBOX[first]
            rcon = xtime(rcon)
        }
        // w[i] = w[i-Nk] xor temp
        w[at] = w[at - AES128_KEY_BYTES] ^ t0
        w[at + 1] = w[at - AES128_KEY_BYTES + 1] ^ t1
        w[at + 2] = w[at - AES128_KEY_BYTES + 2] ^ t2
        w[at + 3] = w[at - AES128_KEY_BYTES + 3] ^ t3
    }
    return w
}

/**
 * Cipher (FIPS-197 section 5.1): encrypts one 16-byte block with an expanded key from
 * expandKey128. Returns a new Buffer.
 */
export function encryptBlock128(schedule: Buffer, block: Buffer): Buffer {
    requireBytes(schedule, AES128_SCHEDULE_BYTES, "AES-128 key schedule")
    requireBytes(block, AES_BLOCK_BYTES, "AES block")
    const state = Buffer.alloc(AES_BLOCK_BYTES)
    const shifted = Buffer.alloc(AES_BLOCK_BYTES)
    // AddRoundKey(state, w[0..3])
    for (let i = 0; i < AES_BLOCK_BYTES; i++) state[i] = block[i] ^ schedule[i]
    for (let round = 1; round <= ROUNDS; round++) {
        // SubBytes and ShiftRows in one pass (SubBytes acts per byte, so the order does not matter).
        for (let i = 0; i < AES_BLOCK_BYTES; i++) shifted[i] = SBOX[state[SHIFT_ROWS_SOURCE[i]]]
        const keyAt = round * AES_BLOCK_BYTES
        if (round === ROUNDS) {
            // The last round has no MixColumns.
            for (let i = 0; i < AES_BLOCK_BYTES; i++) state[i] = shifted[i] ^ schedule[keyAt + i]
            break
        }
        // MixColumns (section 5.1.3) then AddRoundKey. Each column is multiplied by
        // [02 03 01 01] circulant; with all = a0^a1^a2^a3 the first row 2a0 + 3a1 + a2 + a3 equals
        // a0 ^ all ^ 2(a0 ^ a1), and the other rows follow by rotating the indices.
        for (let c = 0; c < AES_BLOCK_BYTES; c += 4) {
            const a0 = shifted[c]
            const a1 = shifted[c + 1]
            const a2 = shifted[c + 2]
            const a3 = shifted[c + 3]
            const all = a0 ^ a1 ^ a2 ^ a3
            state[c] = a0 ^ all ^ TIMES_TWO[a0 ^ a1] ^ schedule[keyAt + c]
            state[c + 1] = a1 ^ all ^ TIMES_TWO[a1 ^ a2] ^ schedule[keyAt + c + 1]
            state[c + 2] = a2 ^ all ^ TIMES_TWO[a2 ^ a3] ^ schedule[keyAt + c + 2]
            state[c + 3] = a3 ^ all ^ TIMES_TWO[a3 ^ a0] ^ schedule[keyAt + c + 3]
        }
    }
    return state
}

/**
 * CTR mode (NIST SP 800-38A section 6.5): XORs `data` with the key stream AES(counter),
 * AES(counter + 1), ... where the whole 16-byte counter block is incremented as a big-endian
 * integer (the same convention as OpenSSL's aes-128-ctr). Encryption and decryption are the same
 * operation. Synchronous, so limited to CTR_MAX_SYNC_BLOCKS blocks (GAEN uses 4 bytes).
 */
export function ctr128(schedule: Buffer, initialCounter: Buffer, data: Buffer): Buffer {
    requireBytes(initialCounter, AES_BLOCK_BYTES, "CTR initial counter block")
    if (!(data instanceof Buffer)) throw new TypeError(`CTR data must be a Buffer, got ${typeof data}`)
    if (data.length > CTR_MAX_SYNC_BLOCKS * AES_BLOCK_BYTES)
        throw new RangeError(`CTR data is ${data.length} bytes; at most ${CTR_MAX_SYNC_BLOCKS * AES_BLOCK_BYTES} per synchronous call`)
    const counter = initialCounter.slice(0)
    const out = Buffer.alloc(data.length)
    for (let offset = 0; offset < data.length; offset += AES_BLOCK_BYTES) {
        const keyStream = encryptBlock128(schedule, counter)
        const end = Math.min(offset + AES_BLOCK_BYTES, data.length)
        for (let i = offset; i < end; i++) out[i] = data[i] ^ keyStream[i - offset]
        incrementBigEndian(counter)
    }
    return out
}

function incrementBigEndian(counter: Buffer): void {
    for (let i = counter.length - 1; i >= 0; i--) {
        counter[i] = (counter[i] + 1) & 0xff
        if (counter[i] !== 0) return
    }
}
