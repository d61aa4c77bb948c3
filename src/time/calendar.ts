// Unix seconds ↔ UTC calendar fields, for real-time-clock chips and the Jacdac RTC service, which
// count in years, months and days. Days-from-civil arithmetic on the proleptic Gregorian calendar.

export interface CalendarTime {
    year: number
    /** 1–12 */
    month: number
    /** 1–31 */
    day: number
    /** 0 = Sunday */
    weekday: number
    hour: number
    minute: number
    second: number
}

const SECONDS_PER_DAY = 86400

/** Days since 1970-01-01 of a UTC date. */
export function daysFromCivil(year: number, month: number, day: number): number {
    const y = month <= 2 ? year - 1 : year
    const era = Math.floor(y / 400)
    const yoe = y - era * 400
    const mp = month > 2 ? month - 3 : month + 9
    const doy = Math.idiv(153 * mp + 2, 5) + day - 1
    const doe = yoe * 365 + Math.idiv(yoe, 4) - Math.idiv(yoe, 100) + doy
    return era * 146097 + doe - 719468
}

export function unixFromCalendar(t: CalendarTime): number {
    return daysFromCivil(t.year, t.month, t.day) * SECONDS_PER_DAY + t.hour * 3600 + t.minute * 60 + t.second
}

export function calendarFromUnix(unixSeconds: number): CalendarTime {
    const s = Math.floor(unixSeconds)
    const days = Math.floor(s / SECONDS_PER_DAY)
    const rest = s - days * SECONDS_PER_DAY
    const z = days + 719468
    const era = Math.floor(z / 146097)
    const doe = z - era * 146097
    const yoe = Math.idiv(doe - Math.idiv(doe, 1460) + Math.idiv(doe, 36524) - Math.idiv(doe, 146096), 365)
    const doy = doe - (365 * yoe + Math.idiv(yoe, 4) - Math.idiv(yoe, 100))
    const mp = Math.idiv(5 * doy + 2, 153)
    const day = doy - Math.idiv(153 * mp + 2, 5) + 1
    const month = mp < 10 ? mp + 3 : mp - 9
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    return {
        year,
        month,
        day,
        weekday: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
        hour: Math.idiv(rest, 3600),
        minute: Math.idiv(rest % 3600, 60),
        second: rest % 60,
    }
}
