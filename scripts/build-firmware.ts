// `npm run build` (and postinstall): compiles services/*.md and the firmware (src/main.ts) with the
// DeviceScript compiler, then keeps the firmware image in built/firmware/ and the compiled service
// specifications in built/services/ (services.json for jacdac-ts, constants.ts for Node code: read
// through lib/jacdac/service-specs.ts). The compiler's own folder .devicescript/ is its scratch
// space: every firmware test run compiles into it again, so nothing else reads it.
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { DEVS_CLI } from "../sim/harness/devs-cli.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const FIRMWARE_DIR = join(root, "built/firmware")
const SERVICES_DIR = join(root, "built/services")

const r = spawnSync(process.execPath, [DEVS_CLI, "build", "--quiet"], { cwd: root, stdio: "inherit", env: { ...process.env, NO_UPDATE_NOTIFIER: "1" } })
if (r.status !== 0) {
    console.error(`firmware build failed (exit ${r.status})`)
    process.exit(r.status ?? 1)
}
mkdirSync(FIRMWARE_DIR, { recursive: true })
for (const f of ["bytecode.devs", "bytecode-dbg.json", "bytecode-sizes.md"]) copyFileSync(join(root, ".devicescript/bin", f), join(FIRMWARE_DIR, f))
mkdirSync(SERVICES_DIR, { recursive: true })
copyFileSync(join(root, ".devicescript/services.json"), join(SERVICES_DIR, "services.json"))
copyFileSync(join(root, ".devicescript/ts/constants.ts"), join(SERVICES_DIR, "constants.ts"))
