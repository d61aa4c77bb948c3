// Calendar arithmetic for RTC chips (src/time/calendar.ts): pinned dates whose Unix seconds and
// weekdays come from an independent source (JavaScript's Date.UTC on the host), leap years
// (2000 and 2400 are, 2100 is not), the 2038 boundary, and every day from 2096 to 2104 (leap 2096, not 2100, leap 2104) round-tripped.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { calendarFromUnix, unixFromCalendar, daysFromCivil, CalendarTime } from "../../src/time/calendar"

function at(year: number, month: number, day: number, hour: number, minute: number, second: number, weekday: number): CalendarTime {
    return { year, month, day, hour, minute, second, weekday }
}

function same(a: CalendarTime, b: CalendarTime): string {
    const f = (t: CalendarTime) => `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second} w${t.weekday}`
    return f(a) === f(b) ? "same" : `${f(a)} != ${f(b)}`
}

// [calendar time, Unix seconds] from Date.UTC / getUTCDay.
function pinned(): [CalendarTime, number][] {
    return [
        [at(1970, 1, 1, 0, 0, 0, 4), 0],
        [at(2000, 2, 29, 12, 34, 56, 2), 951827696],
        [at(2024, 2, 29, 23, 59, 59, 4), 1709251199],
        [at(2026, 12, 31, 23, 59, 59, 4), 1798761599],
        [at(2038, 1, 19, 3, 14, 8, 2), 2147483648],
        [at(2100, 2, 28, 23, 59, 59, 0), 4107542399],
        [at(2100, 3, 1, 0, 0, 0, 1), 4107542400],
        [at(2400, 2, 29, 0, 0, 0, 2), 13574563200],
    ]
}

describe("calendar", () => {
    test("pinned dates convert both ways", () => {
        for (const p of pinned()) {
            const cal = p[0]
            const unix = p[1]
            expect(unixFromCalendar(cal)).toBe(unix)
            expect(same(calendarFromUnix(unix), cal)).toBe("same")
        }
    })

    test("2100 is no leap year: the second after 28 February 23:59:59 is 1 March", () => {
        const next = calendarFromUnix(4107542399 + 1)
        expect(next.month).toBe(3)
        expect(next.day).toBe(1)
        expect(daysFromCivil(2100, 3, 1) - daysFromCivil(2100, 2, 28)).toBe(1)
        expect(daysFromCivil(2000, 3, 1) - daysFromCivil(2000, 2, 28)).toBe(2)
        expect(daysFromCivil(2024, 3, 1) - daysFromCivil(2024, 2, 28)).toBe(2)
        expect(daysFromCivil(2101, 1, 1) - daysFromCivil(2100, 1, 1)).toBe(365)
    })

    test("every day from 2096 to 2104 follows the one before", async () => {
        const DAY = 86400
        let prev = calendarFromUnix(daysFromCivil(2096, 1, 1) * DAY + 43200)
        for (let d = daysFromCivil(2096, 1, 2); d <= daysFromCivil(2104, 12, 31); d++) {
            const t = calendarFromUnix(d * DAY + 43200)
            const nextDay = t.day === prev.day + 1 && t.month === prev.month && t.year === prev.year
            const nextMonth =
                t.day === 1 && ((t.month === prev.month + 1 && t.year === prev.year) || (t.month === 1 && prev.month === 12 && t.year === prev.year + 1))
            if (!(nextDay || nextMonth) || t.weekday !== (prev.weekday + 1) % 7 || unixFromCalendar(t) !== d * DAY + 43200) {
                expect(same(t, prev)).toBe(`the day after ${prev.year}-${prev.month}-${prev.day}`)
            }
            prev = t
            if (d % 16 === 0) await ds.sleep(0) // the VM stops loops that never yield
        }
    })
})
