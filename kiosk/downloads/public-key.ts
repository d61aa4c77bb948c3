// Which key the export files must be signed with. The kiosk trusts a key only when the operator set
// it up: `--public-key <file|base64>` (the key printed by the server's `public-key` command, as
// health authorities publish it) pins it for that server; `trust-server-key` fetches the server's key
// once and pins it after showing its fingerprint. Every later check verifies against the pin; the
// network alone can never change which key is trusted.
import { existsSync, readFileSync } from "node:fs"
import { createHash, type KeyObject } from "node:crypto"
import { toPublicKey, isP256Key } from "../../lib/keyfile/index.js"
import { KioskError } from "../errors.js"
import type { KioskSettings } from "../config.js"
import { httpRequest, errorForAnswer } from "../http/server-client.js"
import { PATHS } from "../../lib/cocoa/protocol.js"

export interface TrustedKey {
    key: KeyObject
    /** base64 SubjectPublicKeyInfo */
    spki: string
    /** SHA-256 of the SPKI, hex in groups, for people to compare. */
    fingerprint: string
}

export function trustedKeyFrom(input: string, what: string): TrustedKey {
    let key: KeyObject
    try {
        key = toPublicKey(input)
    } catch (e) {
        throw new KioskError("config", `${what}: not a public key (PEM or base64 SubjectPublicKeyInfo expected: ${(e as Error).message})`)
    }
    if (!isP256Key(key)) throw new KioskError("config", `${what}: not an ECDSA P-256 key, which GAEN export files are signed with`)
    const der = key.export({ format: "der", type: "spki" })
    return { key, spki: der.toString("base64"), fingerprint: fingerprintOf(der) }
}

function fingerprintOf(der: Buffer): string {
    return createHash("sha256").update(der).digest("hex").match(/.{4}/g)!.join(" ")
}

/** `--public-key` value: a file (PEM or base64) or the base64 text itself. */
export function readPublicKeyOption(value: string): TrustedKey {
    if (existsSync(value)) return trustedKeyFrom(readFileSync(value, "utf8"), `--public-key file ${value}`)
    if (/[/\\]|\.pem$|\.b64$/.test(value) && !/^[A-Za-z0-9+/=\s]+$/.test(value)) throw new KioskError("config", `--public-key ${value}: no such file`)
    return trustedKeyFrom(value, "--public-key")
}

/** The key to verify this server's files with: the option (then pinned), else the pin. */
export function resolveTrustedKey(settings: KioskSettings, server: string, option?: string): TrustedKey {
    if (option !== undefined) {
        const k = readPublicKeyOption(option)
        if (settings.pinnedPublicKey(server) !== k.spki) settings.pinPublicKey(server, k.spki)
        return k
    }
    const pinned = settings.pinnedPublicKey(server)
    if (!pinned)
        throw new KioskError(
            "no-public-key",
            `no export public key is set up for ${server}: give --public-key <file|base64> (printed by the server's "public-key" command) or run "trust-server-key" once`
        )
    return trustedKeyFrom(pinned, `pinned key for ${server} in ${settings.dataDir}/config.json`)
}

/** Fetches GET /v1/export-public-key (trust on first use: the operator compares the fingerprint). */
export async function fetchServerKey(server: string): Promise<TrustedKey & { keyId?: string; keyVersion?: string }> {
    const a = await httpRequest(`${server}${PATHS.exportPublicKey}`)
    if (a.status !== 200) throw errorForAnswer("fetching the export public key", a)
    if (typeof a.json?.publicKey !== "string") throw new KioskError("bad-request", `${server}${PATHS.exportPublicKey}: answer has no "publicKey"`)
    return { ...trustedKeyFrom(a.json.publicKey, `${server}${PATHS.exportPublicKey}`), keyId: a.json.keyId, keyVersion: a.json.keyVersion }
}
