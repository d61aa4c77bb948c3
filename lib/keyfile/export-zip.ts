// The export file container: a zip holding export.bin (header + TemporaryExposureKeyExport) and
// export.sig (TEKSignatureList). Writing signs; reading refuses anything whose signature does not verify.
import { zipSync, unzipSync } from "fflate"
import {
    EXPORT_BIN_HEADER,
    encodeExport,
    decodeExport,
    encodeSignatureList,
    decodeSignatureList,
    type TemporaryExposureKey,
    type TemporaryExposureKeyExport,
    type TEKSignature,
} from "./messages.js"
import { verifyExportSignature, type ExportSigner, type PublicKeyInput } from "./signing.js"

export const EXPORT_BIN_NAME = "export.bin"
export const EXPORT_SIG_NAME = "export.sig"
/**
 * Inflated-size limits, checked before inflating: a file of 250,000 keys (the most one file holds)
 * is ~7 MB of export.bin, a signature list of a few signatures well under 1 KB. A zip declaring more
 * is refused unread (a 512 KB zip bomb would otherwise allocate 512 MiB).
 */
export const MAX_EXPORT_BIN_BYTES = 32 * 1024 * 1024
export const MAX_EXPORT_SIG_BYTES = 64 * 1024

export interface WriteExportOptions {
    keys: TemporaryExposureKey[]
    region: string
    /** UTC seconds: the time span the keys belong to. */
    start: number
    end: number
    /** This file's position in a multi-file batch (1-based) and the batch's file count. */
    batchNum: number
    batchSize: number
    /** One signer, or several during a signing-key rotation: the file then carries a signature of each. */
    signer: ExportSigner | readonly ExportSigner[]
}

/** Thrown by readExportZip for anything that is not a well-formed, correctly signed export file. */
export class ExportFileError extends Error {
    constructor(message: string) {
        super(`export file: ${message}`)
        this.name = "ExportFileError"
    }
}

/** Builds export.bin: the 16-byte header followed by the export protobuf. */
export function buildExportBin(e: TemporaryExposureKeyExport): Uint8Array {
    const body = encodeExport(e)
    const bin = new Uint8Array(EXPORT_BIN_HEADER.length + body.length)
    bin.set(EXPORT_BIN_HEADER, 0)
    bin.set(body, EXPORT_BIN_HEADER.length)
    return bin
}

/** A signed export zip. The caller shuffles keys beforehand (order must not reveal upload order). */
export function writeExportZip(o: WriteExportOptions): Uint8Array {
    const signers = Array.isArray(o.signer) ? o.signer : [o.signer as ExportSigner]
    const bin = buildExportBin({
        startTimestamp: o.start,
        endTimestamp: o.end,
        region: o.region,
        batchNum: o.batchNum,
        batchSize: o.batchSize,
        signatureInfos: signers.map(s => s.info),
        keys: o.keys,
        revisedKeys: [], // key revision (report type 5) is not supported
    })
    const sigs: TEKSignature[] = signers.map(s => ({
        signatureInfo: s.info,
        batchNum: o.batchNum,
        batchSize: o.batchSize,
        signature: s.sign(bin),
    }))
    // Level 1: key data is random and barely compresses, so spend little time trying.
    return zipSync({ [EXPORT_BIN_NAME]: bin, [EXPORT_SIG_NAME]: encodeSignatureList(sigs) }, { level: 1 })
}

export interface ReadExport {
    export: TemporaryExposureKeyExport
    signatures: TEKSignature[]
    /** The signature that verified with the given public key. */
    verifiedBy: TEKSignature
}

/**
 * Parses and verifies an export zip. Throws ExportFileError when the zip, header or protobuf is
 * malformed, when export.sig is missing or empty, or when no signature verifies with `publicKey`.
 * With `onKey`, the keys go to it one by one (decodeExport) and only once the signature has
 * verified, so no key of a file that fails it reaches the caller; `export.keys` stays empty.
 */
export function readExportZip(zip: Uint8Array, opts: { publicKey: PublicKeyInput; onKey?: (key: TemporaryExposureKey) => void }): ReadExport {
    const limits: Record<string, number> = { [EXPORT_BIN_NAME]: MAX_EXPORT_BIN_BYTES, [EXPORT_SIG_NAME]: MAX_EXPORT_SIG_BYTES }
    let entries: Record<string, Uint8Array>
    try {
        // Only the two entries GAEN defines are inflated, each into a buffer of its declared size
        // (fflate never writes past it: a lying size yields a truncated entry, and the signature fails).
        entries = unzipSync(zip, {
            filter: entry => {
                const limit = limits[entry.name]
                if (limit === undefined) return false
                if (entry.originalSize > limit) {
                    throw new ExportFileError(`${entry.name} declares ${entry.originalSize} bytes inflated, over the limit of ${limit}; not inflated`)
                }
                return true
            },
        })
    } catch (err) {
        if (err instanceof ExportFileError) throw err
        throw new ExportFileError(`not a readable zip (${(err as Error).message})`)
    }
    const bin = entries[EXPORT_BIN_NAME]
    const sigFile = entries[EXPORT_SIG_NAME]
    if (!bin) throw new ExportFileError(`${EXPORT_BIN_NAME} missing`)
    if (!sigFile) throw new ExportFileError(`${EXPORT_SIG_NAME} missing: the file is unsigned`)
    if (bin.length < EXPORT_BIN_HEADER.length || !EXPORT_BIN_HEADER.every((b, i) => bin[i] === b)) {
        throw new ExportFileError(`${EXPORT_BIN_NAME} does not start with "EK Export v1"`)
    }
    let signatures: TEKSignature[]
    try {
        signatures = decodeSignatureList(sigFile)
    } catch (err) {
        throw new ExportFileError((err as Error).message)
    }
    const body = bin.subarray(EXPORT_BIN_HEADER.length)
    const parse = (onKey?: (key: TemporaryExposureKey) => void) => {
        try {
            return decodeExport(body, onKey)
        } catch (err) {
            throw new ExportFileError((err as Error).message)
        }
    }
    // Without onKey the protobuf is read first, so a malformed file says so before its signature is
    // tried; with it, the keys are handed out only after the signature verifies.
    let parsed = opts.onKey ? undefined : parse()
    if (signatures.length === 0) throw new ExportFileError(`${EXPORT_SIG_NAME} holds no signature`)
    const verifiedBy = signatures.find(s => verifyExportSignature(bin, s.signature, opts.publicKey))
    if (!verifiedBy) throw new ExportFileError("signature does not verify with the given public key (tampered file or wrong key)")
    parsed ??= parse(opts.onKey)
    return { export: parsed, signatures, verifiedBy }
}
