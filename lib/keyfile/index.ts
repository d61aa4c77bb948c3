// The GAEN diagnosis-key export format, host side (server publishes, kiosk reads).
//
//   writeExportZip({ keys, region, start, end, batchNum, batchSize, signer }) -> zip bytes
//   readExportZip(zipBytes, { publicKey })  -> { export, signatures, verifiedBy }; throws
//       ExportFileError on a malformed, unsigned, tampered or wrongly signed file
//   createExportSigner(privateKey, { keyId, keyVersion }), verifyExportSignature, toPublicKey,
//       isP256Key, spkiBase64
//   parseExportList(json), entriesNewerThan(list, lastCreatedMs): the list.json index
//   encodeExport/decodeExport, encodeSignatureList/decodeSignatureList: the raw protobuf messages
export {
    writeExportZip,
    readExportZip,
    buildExportBin,
    ExportFileError,
    EXPORT_BIN_NAME,
    EXPORT_SIG_NAME,
    MAX_EXPORT_BIN_BYTES,
    MAX_EXPORT_SIG_BYTES,
    type WriteExportOptions,
    type ReadExport,
} from "./export-zip.js"
export {
    encodeExport,
    decodeExport,
    encodeSignatureList,
    decodeSignatureList,
    EXPORT_BIN_HEADER,
    SIGNATURE_ALGORITHM_ECDSA_P256_SHA256,
    ReportType,
    type TemporaryExposureKey,
    type TemporaryExposureKeyExport,
    type SignatureInfo,
    type TEKSignature,
} from "./messages.js"
export { createExportSigner, verifyExportSignature, toPublicKey, isP256Key, spkiBase64, type ExportSigner, type PublicKeyInput } from "./signing.js"
export { parseExportList, entriesNewerThan, type ExportListEntry } from "./export-list.js"
export { ProtoDecodeError } from "./protobuf.js"
