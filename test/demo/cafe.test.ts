// `npm start` (demo/cafe.ts), the demo a new user runs first: with --no-wait it ends by itself,
// having told the whole story: the café, Aiko registering her keys, the server publishing them,
// Ben told of a probable contact, and where the kiosk web app was.
import { expect, test } from "vitest"
import { execFile } from "node:child_process"
import { root, TSX } from "../../testkit/repo.js"

test("npm start -- --no-wait tells the story from the café to Ben's notice, and ends by itself", async () => {
    const r = await new Promise<{ code: number; out: string; err: string }>(resolve =>
        execFile(process.execPath, [TSX, "demo/cafe.ts", "--no-wait"], { cwd: root, timeout: 480_000 }, (e, stdout, stderr) =>
            resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, out: stdout, err: stderr })
        )
    )
    expect(r.code, `${r.out}\n${r.err}`).toBe(0)
    expect(r.out).toMatch(/^GAEN token world demo \/ GAENトークンのシミュレーション$/m)
    expect(r.out).toMatch(/^ {2}aiko: sent [1-9]\d* identifiers; .*ben: [1-9]\d* identifier\(s\).*\(close\)/m)
    expect(r.out).toMatch(/^ {2}Registered: (1 day|([2-9]|[1-9]\d+) days) of her token's keys sent \(陽性情報の登録\)\.$/m)
    expect(r.out).toMatch(/^ {2}The server publishes (1 key|([2-9]|[1-9]\d+) keys) in (1 signed file|([2-9]|[1-9]\d+) signed files)\.$/m)
    expect(r.out).toMatch(/^ {2}Ben checks his token: probable contact on \d{4}-\d\d-\d\d \(陽性者との接触の可能性があります\)\.$/m)
    expect(r.out).toMatch(/^The kiosk web app \(接触確認の窓口\): http:\/\/127\.0\.0\.1:\d+\//m)
    expect(r.out).not.toMatch(/Press Ctrl\+C/) // --no-wait: nothing left running to wait for
}, 540_000)
