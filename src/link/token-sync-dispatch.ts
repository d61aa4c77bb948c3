// What the sync link may ask: the token-sync service's registers and commands, exactly as over USB
// (the same server methods, the same answers, found by the service's own spec as the DeviceScript
// server core does), except the link key hand-out, which is USB-only.
// A message is a Jacdac service command (u16 LE) and its payload; each answer has the same shape
// (an empty payload for a command that has no report). A burst log read and a digest read have
// several answers, as over USB: one message per page.
import * as ds from "@devicescript/core"
import { TokenSyncServer } from "../sync/sync-server"
import { HOST_LINK } from "../sync/presence"

/** Never over the air: the sticker's key is handed out over USB only. */
function usbOnly(command: number) {
    return command === ds.TokenSyncCodes.CmdRequestLinkKey || command === ds.TokenSyncCodes.CmdHandOutLinkKey
}

/** The commands that take an argument, decoded by hand (the spec encodes answers, not requests),
 *  and those bound to the host's session: over the link they act for the link's host (a session
 *  opened over USB is not the link's, and the other way round: src/sync/presence.ts). */
async function byHand(s: TokenSyncServer, command: number, arg: Buffer): Promise<Buffer> {
    const C = ds.TokenSyncCodes
    if (command === C.CmdSetTime) {
        if (arg.length < 4) return undefined
        return await s.setTimeFrom(arg.getAt(0, "u32"), HOST_LINK)
    }
    if (command === C.CmdExportKeys) return s.exportKeysFor(arg.length >= 2 ? arg.getAt(0, "u16") : 0, HOST_LINK)
    if (command === C.CmdRequestSession) return ds.TokenSync.spec.byCode(command).response.encode(s.requestSessionFrom(HOST_LINK)).payload
    if (command === C.CmdRequestKeyExport) return ds.TokenSync.spec.byCode(command).response.encode(s.requestKeyExportFrom(HOST_LINK)).payload
    if (command === C.CmdRequestDecommission) return ds.TokenSync.spec.byCode(command).response.encode(s.requestDecommissionFrom(HOST_LINK)).payload
    if (command === C.CmdEndSession) {
        s.endSessionOf(HOST_LINK)
        return Buffer.alloc(0) // a command without a report is answered empty: the host's acknowledgement
    }
    if (command === C.RegNewestRecord) return ds.TokenSync.spec.byCode(command).encode(s.newestRecordFor(HOST_LINK)).payload
    return undefined
}

/** The answers' payloads to `command` with `arg`, or undefined for anything the link does not carry. */
export async function answersOverLink(s: TokenSyncServer, command: number, arg: Buffer): Promise<Buffer[]> {
    if (command === ds.TokenSyncCodes.CmdReadLog) return await s.readLogPages(arg, HOST_LINK)
    if (command === ds.TokenSyncCodes.CmdReadLogDigest) {
        const pages: Buffer[] = []
        await s.readLogDigestPages(arg, HOST_LINK, async page => {
            pages.push(page)
        })
        return pages
    }
    const answer = await answerOverLink(s, command, arg)
    return answer === undefined ? undefined : [answer]
}

async function answerOverLink(s: TokenSyncServer, command: number, arg: Buffer): Promise<Buffer> {
    if (usbOnly(command)) return undefined
    const handled = await byHand(s, command, arg)
    if (handled) return handled
    const spec = ds.TokenSync.spec.byCode(command)
    if (!spec) return undefined
    const method = (s as unknown as Record<string, () => Promise<any>>)[spec.name]
    if (!method) return undefined
    // Registers and argument-less commands: the server's own method (bound on access, as in the
    // DeviceScript server core), its answer encoded by the spec.
    if (spec.type === "register") return spec.encode(await method()).payload
    if (spec.type !== "action") return undefined
    const answer = await method()
    // A command without a report (end_session) is answered empty: the host's acknowledgement.
    return spec.response ? spec.response.encode(answer).payload : Buffer.alloc(0)
}
