// A restart loses nothing: keys, idempotency records, used processing numbers, kiosks, published
// files and the signing key all come back from the data directory.
import { test, expect } from "vitest"
import { rmSync } from "node:fs"
import { startTestServer } from "./helpers.js"
import { upload } from "../../testkit/server.js"
import { readExportZip, parseExportList } from "../../lib/keyfile/index.js"
import { addKiosk } from "../../server/kiosks/api-keys.js"

test("stop and start on the same data directory", async () => {
    const first = await startTestServer()
    const dir = first.dataDir
    try {
        const [used, unpublished, spare] = await first.numbers(3)
        const firstBody = upload(used)
        expect((await first.put("/v3/diagnosis", firstBody)).status).toBe(200)
        const published = await first.app.publishNow()
        expect(published.keys).toBe(5)
        const secondBody = upload(unpublished)
        expect((await first.put("/v3/diagnosis", secondBody)).status).toBe(200)
        const { apiKey } = await addKiosk(first.app.storage, "survives-restart", Date.now())
        const publicKeyBefore = first.app.signingKey.info.publicKey
        const listBefore = await (await first.get("/c19r/440/list.json")).json()
        await first.stop(false)

        const second = await startTestServer({}, dir)
        try {
            expect(second.app.signingKey.created).toBe(false)
            expect(second.app.signingKey.info.publicKey).toBe(publicKeyBefore)
            expect(await second.app.storage.countKeys()).toEqual({ total: 10, unpublished: 5 })
            // The same export files are still served, and still verify.
            const list = parseExportList(await (await second.get("/c19r/440/list.json")).text())
            expect(list.map(e => e.created)).toEqual(listBefore.map((e: { created: number }) => e.created))
            for (const e of list) {
                const zip = new Uint8Array(await (await second.get(new URL(e.url).pathname)).arrayBuffer())
                readExportZip(zip, { publicKey: publicKeyBefore })
            }
            // The kiosk added before the restart still authenticates.
            expect((await second.put("/v3/diagnosis", upload(spare), { authorization: `Bearer ${apiKey}` })).status).toBe(200)
            // The used number stays used; a retried upload (same kiosk, same idempotency key) is still recognised.
            expect((await second.put("/v3/diagnosis", upload(used), { authorization: `Bearer ${first.apiKey}` })).status).toBe(406)
            expect((await second.put("/v3/diagnosis", firstBody, { authorization: `Bearer ${first.apiKey}` })).status).toBe(200)
            expect((await second.app.storage.countKeys()).total).toBe(15)
            // Keys uploaded before the restart are published after it.
            expect((await second.app.publishNow()).keys).toBe(10)
        } finally {
            await second.stop(false)
        }
    } finally {
        rmSync(dir, { recursive: true, force: true })
    }
})

test("a kiosk locked out for wrong processing numbers stays locked after a restart (the count is in the database, shared by every server process)", async () => {
    const guessLimit = { perKiosk: 2, global: 100, windowMinutes: 60 }
    const first = await startTestServer({ guessLimit })
    const dir = first.dataDir
    try {
        const [valid] = await first.numbers()
        for (const wrong of ["10000001", "10000002"]) expect((await first.put("/v3/diagnosis", upload(wrong))).status).toBe(406)
        expect((await first.put("/v3/diagnosis", upload(valid))).status).toBe(429)
        await first.stop(false)

        const second = await startTestServer({ guessLimit }, dir)
        try {
            const locked = await second.put("/v3/diagnosis", upload(valid), { authorization: `Bearer ${first.apiKey}` })
            expect(locked.status).toBe(429)
            expect(locked.body.error).toBe("kiosk_locked")
            expect(await second.app.storage.countKeys()).toEqual({ total: 0, unpublished: 0 })
        } finally {
            await second.stop(false)
        }
    } finally {
        rmSync(dir, { recursive: true, force: true })
    }
})
