// Firmware benchmark: VM time of a daily key derivation (TEK -> RPIK + AEMK, with their AES key
// schedules) and of one rotation (RPI + AEM + 31-byte payload). A self-contained DeviceScript
// program: it prints one line
//   BENCH tek_derivation_ms=<x> rotation_ms=<y> derivations=<n> rotations=<m> yield_ms=<z>
// and exits (ds.restart(), which the CLI's test mode reports as "test OK", exit code 0).
// How to run it (with or without the simulator's GC stress) is in bench/firmware/README.md.
//
// Measuring in the VM: ds.millis() does not advance inside one VM slice (the simulator reads the
// clock when a slice starts), and a slice must stay under ~128K opcodes, so the work runs in small
// batches separated by `await ds.sleep(0)`. The same loop with no work gives the cost of the
// yields, which is subtracted.
import * as ds from "@devicescript/core"
import { deriveDailyKeys, identifiersFor } from "../../src/gaen/index"

const TEK = hex`75c734c6dd1a782de7a965da5eb93125` // the GAEN v1.2 test-vector TEK
const FIRST_RPI = "8be6cd371c5c891604bfbe49df845096" // its RPI for FIRST_INTERVAL
const FIRST_INTERVAL = 2642976
const TX_POWER_DBM = 8
const BATCHES = 50
/** Operations per VM slice: 4 rotations (8 AES blocks) stay well inside one slice. */
const PER_BATCH = 4

/** VM milliseconds for BATCHES x (PER_BATCH calls of `work`, then a yield). */
async function timeBatches(work: (i: number) => void): Promise<number> {
    await ds.sleep(0) // start on a fresh slice
    const start = ds.millis()
    for (let b = 0; b < BATCHES; b++) {
        for (let i = 0; i < PER_BATCH; i++) work(b * PER_BATCH + i)
        await ds.sleep(0)
    }
    return ds.millis() - start
}

function round3(x: number): number {
    return Math.round(x * 1000) / 1000
}

async function main() {
    // Warm-up, and a check that we time working code: a wrong RPI ends the run with an error.
    const keys = deriveDailyKeys(TEK)
    const rpi = identifiersFor(keys, FIRST_INTERVAL, TX_POWER_DBM).rpi.toString("hex")
    if (rpi !== FIRST_RPI) throw new Error(`benchmark self-check failed: RPI ${rpi}, expected ${FIRST_RPI}`)

    const yields = await timeBatches(() => {})
    const derivations = await timeBatches(() => {
        deriveDailyKeys(TEK)
    })
    const rotations = await timeBatches(i => {
        identifiersFor(keys, FIRST_INTERVAL + (i % 144), TX_POWER_DBM)
    })
    const count = BATCHES * PER_BATCH
    console.log(
        `BENCH tek_derivation_ms=${round3(Math.max(0, derivations - yields) / count)}` +
            ` rotation_ms=${round3(Math.max(0, rotations - yields) / count)}` +
            ` derivations=${count} rotations=${count} yield_ms=${round3(yields / BATCHES)}`
    )
    ds.restart() // ends the program; in --test mode the CLI exits 0
}

await main()
