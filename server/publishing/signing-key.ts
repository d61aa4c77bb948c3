// The export-signing key pair: ECDSA P-256, created in the data directory on first start and kept
// as PKCS#8 PEM readable by the owner only. Kiosks hold the public key (printed at start, served at
// GET /v1/export-public-key) and refuse export files it does not verify.
//
// Rotation (a lost or aging key): `rotate-signing-key begin` adds an incoming key; from then every
// export file carries two signatures (TEKSignatureList allows several), so kiosks pinned to either
// key accept it while operators re-pin them. `rotate-signing-key finish` makes the incoming key the
// only one; the old private key is kept as export-signing-key.retired-<version>.pem for the record.
// The key ids live in export-signing-keys.json once a rotation happened (before: from the flags).
import { generateKeyPairSync, createPrivateKey, createPublicKey } from "node:crypto"
import { existsSync, readFileSync, writeFileSync, renameSync } from "node:fs"
import { join } from "node:path"
import { createExportSigner, spkiBase64, SIGNATURE_ALGORITHM_ECDSA_P256_SHA256, type ExportSigner } from "../../lib/keyfile/index.js"

export const SIGNING_KEY_FILE = "export-signing-key.pem"
export const INCOMING_SIGNING_KEY_FILE = "export-signing-key.next.pem"
export const SIGNING_KEYS_META_FILE = "export-signing-keys.json"

export interface PublicKeyInfo {
    /** SignatureInfo.verification_key_id / _version written into every export. */
    keyId: string
    keyVersion: string
    algorithm: string
    /** base64 DER SubjectPublicKeyInfo: the form GAEN health authorities publish. */
    publicKey: string
    publicKeyPem: string
}

/** A rotation step that cannot be done now (the message says why and what to do). */
export class SigningKeyError extends Error {}

type KeyIds = { keyId: string; keyVersion: string }
interface KeysMeta {
    active: KeyIds
    incoming?: KeyIds
}

export interface SigningKey {
    /** The active key's signer, then the incoming key's during a rotation: each signs every file. */
    signers: ExportSigner[]
    /** The active key. */
    info: PublicKeyInfo
    /** The incoming key during a rotation. */
    incoming?: PublicKeyInfo
    /** True when this call generated the key. */
    created: boolean
}

function writeAtomically(file: string, data: string): void {
    // Write then rename, so a crash never leaves a half-written file behind.
    writeFileSync(file + ".tmp", data, { mode: 0o600 })
    renameSync(file + ".tmp", file)
}

function newPrivateKeyPem(): string {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
    return privateKey.export({ format: "pem", type: "pkcs8" }).toString()
}

function readMeta(dataDir: string, fallback: KeyIds): KeysMeta {
    const file = join(dataDir, SIGNING_KEYS_META_FILE)
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as KeysMeta) : { active: fallback }
}

function loadKey(file: string, ids: KeyIds): { signer: ExportSigner; info: PublicKeyInfo } {
    const privateKey = createPrivateKey(readFileSync(file, "utf8"))
    const publicKey = createPublicKey(privateKey)
    return {
        signer: createExportSigner(privateKey, ids),
        info: {
            keyId: ids.keyId,
            keyVersion: ids.keyVersion,
            algorithm: SIGNATURE_ALGORITHM_ECDSA_P256_SHA256,
            publicKey: spkiBase64(publicKey),
            publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
        },
    }
}

/** `ids` name the key while no rotation has happened (the --signing-key-id/-version flags). */
export function loadOrCreateSigningKey(dataDir: string, ids: KeyIds): SigningKey {
    const file = join(dataDir, SIGNING_KEY_FILE)
    const incomingFile = join(dataDir, INCOMING_SIGNING_KEY_FILE)
    let created = false
    if (!existsSync(file)) {
        // A `finish` cut short after retiring the old key: complete it rather than make a new key.
        if (existsSync(incomingFile)) finishSigningKeyRotation(dataDir, ids)
        else {
            writeAtomically(file, newPrivateKeyPem())
            created = true
        }
    }
    const meta = readMeta(dataDir, ids)
    const active = loadKey(file, meta.active)
    const incoming = meta.incoming && existsSync(incomingFile) ? loadKey(incomingFile, meta.incoming) : undefined
    return {
        signers: incoming ? [active.signer, incoming.signer] : [active.signer],
        info: active.info,
        incoming: incoming?.info,
        created,
    }
}

/** Adds an incoming key (version `keyVersion`); from now on files carry both signatures. */
export function beginSigningKeyRotation(dataDir: string, ids: KeyIds, keyVersion: string): PublicKeyInfo {
    const current = loadOrCreateSigningKey(dataDir, ids)
    if (current.incoming) throw new SigningKeyError(`a rotation to key version ${current.incoming.keyVersion} is already under way: finish it first`)
    const meta = readMeta(dataDir, ids)
    if (keyVersion === meta.active.keyVersion) throw new SigningKeyError(`--key-version ${keyVersion} is the active key's version: choose a new one (e.g. v2)`)
    writeAtomically(join(dataDir, INCOMING_SIGNING_KEY_FILE), newPrivateKeyPem())
    writeAtomically(join(dataDir, SIGNING_KEYS_META_FILE), JSON.stringify({ ...meta, incoming: { keyId: meta.active.keyId, keyVersion } }, null, 1))
    return loadOrCreateSigningKey(dataDir, ids).incoming!
}

/** Makes the incoming key the only one (the old one is kept as a retired file). */
export function finishSigningKeyRotation(dataDir: string, ids: KeyIds): PublicKeyInfo {
    const meta = readMeta(dataDir, ids)
    const file = join(dataDir, SIGNING_KEY_FILE)
    const incomingFile = join(dataDir, INCOMING_SIGNING_KEY_FILE)
    if (!meta.incoming || !existsSync(incomingFile))
        throw new SigningKeyError("no signing-key rotation is under way (start one with: rotate-signing-key begin --key-version <v>)")
    if (existsSync(file)) renameSync(file, join(dataDir, `export-signing-key.retired-${meta.active.keyVersion}.pem`))
    renameSync(incomingFile, file)
    writeAtomically(join(dataDir, SIGNING_KEYS_META_FILE), JSON.stringify({ active: meta.incoming }, null, 1))
    return loadOrCreateSigningKey(dataDir, ids).info
}
