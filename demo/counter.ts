// The second half of `npm start`: the health centre's counter after the café scene. The real
// notification server and the kiosk web app run on the world's clock; Aiko registers her positive
// test at the kiosk (her button pressed in the world), the server publishes her key, and Ben's
// check shows a probable contact. Then the web app's URL is printed for people to click through
// the same screens themselves (Chika's and Daisuke's tokens are still there to check).
import { OWNER_PRESS_SCALE } from "../sim/harness/owner.js"
import { join } from "node:path"
import { rmSync } from "node:fs"
import { startServer } from "../server/app.js"
import { defaultConfig } from "../server/config.js"
import { addKiosk } from "../server/kiosks/api-keys.js"
import { issueProcessingNumbers } from "../server/verification/local.js"
import { startWebApp, type WebApp } from "../kiosk/web/server.js"
import type { JobView } from "../kiosk/web/desk.js"
import { units } from "../kiosk/i18n/messages.js"
import type { World } from "../sim/world/world.js"

const INTERVAL_MS = 600_000

export async function runCounterDemo(world: World, outDir: string, o: { waitForPeople: boolean }): Promise<void> {
    for (const sub of ["server", "kiosk"]) rmSync(join(outDir, sub), { recursive: true, force: true })
    const now = () => world.clock.now()
    const address = (id: string) => `tcp://127.0.0.1:${world.token(id).hubPort}`
    const server = await startServer(
        defaultConfig({
            dataDir: join(outDir, "server"),
            host: "127.0.0.1",
            port: 0,
            publishIntervalMinutes: 0,
            clock: now,
            log: () => {},
        })
    )
    let presser: string | undefined
    const web = await startWebApp({
        dataDir: join(outDir, "kiosk"),
        now,
        observe: p => {
            if (p.step === "press-button" && presser) {
                const who = presser
                presser = undefined
                console.log(`  (${who} presses the token's button)`)
                void world.pressButton(who)
            }
        },
    })
    try {
        const { apiKey } = await addKiosk(server.storage, "demo counter", now())
        const [processingNumber] = (await issueProcessingNumbers(server.storage, { count: 1, validHours: 72, now: now() })).numbers
        web.desk.saveSettings({
            server: server.url,
            publicKey: server.signingKey.info.publicKey,
            apiKey,
            centreName: "デモ保健所 / Demo health centre",
            centrePhone: "03-0000-0000",
            centreHours: "9:00–17:00",
        })
        console.log(`\nAt the health centre's counter (notification server ${server.url}):`)

        console.log("  Aiko tested positive. At the kiosk she gives her processing number and confirms on her token…")
        const previous = world.clock.scale
        await world.clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        presser = "aiko"
        const today = new Date(now()).toISOString().slice(0, 10)
        const registered = await job(web, address("aiko"), () => web.desk.startRegister({ processingNumber, symptoms: "no", onset: today }))
        world.clock.setScale(previous)
        console.log(`  Registered: ${units(registered.registered?.accepted ?? 0, "day")} of her token's keys sent (陽性情報の登録).`)

        // The server publishes a key only once its last 10-minute interval has ended.
        world.governor.fast()
        await world.clock.until((Math.floor(now() / INTERVAL_MS) + 1) * INTERVAL_MS + 1000)
        world.governor.calm()
        const run = await server.publishNow()
        console.log(`  The server publishes ${units(run.keys, "key")} in ${units(run.files.length, "signed file")}.`)

        console.log("  Ben asks for a check; he presses his token's button so the kiosk may read its records…")
        await world.clock.changeScaleAndSettle(OWNER_PRESS_SCALE)
        presser = "ben"
        const checked = await job(web, address("ben"), () => web.desk.startCheck())
        world.clock.setScale(previous)
        console.log(
            checked.check?.probableContact
                ? `  Ben checks his token: probable contact on ${checked.check.contactDates.join(", ")} (陽性者との接触の可能性があります).`
                : "  Ben checks his token: no contact found."
        )

        const tokens = ["chika", "daisuke"].map(id => `${id}: ${address(id)}`).join(", ")
        console.log(`\nThe kiosk web app (接触確認の窓口): ${web.url}`)
        if (!o.waitForPeople) return
        console.log(`Open it in a browser on this machine and check the other tokens yourself (${tokens}).`)
        console.log("Press Ctrl+C to end the demo.")
        await new Promise<void>(r => {
            process.once("SIGINT", r)
            process.once("SIGTERM", r)
        })
    } finally {
        await web.close()
        await server.close()
    }
}

/** Connects the token, runs one kiosk step and waits until it has finished (the demo's own pace). */
async function job(web: WebApp, address: string, start: () => void): Promise<JobView> {
    await web.desk.connect(address)
    try {
        start()
        for (;;) {
            const view = web.desk.view().job
            if (view && view.phase !== "running") {
                if (view.phase === "failed") throw new Error(`the kiosk reports ${view.error?.code}: ${view.error?.message}`)
                return view
            }
            await new Promise(r => setTimeout(r, 200))
        }
    } finally {
        await web.desk.disconnect()
    }
}
