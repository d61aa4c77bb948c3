import { defineConfig } from "vitest/config"

/** Server suites that run a second time on PostgreSQL (they reach storage only through the server and failKeyStores). */
const SERVER_SUITES_ON_POSTGRES = ["diagnosis", "publishing", "hersys", "restart", "operations"].map(n => `test/server/${n}.test.ts`)

export default defineConfig({
    test: {
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // jacdac-ts announces every socket connection on console.debug; tests connect often.
        onConsoleLog: log => !/^tcp: (dis)?connecting/.test(log),
        projects: [
            {
                extends: true,
                test: { name: "node", include: ["test/**/*.test.ts"], exclude: ["test/firmware/**", "node_modules/**"] },
            },
            {
                // The same server tests against a real PostgreSQL server this run starts (test/helpers/postgres.ts).
                extends: true,
                test: { name: "server-on-postgres", include: SERVER_SUITES_ON_POSTGRES, globalSetup: ["test/helpers/postgres-global-setup.ts"] },
            },
        ],
    },
})
