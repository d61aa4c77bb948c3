// The GAEN export messages (TemporaryExposureKeyExport, TEKSignatureList) as plain TypeScript objects,
// with encoders/decoders built on the small codec in ./protobuf.ts. Field numbers follow Google's
// export.proto (see the comments on each interface).
import { ProtoWriter, readFields, as, ProtoDecodeError } from "./protobuf.js"
import { TEK_ROLLING_PERIOD } from "../gaen/constants.js"

/** ECDSA with SHA-256, the only algorithm GAEN clients accept. */
export const SIGNATURE_ALGORITHM_ECDSA_P256_SHA256 = "1.2.840.10045.4.3.2"

/** The 16-byte header in front of the protobuf in export.bin: "EK Export v1" padded with spaces. */
export const EXPORT_BIN_HEADER = new TextEncoder().encode("EK Export v1    ")

export enum ReportType {
    Unknown = 0,
    ConfirmedTest = 1,
    ConfirmedClinicalDiagnosis = 2,
    SelfReport = 3,
    Recursive = 4,
    Revoked = 5,
}

/** TemporaryExposureKey: 1 key_data, 2 transmission_risk_level, 3 rolling_start_interval_number,
 * 4 rolling_period, 5 report_type, 6 days_since_onset_of_symptoms (sint32), 8 variant_of_concern. */
export interface TemporaryExposureKey {
    keyData: Uint8Array
    rollingStartIntervalNumber: number
    /** Number of 10-minute intervals the key was valid; proto2 default 144 when absent. */
    rollingPeriod: number
    transmissionRiskLevel?: number
    reportType?: ReportType
    daysSinceOnsetOfSymptoms?: number
    variantOfConcern?: number
}

/** SignatureInfo: 3 verification_key_version, 4 verification_key_id, 5 signature_algorithm (1, 2 reserved). */
export interface SignatureInfo {
    verificationKeyVersion?: string
    verificationKeyId?: string
    signatureAlgorithm?: string
}

/** TemporaryExposureKeyExport: 1 start_timestamp, 2 end_timestamp (fixed64 UTC seconds), 3 region,
 * 4 batch_num, 5 batch_size, 6 signature_infos, 7 keys, 8 revised_keys. */
export interface TemporaryExposureKeyExport {
    startTimestamp: number
    endTimestamp: number
    region: string
    batchNum: number
    batchSize: number
    signatureInfos: SignatureInfo[]
    keys: TemporaryExposureKey[]
    revisedKeys: TemporaryExposureKey[]
}

/** TEKSignature: 1 signature_info, 2 batch_num, 3 batch_size, 4 signature (X9.62 DER ECDSA). */
export interface TEKSignature {
    signatureInfo?: SignatureInfo
    batchNum?: number
    batchSize?: number
    signature: Uint8Array
}

function writeSignatureInfo(w: ProtoWriter, info: SignatureInfo): void {
    if (info.verificationKeyVersion !== undefined) w.string(3, info.verificationKeyVersion)
    if (info.verificationKeyId !== undefined) w.string(4, info.verificationKeyId)
    if (info.signatureAlgorithm !== undefined) w.string(5, info.signatureAlgorithm)
}

function writeKey(w: ProtoWriter, k: TemporaryExposureKey): void {
    w.bytes(1, k.keyData)
    if (k.transmissionRiskLevel !== undefined) w.varint(2, k.transmissionRiskLevel)
    w.varint(3, k.rollingStartIntervalNumber)
    w.varint(4, k.rollingPeriod)
    if (k.reportType !== undefined) w.varint(5, k.reportType)
    if (k.daysSinceOnsetOfSymptoms !== undefined) w.sint32(6, k.daysSinceOnsetOfSymptoms)
    if (k.variantOfConcern !== undefined) w.varint(8, k.variantOfConcern)
}

/** The protobuf of a TemporaryExposureKeyExport (without the export.bin header). */
export function encodeExport(e: TemporaryExposureKeyExport): Uint8Array {
    // About 30 bytes per key: size the buffer once so a million keys do not reallocate repeatedly.
    const w = new ProtoWriter(128 + 32 * (e.keys.length + e.revisedKeys.length))
    w.fixed64(1, e.startTimestamp)
    w.fixed64(2, e.endTimestamp)
    w.string(3, e.region)
    w.varint(4, e.batchNum)
    w.varint(5, e.batchSize)
    for (const info of e.signatureInfos) w.message(6, sw => writeSignatureInfo(sw, info))
    for (const k of e.keys) w.message(7, kw => writeKey(kw, k))
    for (const k of e.revisedKeys) w.message(8, kw => writeKey(kw, k))
    return w.finish()
}

