// The kiosk's data folder and settings. The folder holds only public things: the pinned export
// public key of each server and the downloaded export files. Nothing about a token or its owner is
// ever written here (the log, keys and results live in memory for the session only).
import { mkdirSync, readFileSync, writeFileSync, renameSync, existsSync } from "node:fs"
import { homedir } from "node:os"
import { join, resolve } from "node:path"
import { createHash } from "node:crypto"
import { KioskError } from "./errors.js"

export { DEFAULT_REGION } from "../lib/cocoa/protocol.js"

/** `--data`, else $GAEN_KIOSK_DATA, else ~/.gaen-kiosk. */
export function kioskDataDir(option?: string, env: NodeJS.ProcessEnv = process.env): string {
    return resolve(option ?? env.GAEN_KIOSK_DATA ?? join(homedir(), ".gaen-kiosk"))
}

interface SettingsFile {
    /** Export-signing public keys (base64 SPKI), one per server base URL. */
    pinnedPublicKeys: Record<string, { publicKey: string; pinnedAt: string }>
    /** What staff set in the web app's settings screen (none of it about a person). */
    desk?: DeskSettings
}

/** The health centre's own settings for the web app (`npm run kiosk -- serve`). */
export interface DeskSettings {
    server?: string
    /** The kiosk's API key from the server's add-kiosk (why the file is mode 0600). */
    apiKey?: string
    centreName?: string
    centrePhone?: string
    centreHours?: string
    lang?: "ja" | "en"
}

export class KioskSettings {
    private constructor(
        readonly dataDir: string,
        private data: SettingsFile
    ) {}

    static open(dataDir: string): KioskSettings {
        const file = join(dataDir, "config.json")
        if (!existsSync(file)) return new KioskSettings(dataDir, { pinnedPublicKeys: {} })
        let data: SettingsFile
        try {
            data = JSON.parse(readFileSync(file, "utf8"))
        } catch (e) {
            throw new KioskError("config", `${file}: not readable JSON (${(e as Error).message}); fix or remove it`)
        }
        if (typeof data !== "object" || data === null || typeof data.pinnedPublicKeys !== "object" || data.pinnedPublicKeys === null)
            throw new KioskError("config", `${file}: expected {"pinnedPublicKeys": {...}}`)
        return new KioskSettings(dataDir, data)
    }

    pinnedPublicKey(server: string): string | undefined {
        return this.data.pinnedPublicKeys[server]?.publicKey
    }

    pinPublicKey(server: string, publicKeyBase64: string, now = Date.now()): void {
        this.data.pinnedPublicKeys[server] = { publicKey: publicKeyBase64, pinnedAt: new Date(now).toISOString() }
        this.save()
    }

    desk(): DeskSettings {
        return { ...this.data.desk }
    }

    saveDesk(desk: DeskSettings): void {
        this.data.desk = { ...desk }
        this.save()
    }

    private save(): void {
        mkdirSync(this.dataDir, { recursive: true, mode: 0o700 })
        const file = join(this.dataDir, "config.json")
        writeFileSync(file + ".tmp", JSON.stringify(this.data, null, 2) + "\n", { mode: 0o600 })
        renameSync(file + ".tmp", file)
    }
}

/** The folder that caches one server's export files. */
export function downloadsDirFor(dataDir: string, server: string, region: string): string {
    const id = createHash("sha256").update(`${server}|${region}`).digest("hex").slice(0, 16)
    return join(dataDir, "downloads", id)
}
