// What the firmware on this branch can do, for tests that need more than it has yet.
//
// `firmwareScans`: the token scans and keeps a contact log that a kiosk can read. Detected as:
// some firmware module other than the radio client itself calls the radio's `.scan(` (the beacon or
// a contact logger), and the host's sync client offers `readLog()`. Until both are true the world's
// end-to-end contact tests are skipped (they would fail only because nobody asks the channel).
// Remove the guard once scanning has landed.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { TokenSyncClient } from "../../lib/token-sync/sync-client.js"

const SRC = fileURLToPath(new URL("../../src", import.meta.url))
const RADIO_CLIENT = join(SRC, "hardware", "radio.ts")

function firmwareFiles(dir: string): string[] {
    return readdirSync(dir).flatMap(name => {
        const path = join(dir, name)
        return statSync(path).isDirectory() ? firmwareFiles(path) : path.endsWith(".ts") ? [path] : []
    })
}

const callsScan = firmwareFiles(SRC).some(f => f !== RADIO_CLIENT && /\.scan\(/.test(readFileSync(f, "utf8")))
const offersLog = typeof (TokenSyncClient.prototype as unknown as { readLog?: unknown }).readLog === "function"

export const firmwareScans = callsScan && offersLog
