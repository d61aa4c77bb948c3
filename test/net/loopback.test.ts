// The one loopback rule (lib/net/loopback.ts) and the two checks that rest on it outside a running
// web app: plain http:// from the kiosk only to this machine, and the server's start refusing
// Host-derived list.json URLs on a reachable address. (The web app's Host check with the same
// rule: test/kiosk-web/serve.test.ts.)
import { describe, expect, test } from "vitest"
import { isLoopbackHost } from "../../lib/net/loopback.js"
import { checkServerUrl } from "../../kiosk/http/server-client.js"
import { checkStartConfig, defaultConfig } from "../../server/config.js"

describe("isLoopbackHost", () => {
    test("this machine: localhost, 127.0.0.0/8, ::1 with or without brackets", () => {
        for (const host of ["localhost", "LocalHost", "127.0.0.1", "127.0.0.2", "127.255.255.255", "127.1.2.3", "::1", "[::1]"])
            expect(isLoopbackHost(host), host).toBe(true)
    })

    test("not this machine: other addresses, names that only look like loopback, malformed addresses", () => {
        for (const host of [
            "",
            "0.0.0.0",
            "::",
            "[::]",
            "10.0.0.1",
            "128.0.0.1",
            "127.example.org",
            "127.0.0.1.example.org",
            "localhost.example.org",
            "mylocalhost",
            "127.0.0.256",
            "127.0.0",
            "127.0.0.1.5",
            "::2",
            "[::1]:80",
            "example.org",
        ])
            expect(isLoopbackHost(host), host).toBe(false)
    })
})

describe("the rule's users", () => {
    test("the kiosk sends over plain http:// only to this machine", () => {
        for (const ok of ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9", "http://127.0.0.5", "https://example.org"])
            expect(() => checkServerUrl(ok, "--server"), ok).not.toThrow()
        for (const bad of ["http://127.example.org", "http://10.0.0.1", "http://example.org"])
            expect(() => checkServerUrl(bad, "--server"), bad).toThrow(/http:\/\/ is only allowed for this machine/)
    })

    test("the server takes list.json URLs from the Host header only when it listens on this machine", () => {
        for (const host of ["127.0.0.1", "localhost", "::1"]) expect(() => checkStartConfig(defaultConfig({ host })), host).not.toThrow()
        for (const host of ["0.0.0.0", "127.example.org", "192.168.1.10"])
            expect(() => checkStartConfig(defaultConfig({ host })), host).toThrow(/--public-url is required when listening on/)
        expect(() => checkStartConfig(defaultConfig({ host: "0.0.0.0", publicUrl: "https://example.org" }))).not.toThrow()
    })
})
