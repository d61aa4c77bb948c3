// The export-signing key pair: ECDSA P-256, created in the data directory on first start and kept
// as PKCS#8 PEM readable by the owner only. Kiosks hold the public key (printed at start, served at
// GET /v1/export-public-key) and refuse export files it does not verify.
import { generateKeyPairSync, createPrivateKey, createPublicKey } from "node:crypto"
import { existsSync, readFileSync, writeFileSync, renameSync } from "node:fs"
import { join } from "node:path"
import { createExportSigner, spkiBase64, SIGNATURE_ALGORITHM_ECDSA_P256_SHA256, type ExportSigner } from "../../lib/keyfile/index.js"

export const SIGNING_KEY_FILE = "export-signing-key.pem"

export interface PublicKeyInfo {
    /** SignatureInfo.verification_key_id / _version written into every export. */
    keyId: string
    keyVersion: string
    algorithm: string
    /** base64 DER SubjectPublicKeyInfo: the form GAEN health authorities publish. */
    publicKey: string
    publicKeyPem: string
}

export interface SigningKey {
    signer: ExportSigner
    info: PublicKeyInfo
    /** True when this call generated the key. */
    created: boolean
}

export function loadOrCreateSigningKey(dataDir: string, ids: { keyId: string; keyVersion: string }): SigningKey {
    const file = join(dataDir, SIGNING_KEY_FILE)
    let created = false
    if (!existsSync(file)) {
        const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
        // Write then rename, so a crash never leaves a half-written key behind.
        writeFileSync(file + ".tmp", privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 })
        renameSync(file + ".tmp", file)
        created = true
    }
    const privateKey = createPrivateKey(readFileSync(file, "utf8"))
    const publicKey = createPublicKey(privateKey)
    return {
        signer: createExportSigner(privateKey, ids),
        created,
        info: {
            keyId: ids.keyId,
            keyVersion: ids.keyVersion,
            algorithm: SIGNATURE_ALGORITHM_ECDSA_P256_SHA256,
            publicKey: spkiBase64(publicKey),
            publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
        },
    }
}
