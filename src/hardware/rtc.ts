// A battery-backed real-time clock, when the board has one: with it the token keeps the time across
// a restart; without it the token waits for the next kiosk. One interface, three back ends: the
// Jacdac Real Time Clock service (the simulator serves one), a DS3231 chip on I2C (ds3231.ts), none.
import * as ds from "@devicescript/core"
import { calendarFromUnix, unixFromCalendar } from "../time/calendar"

export interface RealTimeClock {
    /** Unix seconds, or undefined when there is no clock or it was never set. */
    read(): Promise<number>
    write(unixSeconds: number): Promise<void>
}

export class NoRealTimeClock implements RealTimeClock {
    async read(): Promise<number> {
        return undefined
    }
    async write(unixSeconds: number) {}
}

/** How long boot waits for an RTC on the bus before going without. */
const BIND_WAIT_MS = 3000

export class JacdacRealTimeClock implements RealTimeClock {
    constructor(private readonly role: ds.RealTimeClock) {}

    private async bound(): Promise<boolean> {
        for (let waited = 0; waited < BIND_WAIT_MS; waited += 100) {
            if (await this.role.binding().read()) return true
            await ds.sleep(100)
        }
        return false
    }

    async read(): Promise<number> {
        if (!(await this.bound())) return undefined
        const [year, month, day, weekday, hour, minute, second] = await this.role.reading.read()
        return unixFromCalendar({ year, month, day, weekday, hour, minute, second })
    }

    async write(unixSeconds: number) {
        if (!(await this.role.binding().read())) return
        const t = calendarFromUnix(unixSeconds)
        await this.role.setTime(t.year, t.month, t.day, t.weekday, t.hour, t.minute, t.second)
    }
}
