// Where the DeviceScript CLI lives, and loading it into a process. We run its .cjs with `node`
// directly: killing an `npx devs` wrapper leaves the Node child running.
import { createRequire } from "node:module"
import Module from "node:module"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { constants as vmConstants, runInThisContext } from "node:vm"

const require = createRequire(import.meta.url)
export const DEVS_CLI = join(dirname(require.resolve("@devicescript/cli/package.json")), "built/devicescript-cli.cjs")

/**
 * Loads the CLI bundle as plain CommonJS and returns its exports. It is compiled by Node itself, not
 * through tsx's loader, which would spend ~15 s transforming the 28 MB bundle at every token start.
 */
export function loadDevsCli(): { mainCli(): Promise<void> } {
    const source = readFileSync(DEVS_CLI, "utf8")
    const wrapper = runInThisContext((Module as any).wrap(source), {
        filename: DEVS_CLI,
        // The bundle imports one ESM module (its update notifier, silenced by NO_UPDATE_NOTIFIER).
        importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    })
    const mod = { exports: {} as any }
    wrapper.call(mod.exports, mod.exports, createRequire(DEVS_CLI), mod, DEVS_CLI, dirname(DEVS_CLI))
    return mod.exports
}
