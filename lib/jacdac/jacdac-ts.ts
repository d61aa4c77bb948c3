// jacdac-ts for Node. Its ESM build cannot `require("net")` for the socket transport, so the
// CommonJS build is loaded, by the package's name.
// Its types are the one thing taken from a path inside node_modules, type-only (erased at run time,
// so the program never loads that file). No supported way reaches them: the package's "exports"
// (jacdac-ts 1.33.7, the newest release on 2026-12-07) map "." to dist/jacdac.mjs and
// dist/jacdac.cjs only, TypeScript's Node resolution then looks for dist/jacdac.d.mts / .d.cts
// beside them, which the package does not ship, and ignores its "types" field
// (dist/types/src/jacdac.d.ts) once "exports" exists. A tsconfig "paths" alias for "jacdac-ts"
// would also send tsx's run-time require of the package to the .d.ts file.
// test/project/import-direction.test.ts allows this import alone.
import { createRequire } from "node:module"
import type * as JacdacTs from "../../node_modules/jacdac-ts/dist/types/src/jacdac.js"

export type { JDBus, JDDevice, JDService, Packet } from "../../node_modules/jacdac-ts/dist/types/src/jacdac.js"
const jd: typeof JacdacTs = createRequire(import.meta.url)("jacdac-ts")

// A jacdac-ts bus sets every Real Time Clock it sees to the host's time. Our hosts (kiosk, harness)
// must not: a token takes its time only through set_time, which also measures its drift, and the
// simulator's hosts do not even run on simulated time.
;(jd.JDBus.prototype as any).handleRealTimeClockSync = async () => {}

export default jd
