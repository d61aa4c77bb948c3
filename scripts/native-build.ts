// Builds the native ESP32 servers' host programs (native/esp32/) with the machine's gcc, and the
// 32-bit RISC-V compile check of the cores. The host build uses port/host/; a board build uses
// port/esp32/ (native/esp32/CMakeLists.txt): the port folder is chosen in these two places only.
// Used by scripts/test.ts (the host tests) and test/native/ (conformance); run alone it builds and
// runs the host tests: npx tsx scripts/native-build.ts
import { spawnSync } from "node:child_process"
import { mkdirSync, readdirSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
export const NATIVE_DIR = join(root, "native/esp32")
const OUT_DIR = join(root, "tmp/native")

const CORE = readdirSync(join(NATIVE_DIR, "core"))
    .filter(f => f.endsWith(".c"))
    .map(f => `core/${f}`)
const HOST_PORT = readdirSync(join(NATIVE_DIR, "port/host"))
    .filter(f => f.endsWith(".c"))
    .map(f => `port/host/${f}`)
const WARNINGS = ["-std=gnu11", "-Wall", "-Wextra", "-Werror"]
const HOST_FLAGS = [...WARNINGS, "-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-I", "."]

/**
 * The environment to run a sanitized host program in. ASan refuses to start when another library is
 * preloaded ahead of it (LD_PRELOAD), as libfaketime is when the suite is run at a chosen time of day
 * (`faketime '2026-12-02 23:57:30' npm test`); these programs do not read the clock, so the order
 * check is turned off rather than the program skipped.
 */
export function sanitizedEnv(): NodeJS.ProcessEnv {
    const asan = [process.env.ASAN_OPTIONS, "verify_asan_link_order=0"].filter(Boolean).join(":")
    return { ...process.env, ASAN_OPTIONS: asan }
}

function gcc(compiler: string, args: string[]) {
    const r = spawnSync(compiler, args, { cwd: NATIVE_DIR, encoding: "utf8" })
    if (r.error) throw new Error(`${compiler} could not run (${r.error.message}): scripts/install-system-deps.sh installs it`)
    if (r.status !== 0) throw new Error(`${compiler} ${args.join(" ")}\n${r.stdout}${r.stderr}`)
}

function hostProgram(name: string, sources: string[], extraFlags: string[] = []): string {
    mkdirSync(OUT_DIR, { recursive: true })
    const exe = join(OUT_DIR, name)
    gcc("gcc", [...HOST_FLAGS, ...extraFlags, ...sources, "-o", exe])
    return exe
}

/** The C host tests: cores + host port + the NimBLE GAP and sync-link handlers fed by scripted events. */
export function buildHostTests(): string {
    const tests = readdirSync(join(NATIVE_DIR, "test"))
        .filter(f => /_tests\.c$|^main\.c$/.test(f))
        .map(f => `test/${f}`)
    return hostProgram("host-tests", [...CORE, ...HOST_PORT, "port/esp32/gap_events.c", "port/esp32/link_events.c", ...tests], ["-I", "test/nimble_fake"])
}

/** Runs the shared conformance cases' steps on the C cores (see its header for the line protocol). */
export function buildConformanceRunner(): string {
    return hostProgram("conformance-runner", [...CORE, ...HOST_PORT, "test/conformance_runner.c"])
}

/** The cores compiled for 32-bit RISC-V (ESP32-C3's ISA), freestanding, to catch 32-bit assumptions. */
export function compileCoresForRiscv32() {
    mkdirSync(OUT_DIR, { recursive: true })
    for (const source of CORE) {
        const object = join(OUT_DIR, source.replace(/[/.]/g, "_") + ".rv32.o")
        gcc("riscv64-unknown-elf-gcc", [
            "-march=rv32imc",
            "-mabi=ilp32",
            "-ffreestanding",
            ...WARNINGS,
            "-Wconversion",
            "-Wcast-align",
            "-Os",
            "-I",
            ".",
            "-c",
            source,
            "-o",
            object,
        ])
    }
}

/** Builds and runs the host tests and the RISC-V check; counts as scripts/test.ts adds them up. */
export function runNativeTests(filter?: string): { passed: number; failed: number; out: string } {
    let out = ""
    let passed = 0
    let failed = 0
    try {
        compileCoresForRiscv32()
        passed++
        out += "  ok native cores compile for rv32imc/ilp32 with -Werror\n"
    } catch (e) {
        failed++
        out += `  FAILED native cores compile for rv32imc/ilp32 with -Werror\n${(e as Error).message}\n`
    }
    let exe: string
    try {
        exe = buildHostTests()
    } catch (e) {
        return { passed, failed: failed + 1, out: out + `  FAILED native host tests build\n${(e as Error).message}\n` }
    }
    const r = spawnSync(exe, filter ? [filter] : [], { encoding: "utf8", env: sanitizedEnv() })
    const m = /(\d+) passed, (\d+) failed\s*$/.exec(r.stdout ?? "")
    // The program's own summary line is left out: npm test prints one summed line at the very end.
    out += (r.stdout ?? "").replace(/\d+ passed, \d+ failed\s*$/, "") + (r.stderr ?? "")
    if (!m) return { passed, failed: failed + 1, out: out + `  FAILED native host tests ended without a summary (status ${r.status}, ${r.signal ?? ""})\n` }
    passed += Number(m[1])
    failed += Number(m[2]) + (r.status !== 0 && m[2] === "0" ? 1 : 0)
    return { passed, failed, out }
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const r = runNativeTests(process.argv[2])
    process.stdout.write(r.out)
    console.log(`${r.passed} passed, ${r.failed} failed`)
    process.exit(r.failed ? 1 : 0)
}
