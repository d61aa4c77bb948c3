// Where the DeviceScript CLI lives. We spawn its .cjs with `node` directly: killing an `npx devs`
// wrapper leaves the Node child running (see README, "Simulator harness").
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

const require = createRequire(import.meta.url)
export const DEVS_CLI = join(dirname(require.resolve("@devicescript/cli/package.json")), "built/devicescript-cli.cjs")
