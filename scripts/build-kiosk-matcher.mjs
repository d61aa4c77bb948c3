// postinstall (and `npm run build:kiosk-matcher`): builds the exposure check's native matcher
// (kiosk/matching/native/rpi_scan.cc) with node-gyp against this Node's own headers; nothing is
// downloaded. A failed build never fails the install: the kiosk then uses the JavaScript matcher
// (slower, same results) and says why in its check statistics. Plain JavaScript so it runs without tsx.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const dir = fileURLToPath(new URL("../kiosk/matching/native", import.meta.url))
const prefix = dirname(dirname(process.execPath))

// npm passes its bundled node-gyp to install scripts; otherwise look beside this Node's npm.
const nodeGyp = [
    process.env.npm_config_node_gyp,
    join(prefix, "lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
    fileURLToPath(new URL("../node_modules/node-gyp/bin/node-gyp.js", import.meta.url)),
].find(p => p && existsSync(p))

// Node's headers: installed with Node (e.g. /usr/include/node), so node-gyp needs no download.
const nodedir = existsSync(join(prefix, "include/node/node_api.h")) ? prefix : undefined

function warn(why) {
    console.warn(`native matcher not built: ${why}\n  The kiosk will use the JavaScript matcher (same results, about 35 times slower).`)
    process.exit(0)
}

if (!nodeGyp) warn("node-gyp not found (it comes with npm)")
if (!nodedir) warn(`Node's headers not found under ${prefix}/include/node`)
const r = spawnSync(process.execPath, [nodeGyp, "rebuild", `--nodedir=${nodedir}`, "--loglevel=warn"], { cwd: dir, stdio: "inherit" })
if (r.status !== 0) warn(`node-gyp exit ${r.status} (needs g++, make and python3)`)
console.log("native matcher built: kiosk/matching/native/build/Release/rpi_scan.node")
