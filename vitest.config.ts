import { defineConfig } from "vitest/config"

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        exclude: ["test/firmware/**", "node_modules/**"],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // jacdac-ts announces every socket connection on console.debug; tests connect often.
        onConsoleLog: log => !/^tcp: (dis)?connecting/.test(log),
    },
})
