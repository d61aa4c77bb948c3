// Maxim DS3231 real-time clock on I2C (address 0x68), for token boards that carry one. Registers
// 0x00–0x06 hold seconds, minutes, hours, weekday, date, month/century, year in BCD (datasheet
// "Timekeeping Registers"); the oscillator-stop flag (bit 7 of 0x0F) says the time was lost.
import { i2c } from "@devicescript/i2c"
import { calendarFromUnix, unixFromCalendar } from "../time/calendar"
import { RealTimeClock } from "./rtc"

const ADDRESS = 0x68
const REG_TIME = 0x00
const REG_STATUS = 0x0f
const OSCILLATOR_STOPPED = 0x80

const fromBcd = (b: number) => (b >> 4) * 10 + (b & 0x0f)
const toBcd = (v: number) => (Math.idiv(v, 10) << 4) | (v % 10)

export class Ds3231Clock implements RealTimeClock {
    async read(): Promise<number> {
        const status = await i2c.readReg(ADDRESS, REG_STATUS)
        if (status & OSCILLATOR_STOPPED) return undefined // battery ran out: the time is not valid
        const r = await i2c.readRegBuf(ADDRESS, REG_TIME, 7)
        return unixFromCalendar({
            second: fromBcd(r[0] & 0x7f),
            minute: fromBcd(r[1] & 0x7f),
            hour: fromBcd(r[2] & 0x3f), // 24-hour mode is what write() sets
            weekday: (r[3] & 0x07) - 1,
            day: fromBcd(r[4] & 0x3f),
            month: fromBcd(r[5] & 0x1f),
            year: 2000 + fromBcd(r[6]) + (r[5] & 0x80 ? 100 : 0),
        })
    }

    async write(unixSeconds: number) {
        const t = calendarFromUnix(unixSeconds)
        const buf = Buffer.from([
            toBcd(t.second),
            toBcd(t.minute),
            toBcd(t.hour),
            t.weekday + 1,
            toBcd(t.day),
            toBcd(t.month) | (t.year >= 2100 ? 0x80 : 0),
            toBcd(t.year % 100),
        ])
        await i2c.writeRegBuf(ADDRESS, REG_TIME, buf)
        const status = await i2c.readReg(ADDRESS, REG_STATUS)
        await i2c.writeReg(ADDRESS, REG_STATUS, status & ~OSCILLATOR_STOPPED)
    }

    /** True when a DS3231 answers on the bus. */
    static async present(): Promise<boolean> {
        try {
            await i2c.readReg(ADDRESS, REG_STATUS)
            return true
        } catch {
            return false
        }
    }
}
