// What the sync link may ask: the token-sync service's registers and commands, exactly as over USB
// (the same server methods, the same answers), except the link key hand-out, which is USB-only.
// A message is a Jacdac service command (u16 LE) and its payload; the answer has the same shape.
import * as ds from "@devicescript/core"
import { TokenSyncServer } from "../sync/sync-server"

function u8(v: number) {
    return Buffer.from([v & 0xff])
}
function u16(v: number) {
    const b = Buffer.alloc(2)
    b.setAt(0, "u16", v)
    return b
}
function u32(v: number) {
    const b = Buffer.alloc(4)
    b.setAt(0, "u32", v)
    return b
}
function i32(v: number) {
    const b = Buffer.alloc(4)
    b.setAt(0, "i32", v)
    return b
}

/** A register read (service command 0x1000 | register, as Jacdac sends it), or undefined. */
function registerValue(s: TokenSyncServer, reg: number): Buffer {
    if (reg === ds.TokenSyncCodes.RegFirmwareVersion) return Buffer.from(s.firmwareVersion())
    if (reg === ds.TokenSyncCodes.RegTokenId) return Buffer.from(s.tokenId())
    if (reg === ds.TokenSyncCodes.RegState) return u8(s.state())
    if (reg === ds.TokenSyncCodes.RegClock) return u32(s.clock())
    if (reg === ds.TokenSyncCodes.RegLastDrift) return i32(s.lastDrift())
    if (reg === ds.TokenSyncCodes.RegKeysHeld) return u16(s.keysHeld())
    if (reg === ds.TokenSyncCodes.RegRecordsHeld) return u32(s.recordsHeld())
    if (reg === ds.TokenSyncCodes.RegStorageUsed) return u32(s.storageUsed())
    if (reg === ds.TokenSyncCodes.RegStorageCapacity) return u32(s.storageCapacity())
    if (reg === ds.TokenSyncCodes.RegScanPeriod) return u16(s.scanPeriod())
    if (reg === ds.TokenSyncCodes.RegIgnoredAdvertisements) return u32(s.ignoredAdvertisements())
    if (reg === ds.TokenSyncCodes.RegBadRecords) return u32(s.badRecords())
    return undefined
}

/** The answer's payload to `command` with `arg`, or undefined for anything the link does not carry. */
export async function answerOverLink(s: TokenSyncServer, command: number, arg: Buffer): Promise<Buffer> {
    const value = registerValue(s, command)
    if (value) return value
    if (command === ds.TokenSyncCodes.CmdSetTime && arg.length >= 4) return i32(await s.setTime(arg.getAt(0, "u32")))
    if (command === ds.TokenSyncCodes.CmdRequestKeyExport) return u8(s.requestKeyExport() ? 1 : 0)
    if (command === ds.TokenSyncCodes.CmdExportKeys) return s.exportKeys(arg.length >= 2 ? arg.getAt(0, "u16") : 0)
    if (command === ds.TokenSyncCodes.CmdReadLog) return await s.readLog(arg)
    if (command === ds.TokenSyncCodes.CmdRequestDecommission) return u8(s.requestDecommission() ? 1 : 0)
    if (command === ds.TokenSyncCodes.CmdDecommission) return s.decommission()
    return undefined
}
