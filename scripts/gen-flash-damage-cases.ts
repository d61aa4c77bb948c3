// Writes test/firmware/flash-damage.generated.ts: seeded power cuts run through the simulator's flash
// server (sim/hardware/flash-server.ts), each with the flash content it left (raw: what the chip
// holds). Every program is whole rows into erased rows, as the flash service allows (services/flash.md). The firmware test
// test/firmware/flash-damage.test.ts replays the same cuts on the VM's RAM flash and must get the
// same bytes (one damage rule, common/flash-damage.ts); test/sim/flash-damage.test.ts fails when
// the server no longer gives what the committed file says. Run: npx tsx scripts/gen-flash-damage-cases.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { FlashServer } from "../sim/hardware/flash-server.js"
import { seededRandom } from "../testkit/seeded-random.js"

export const GENERATED_MODULE = fileURLToPath(new URL("../test/firmware/flash-damage.generated.ts", import.meta.url))
/** Seed of the generator's choices (cut points, data, damage seeds). */
export const CASES_SEED = 20261202
const SECTOR_SIZE = 64
const SECTOR_COUNT = 4
const CASES = 16

/** One flash operation of a case; `cutAfter` ≥ 0 arms a power cut that many bytes of work into it. */
export interface DamageStep {
    erase: boolean
    /** Sector (erase) or flash offset (program). */
    at: number
    data: Uint8Array
    cutAfter: number
}

export interface DamageCase {
    damageSeed: number
    steps: DamageStep[]
    /** The whole flash after the steps. */
    after: Uint8Array
}

/** The flash service's write unit (services/flash.md): programs cover whole rows into erased rows. */
const ROW_SIZE = 32
const ROWS = (SECTOR_SIZE * SECTOR_COUNT) / ROW_SIZE

/**
 * Fills every row but a run of 1–3 with varied bytes, then cuts a program of that run (whole rows
 * into erased rows, as the flash service allows) and two erases (at any progress, ends included).
 */
function chooseSteps(int: (n: number) => number, index: number): DamageStep[] {
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256))
    const gapRows = 1 + int(3)
    const gapRow = int(ROWS - gapRows + 1)
    const fills: DamageStep[] = []
    if (gapRow > 0) fills.push({ erase: false, at: 0, data: bytes(gapRow * ROW_SIZE), cutAfter: -1 })
    const after = (gapRow + gapRows) * ROW_SIZE
    if (after < SECTOR_SIZE * SECTOR_COUNT) fills.push({ erase: false, at: after, data: bytes(SECTOR_SIZE * SECTOR_COUNT - after), cutAfter: -1 })
    const length = gapRows * ROW_SIZE
    const program: DamageStep = { erase: false, at: gapRow * ROW_SIZE, data: bytes(length), cutAfter: int(length) }
    // The first and last cases cut the erases at their very start and very end.
    const progress = () => (index === 0 ? 0 : index === CASES - 1 ? SECTOR_SIZE - 1 : int(SECTOR_SIZE))
    const erase = (): DamageStep => ({ erase: true, at: int(SECTOR_COUNT), data: new Uint8Array(0), cutAfter: progress() })
    return [...fills, program, erase(), erase()]
}

/** Runs a case's steps on a fresh flash server and returns the flash content they leave. */
export function runOnFlashServer(damageSeed: number, steps: DamageStep[]): Uint8Array {
    const dir = mkdtempSync(join(tmpdir(), "flash-damage-"))
    const server = new FlashServer({ file: join(dir, "flash"), sectorSize: SECTOR_SIZE, sectorCount: SECTOR_COUNT, damageSeed, encryption: "off" })
    try {
        for (const step of steps) {
            if (step.cutAfter >= 0) server.armPowerCut(step.cutAfter)
            try {
                if (step.erase) server.eraseSector(step.at)
                else server.program(step.at, step.data)
            } catch (e) {
                if (!server.isPowerOff()) throw e
            }
            if (step.cutAfter >= 0 && !server.isPowerOff()) throw new Error("the armed cut did not hit its step")
            server.restorePower()
        }
        return server.readRaw(0, SECTOR_SIZE * SECTOR_COUNT)
    } finally {
        server.close()
        rmSync(dir, { recursive: true, force: true })
    }
}

export function generateCases(): DamageCase[] {
    const random = seededRandom(CASES_SEED)
    const int = (n: number) => random.int(0, n - 1)
    return Array.from({ length: CASES }, (_, i) => {
        const damageSeed = int(0x7fffffff)
        const steps = chooseSteps(int, i)
        return { damageSeed, steps, after: runOnFlashServer(damageSeed, steps) }
    })
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

/** The text of the generated module (pure, so a test can compare it with the committed file). */
export function renderCases(cases: DamageCase[]): string {
    const step = (s: DamageStep) => `{ erase: ${s.erase}, at: ${s.at}, data: hex\`${hex(s.data)}\`, cutAfter: ${s.cutAfter} }`
    const item = (c: DamageCase) => `    {
        damageSeed: ${c.damageSeed},
        steps: [
            ${c.steps.map(step).join(",\n            ")},
        ],
        after: hex\`${hex(c.after)}\`,
    },`
    return `// GENERATED by scripts/gen-flash-damage-cases.ts from the simulator's flash server - do not edit.
// Seeded power cuts (generator seed ${CASES_SEED}) and the flash content each case leaves.

export const SECTOR_SIZE = ${SECTOR_SIZE}
export const SECTOR_COUNT = ${SECTOR_COUNT}

export interface DamageStep {
    erase: boolean
    at: number
    data: Buffer
    cutAfter: number
}

export interface DamageCase {
    damageSeed: number
    steps: DamageStep[]
    after: Buffer
}

export const CASES: DamageCase[] = [
${cases.map(item).join("\n")}
]
`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
    writeFileSync(GENERATED_MODULE, renderCases(generateCases()))
    console.log(`wrote ${GENERATED_MODULE}`)
}
