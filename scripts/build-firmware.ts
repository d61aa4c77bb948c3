// `npm run build` (and postinstall): compiles services/*.md and the firmware (src/main.ts) with the
// DeviceScript compiler, then keeps the firmware image in built/firmware/. The compiler writes into
// .devicescript/bin/, which every firmware test run overwrites with its own test program.
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { DEVS_CLI } from "../sim/harness/devs-cli.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const FIRMWARE_DIR = join(root, "built/firmware")

const r = spawnSync(process.execPath, [DEVS_CLI, "build", "--quiet"], { cwd: root, stdio: "inherit", env: { ...process.env, NO_UPDATE_NOTIFIER: "1" } })
if (r.status !== 0) {
    console.error(`firmware build failed (exit ${r.status})`)
    process.exit(r.status ?? 1)
}
mkdirSync(FIRMWARE_DIR, { recursive: true })
for (const f of ["bytecode.devs", "bytecode-dbg.json", "bytecode-sizes.md"])
    copyFileSync(join(root, ".devicescript/bin", f), join(FIRMWARE_DIR, f))
