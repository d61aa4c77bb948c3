// A battery-backed real-time clock, when the board has one: with it the token keeps the time across
// a restart; without it the token waits for the next kiosk. One interface, two back ends: the
// Jacdac Real Time Clock service (the simulator serves one) and a DS3231 chip on I2C (ds3231.ts).
import * as ds from "@devicescript/core"
import { calendarFromUnix, unixFromCalendar } from "../time/calendar"

export interface RealTimeClock {
    /** Unix seconds, or undefined when there is no clock or it was never set. */
    read(): Promise<number>
    write(unixSeconds: number): Promise<void>
}

/** How long boot waits for an RTC on the bus before going without. */
const BIND_WAIT_MS = 3000

export class JacdacRealTimeClock implements RealTimeClock {
    /** Set once the bind wait has been paid: boot reads the clock twice (main.ts probes it, then
     *  Token.boot), and a missing RTC must not cost the wait each time. */
    private waited = false

    constructor(private readonly role: ds.RealTimeClock) {}

    private async bound(): Promise<boolean> {
        if (!this.waited) {
            this.waited = true
            for (let t = 0; t < BIND_WAIT_MS; t += 100) {
                if (await this.role.binding().read()) return true
                await ds.sleep(100)
            }
        }
        return await this.role.binding().read()
    }

    async read(): Promise<number> {
        if (!(await this.bound())) return undefined
        const [year, month, day, weekday, hour, minute, second] = await this.role.reading.read()
        return unixFromCalendar({ year, month, day, weekday, hour, minute, second })
    }

    async write(unixSeconds: number) {
        if (!(await this.bound())) return
        const t = calendarFromUnix(unixSeconds)
        await this.role.setTime(t.year, t.month, t.day, t.weekday, t.hour, t.minute, t.second)
    }
}
