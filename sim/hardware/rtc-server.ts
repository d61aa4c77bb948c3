// A simulated battery-backed real-time clock chip (like a DS3231) served as the Jacdac Real Time
// Clock service. It keeps running while the token is off: its offset from simulated time is kept
// in a file in the token's folder. A chip never set (or whose battery died) reads 2000-01-01,
// which the firmware refuses as a time.
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import jd from "../../lib/jacdac/jacdac-ts.js"

const NEVER_SET_MS = Date.UTC(2000, 0, 1)
const REG_READING = 0x101
const CMD_SET_TIME = 0x80

function fields(ms: number): [number, number, number, number, number, number, number] {
    const d = new Date(ms)
    return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
}

export class SimulatedRtcServer extends jd.JDServiceServer {
    private offsetMs: number | undefined
    private readonly reading

    /** @param stateFile where the chip's setting survives power cuts; @param now simulated time (ms) */
    constructor(
        private readonly stateFile: string,
        private readonly now: () => number
    ) {
        super(jd.SRV_REAL_TIME_CLOCK, { variant: 2 /* crystal */ })
        this.offsetMs = existsSync(stateFile) ? Number(readFileSync(stateFile, "utf8")) : undefined
        this.reading = this.addRegister<[number, number, number, number, number, number, number]>(REG_READING, fields(this.timeMs()))
        this.addCommand(CMD_SET_TIME, pkt => this.handleSetTime(pkt.data))
        this.reading.on(jd.REFRESH, () => this.reading.setValues(fields(this.timeMs())))
    }

    private timeMs(): number {
        return this.offsetMs === undefined ? NEVER_SET_MS : this.now() + this.offsetMs
    }

    private handleSetTime(data: Uint8Array) {
        if (data.length < 8) return
        const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
        const ms = Date.UTC(v.getUint16(0, true), data[2] - 1, data[3], data[5], data[6], data[7])
        if (!Number.isFinite(ms)) return
        this.offsetMs = ms - this.now()
        writeFileSync(this.stateFile, String(this.offsetMs))
        this.reading.setValues(fields(this.timeMs()))
    }
}
