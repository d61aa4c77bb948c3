// GAEN token firmware: wires the parts together. Each part lives in its own folder:
//   gaen/     protocol cryptography      time/   the wall clock set by kiosks
//   keys/     the token's own TEKs        beacon/ what goes on air and when
//   hardware/ the radio service client    sync/   what a kiosk can see and do
import * as ds from "@devicescript/core"
import { startServer } from "@devicescript/server"
import { readSetting, writeSetting } from "@devicescript/settings"
import { randomBuffer } from "@devicescript/crypto"
import { WallClock } from "./time/wall-clock"
import { ExposureKeys, MemoryKeyStore } from "./keys/exposure-keys"
import { JacdacRadio } from "./hardware/radio"
import { Beacon } from "./beacon/beacon"
import { TokenSyncServer } from "./sync/sync-server"
import { JacdacOwnerButton } from "./sync/owner-button"

const TOKEN_ID_SETTING = "token_id"

async function tokenId(): Promise<string> {
    const existing: string = await readSetting(TOKEN_ID_SETTING, "")
    if (existing) return existing
    const id = randomBuffer(8).toString("hex")
    await writeSetting(TOKEN_ID_SETTING, id)
    return id
}

async function main() {
    const clock = new WallClock()
    const keys = new ExposureKeys(new MemoryKeyStore())
    await keys.load()
    const radio = new JacdacRadio(new ds.GaenRadio())
    const beacon = new Beacon(radio, clock, keys)
    const button = new JacdacOwnerButton(new ds.Button())
    startServer(new TokenSyncServer({ tokenId: await tokenId() }, clock, keys, beacon, button))
    await beacon.run()
}

await main()