function readSignatureInfo(buf: Uint8Array): SignatureInfo {
    const info: SignatureInfo = {}
    for (const f of readFields(buf)) {
        if (f.field === 3) info.verificationKeyVersion = as.string(f)
        else if (f.field === 4) info.verificationKeyId = as.string(f)
        else if (f.field === 5) info.signatureAlgorithm = as.string(f)
    }
    return info
}

function readKey(buf: Uint8Array): TemporaryExposureKey {
    let keyData: Uint8Array | undefined
    let rollingStartIntervalNumber: number | undefined
    const k: Partial<TemporaryExposureKey> = {}
    for (const f of readFields(buf)) {
        switch (f.field) {
            case 1:
                keyData = as.bytes(f).slice()
                break
            case 2:
                k.transmissionRiskLevel = as.int32(f)
                break
            case 3:
                rollingStartIntervalNumber = as.int32(f)
                break
            case 4:
                k.rollingPeriod = as.int32(f)
                break
            case 5:
                k.reportType = as.int32(f)
                break
            case 6:
                k.daysSinceOnsetOfSymptoms = as.sint32(f)
                break
            case 8:
                k.variantOfConcern = as.int32(f)
                break
        }
    }
    if (keyData === undefined) throw new ProtoDecodeError("TemporaryExposureKey without key_data")
    if (rollingStartIntervalNumber === undefined) throw new ProtoDecodeError("TemporaryExposureKey without rolling_start_interval_number")
    return { ...k, keyData, rollingStartIntervalNumber, rollingPeriod: k.rollingPeriod ?? TEK_ROLLING_PERIOD }
}

/**
 * The export's fields. With `onKey`, each key goes to it as it is read and `keys` stays empty: a
 * reader that keeps keys packed (the kiosk's DiagnosisKeySet) never holds a file's keys as objects
 * all at once (250,000 of them per day at the planned peak; see kiosk/downloads/key-set.ts).
 */
export function decodeExport(buf: Uint8Array, onKey?: (key: TemporaryExposureKey) => void): TemporaryExposureKeyExport {
    const e: TemporaryExposureKeyExport = {
        startTimestamp: 0,
        endTimestamp: 0,
        region: "",
        batchNum: 0,
        batchSize: 0,
        signatureInfos: [],
        keys: [],
        revisedKeys: [],
    }
    for (const f of readFields(buf)) {
        switch (f.field) {
            case 1:
                e.startTimestamp = as.fixed64(f)
                break
            case 2:
                e.endTimestamp = as.fixed64(f)
                break
            case 3:
                e.region = as.string(f)
                break
            case 4:
                e.batchNum = as.int32(f)
                break
            case 5:
                e.batchSize = as.int32(f)
                break
            case 6:
                e.signatureInfos.push(readSignatureInfo(as.bytes(f)))
                break
            case 7:
                if (onKey) onKey(readKey(as.bytes(f)))
                else e.keys.push(readKey(as.bytes(f)))
                break
            case 8:
                e.revisedKeys.push(readKey(as.bytes(f)))
                break
        }
    }
    return e
}

/** The protobuf of a TEKSignatureList (field 1: repeated TEKSignature). */
export function encodeSignatureList(signatures: TEKSignature[]): Uint8Array {
    const w = new ProtoWriter(128 * Math.max(1, signatures.length))
    for (const s of signatures) {
        w.message(1, sw => {
            if (s.signatureInfo) sw.message(1, iw => writeSignatureInfo(iw, s.signatureInfo!))
            if (s.batchNum !== undefined) sw.varint(2, s.batchNum)
            if (s.batchSize !== undefined) sw.varint(3, s.batchSize)
            sw.bytes(4, s.signature)
        })
    }
    return w.finish()
}

export function decodeSignatureList(buf: Uint8Array): TEKSignature[] {
    const out: TEKSignature[] = []
    for (const f of readFields(buf)) {
        if (f.field !== 1) continue
        const s: Partial<TEKSignature> = {}
        for (const g of readFields(as.bytes(f))) {
            switch (g.field) {
                case 1:
                    s.signatureInfo = readSignatureInfo(as.bytes(g))
                    break
                case 2:
                    s.batchNum = as.int32(g)
                    break
                case 3:
                    s.batchSize = as.int32(g)
                    break
                case 4:
                    s.signature = as.bytes(g).slice()
                    break
            }
        }
        if (!s.signature) throw new ProtoDecodeError("TEKSignature without signature")
        out.push(s as TEKSignature)
    }
    return out
}
