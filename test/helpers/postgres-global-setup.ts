// Vitest global setup of the "server-on-postgres" project: one PostgreSQL cluster (with the migrated
// template database) for the whole run; each test server gets its own clone (test/server/helpers.ts).
import type { TestProject } from "vitest/node"
import { startTestPostgres } from "./postgres.js"

declare module "vitest" {
    export interface ProvidedContext {
        /** Set only in the server-on-postgres project. */
        postgresClusterDir: string
    }
}

export default async function setup(project: TestProject) {
    const postgres = await startTestPostgres()
    project.provide("postgresClusterDir", postgres.cluster.dir)
    return () => postgres.stop()
}
