// GAEN token firmware entry point: finds the hardware, boots the token, runs it.
// The parts live in folders by concern (see README, "What is here");
// token.ts wires them together.
import * as ds from "@devicescript/core"
import { startServer } from "@devicescript/server"
import { JacdacRadio } from "./hardware/radio"
import { Ds3231Clock } from "./hardware/ds3231"
import { JacdacRealTimeClock, RealTimeClock } from "./hardware/rtc"
import { BoardStatusLight } from "./status/status-light"
import { FlashClient } from "./storage/flash-client"
import { TokenSyncServer } from "./sync/sync-server"
import { JacdacOwnerButton } from "./sync/owner-button"
import { Token } from "./token"
import { JacdacRadioLink } from "./hardware/radio-link"
import { SyncLink } from "./link/sync-link"

/** A Jacdac RTC (the simulator's) if one is on the bus, else a DS3231 chip on I2C, else the Jacdac
 *  one anyway: it reads as unset until an RTC appears on the bus. */
async function findRealTimeClock(): Promise<RealTimeClock> {
    const jacdac = new JacdacRealTimeClock(new ds.RealTimeClock())
    if ((await jacdac.read()) !== undefined) return jacdac
    if (!ds.isSimulator() && (await Ds3231Clock.present())) return new Ds3231Clock()
    return jacdac // may still appear later (and takes the time at the next sync)
}

async function main() {
    const light = new BoardStatusLight()
    ;(async () => {
        await light.run()
    }).start()
    const radio = new ds.GaenRadio()
    const token = await Token.boot({
        radio: new JacdacRadio(radio),
        flash: new FlashClient(),
        light,
        rtc: await findRealTimeClock(),
    })
    const button = new JacdacOwnerButton(new ds.Button())
    const sync = new TokenSyncServer(token, button)
    startServer(sync)
    // Bluetooth sync: a press opens the link's window (the token-sync service keeps its own rules).
    const link = new SyncLink(token, new JacdacRadioLink(radio), sync)
    button.onPress(async () => {
        await link.openWindow()
    })
    await token.run()
}

await main()
