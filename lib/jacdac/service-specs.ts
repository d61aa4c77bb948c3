// The project's own Jacdac services (services/*.md), as `npm run build` compiles them into
// built/services/ (scripts/build-firmware.ts): constants for Node code, and the specifications
// jacdac-ts needs to serve and decode them. One source of truth: the spec files.
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import jd from "./jacdac-ts.js"

export * from "../../built/services/constants.js"

const specFile = fileURLToPath(new URL("../../built/services/services.json", import.meta.url))
let loaded = false

/** Registers the project's service specifications with jacdac-ts (once per process). */
export function loadProjectServiceSpecs(): void {
    if (loaded) return
    jd.loadServiceSpecifications(JSON.parse(readFileSync(specFile, "utf8")))
    loaded = true
}
