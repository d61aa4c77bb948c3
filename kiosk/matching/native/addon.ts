// Loads the native fast path (rpi_scan.cc, built by scripts/build-kiosk-matcher.mjs at `npm ci`). When it is
// missing, fails to load or the CPU lacks AES-NI, the reason is kept and the kiosk uses the JS path.
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

/** What rpi_scan.cc exports (see the comments there). */
export interface RpiScanAddon {
    supported(): boolean
    createIndex(observed: Uint8Array, compareBytes?: number, windows?: Uint32Array): unknown
    scanKeys(index: unknown, packedKeys: Uint8Array, from: number, to: number): Uint32Array
    deriveRpis(tek: Uint8Array, rollingStart: number, rollingPeriod: number): Buffer
    useShaExtensions(on?: boolean): boolean
}

export type LoadedAddon = { addon: RpiScanAddon; path: string } | { addon: undefined; reason: string }

export const RPI_SCAN_ADDON_PATH = fileURLToPath(new URL("./build/Release/rpi_scan.node", import.meta.url))

const require = createRequire(import.meta.url)
let loadedDefault: LoadedAddon | undefined

/** The addon at `path` (default: the one `npm ci` built), or why it cannot be used. */
export function loadRpiScan(path = RPI_SCAN_ADDON_PATH): LoadedAddon {
    if (path === RPI_SCAN_ADDON_PATH && loadedDefault) return loadedDefault
    let result: LoadedAddon
    try {
        const addon = require(path) as RpiScanAddon
        result = addon.supported() ? { addon, path } : { addon: undefined, reason: "this CPU has no AES-NI" }
    } catch (e) {
        result = { addon: undefined, reason: `native matcher not loaded (${(e as Error).message.split("\n")[0]}); run npm ci to build it` }
    }
    if (path === RPI_SCAN_ADDON_PATH) loadedDefault = result
    return result
}
