// Signing and verifying export files: ECDSA P-256 over SHA-256 of the whole export.bin, signatures
// in X9.62 DER (what GAEN clients expect). Keys are node:crypto KeyObjects; helpers accept the usual
// encodings (PEM, or base64 SubjectPublicKeyInfo as health authorities publish it).
import { createPrivateKey, createPublicKey, sign, verify, KeyObject } from "node:crypto"
import { SIGNATURE_ALGORITHM_ECDSA_P256_SHA256, type SignatureInfo } from "./messages.js"

/** Signs export.bin contents; `info` is written into the export and its signature list. */
export interface ExportSigner {
    readonly info: SignatureInfo
    sign(data: Uint8Array): Uint8Array
}

/** A public key as a KeyObject, a PEM string, a base64 SPKI string, or SPKI DER bytes. */
export type PublicKeyInput = KeyObject | string | Uint8Array

export function toPublicKey(input: PublicKeyInput): KeyObject {
    if (input instanceof KeyObject) return input.type === "private" ? createPublicKey(input) : input
    if (typeof input === "string") {
        const s = input.trim()
        if (s.startsWith("-----BEGIN")) return createPublicKey(s)
        return createPublicKey({ key: Buffer.from(s, "base64"), format: "der", type: "spki" })
    }
    return createPublicKey({ key: Buffer.from(input), format: "der", type: "spki" })
}

/** True for an ECDSA P-256 (prime256v1) key, the only kind GAEN export files are signed with. */
export function isP256Key(key: KeyObject): boolean {
    return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1"
}

/** The key as base64 DER SubjectPublicKeyInfo, the form health authorities publish. */
export function spkiBase64(key: KeyObject): string {
    return key.export({ format: "der", type: "spki" }).toString("base64")
}

function assertP256(key: KeyObject): void {
    if (!isP256Key(key)) throw new Error("export signing key must be an ECDSA P-256 (prime256v1) key")
}

/** A signer from a P-256 private key (KeyObject or PKCS#8/SEC1 PEM). */
export function createExportSigner(privateKey: KeyObject | string, ids: { keyId: string; keyVersion: string }): ExportSigner {
    const key = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey
    assertP256(key)
    return {
        info: {
            verificationKeyVersion: ids.keyVersion,
            verificationKeyId: ids.keyId,
            signatureAlgorithm: SIGNATURE_ALGORITHM_ECDSA_P256_SHA256,
        },
        sign: data => sign("sha256", data, { key, dsaEncoding: "der" }),
    }
}

/** True when `signature` (DER) is a valid ECDSA P-256/SHA-256 signature of `data`. */
export function verifyExportSignature(data: Uint8Array, signature: Uint8Array, publicKey: PublicKeyInput): boolean {
    const key = toPublicKey(publicKey)
    assertP256(key)
    try {
        return verify("sha256", data, { key, dsaEncoding: "der" }, signature)
    } catch {
        return false // malformed DER is just an invalid signature
    }
}
