// jacdac-ts for Node. Its ESM build cannot `require("net")` for the socket transport, so the
// CommonJS build is loaded. Its package "exports" hide its type declarations from TypeScript's
// Node resolution, so types are taken from their file directly (type-only: erased at run time).
import { createRequire } from "node:module"
import type * as JacdacTs from "../../node_modules/jacdac-ts/dist/types/src/jacdac.js"

export type { JDBus, JDDevice, JDService, Packet } from "../../node_modules/jacdac-ts/dist/types/src/jacdac.js"
const jd: typeof JacdacTs = createRequire(import.meta.url)("jacdac-ts")

// A jacdac-ts bus sets every Real Time Clock it sees to the host's time. Our hosts (kiosk, harness)
// must not: a token takes its time only through set_time, which also measures its drift, and the
// simulator's hosts do not even run on simulated time.
;(jd.JDBus.prototype as any).handleRealTimeClockSync = async () => {}

export default jd
