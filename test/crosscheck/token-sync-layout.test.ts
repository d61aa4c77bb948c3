// services/token-sync.md's answer codes and sizes are generated for the firmware and the host from one
// place (TokenSyncAnswer, TokenSyncSetTimeOutcome, TokenSyncLayout): there is no twin to compare.
// This checks that the sizes fit together and fit what carries them.
import { expect, test } from "vitest"
import { TokenSyncAnswer, TokenSyncLayout as Layout, TokenSyncSetTimeOutcome } from "../../lib/jacdac/service-specs.js"
import { TEK_BYTES } from "../../lib/gaen/constants.js"
import { RECORD_BYTES, RECORD_LAYOUT } from "../../lib/token-sync/records.js"

/** A Jacdac report's payload, at the most. */
const MAX_REPORT = 236

test("a log page: state, count, done, next cursor; a burst's page also the cursor it starts from", () => {
    expect(Layout.PageHeaderBytes).toBe(3 + Layout.CursorBytes)
    expect(Layout.BurstPageHeaderBytes).toBe(Layout.PageHeaderBytes + Layout.CursorBytes)
    expect(Layout.CursorBytes).toBe(4 + 2) // sector sequence u32, slot u16
    // As many records as a report holds, and not one more.
    expect(Layout.BurstPageHeaderBytes + Layout.RecordsPerPage * Layout.RecordBytes).toBeLessThanOrEqual(MAX_REPORT)
    expect(Layout.BurstPageHeaderBytes + (Layout.RecordsPerPage + 1) * Layout.RecordBytes).toBeGreaterThan(MAX_REPORT)
    expect(Layout.MaxBurstPages).toBeGreaterThanOrEqual(1)
})

test("a digest page: a burst page's header, the first interval (u32) and span (u8); entries of a slot (u8) and 4 bytes of RPI", () => {
    expect(Layout.DigestPageHeaderBytes).toBe(Layout.BurstPageHeaderBytes + 4 + 1)
    expect(Layout.DigestEntryBytes).toBe(1 + 4)
    // As many entries as a report holds, and not one more.
    expect(Layout.DigestPageHeaderBytes + Layout.MaxDigestEntriesPerPage * Layout.DigestEntryBytes).toBeLessThanOrEqual(MAX_REPORT)
    expect(Layout.DigestPageHeaderBytes + (Layout.MaxDigestEntriesPerPage + 1) * Layout.DigestEntryBytes).toBeGreaterThan(MAX_REPORT)
    // A slot fits its u8: a 4 KiB sector holds 127 records. The span is the matching window's ±12 intervals.
    expect(Layout.DigestMaxSpanIntervals).toBe(12)
})

test("the wire record is the host codec's, and a key entry is a TEK, its rolling start (u32) and period (u8)", () => {
    expect(RECORD_BYTES).toBe(Layout.RecordBytes)
    expect(RECORD_LAYOUT.check + 2).toBe(Layout.RecordBytes)
    expect(Layout.KeyEntryBytes).toBe(TEK_BYTES + 4 + 1)
    expect(Layout.KeyPageHeaderBytes + Layout.KeyEntryBytes).toBeLessThanOrEqual(MAX_REPORT)
})

test("set_time: the drift (i32) then the outcome; decommission: the state then three u32 and who stopped it, or four u32", () => {
    expect(Layout.SetTimeAnswerBytes).toBe(4 + 1)
    expect(Layout.WipeProofAnswerBytes).toBe(1 + 3 * 4 + 1) // state, the three u32 of the proof, who stopped it
    expect(Layout.WipeFailedAnswerBytes).toBe(1 + 4 * 4)
})

test("the answer codes are distinct bytes", () => {
    for (const e of [TokenSyncAnswer, TokenSyncSetTimeOutcome]) {
        const codes = Object.values(e).filter((v): v is number => typeof v === "number")
        expect(new Set(codes).size).toBe(codes.length)
        for (const c of codes) expect(c).toBeLessThan(256)
    }
})
