// The compile check of the native ESP32 servers against the real ESP-IDF, jacdac-c and
// devicescript-esp32 sources, for the ESP32-C3 and the ESP32, as far as this machine allows:
//
//   npm run check:esp-idf -- <ESP-IDF tree> --jacdac <jacdac-c tree> --devicescript <devicescript-esp32 tree>
//
// The trees are checkouts the caller provides (never part of this repository): ESP-IDF 5.0.x with its
// NimBLE submodule (components/bt/host/nimble/nimble), jacdac-c with its jacdac submodule's dist/c
// (the commit devicescript-esp32 pins through devicescript/runtime/jacdac-c), devicescript-esp32.
//
// For each chip, and for the development and the field (production) profile:
//  1. scripts/esp-idf-sdkconfig.py resolves devicescript-esp32's boards/sdkconfig.* followed by ours
//     (boards/sdkconfig.gaen[.<chip>], boards/sdkconfig.production[.<chip>]) against the tree's
//     Kconfig files, as `idf.py build` does, and writes that chip's sdkconfig.h; any option of ours
//     that the tree does not define, or that does not hold once dependencies are resolved, fails.
//  2. Every C file of native/esp32's CMakeLists.txt (core, port/esp32, jd) is compiled against that
//     sdkconfig.h with ESP-IDF's own warning flags plus -Werror, ESP-IDF's, NimBLE's, jacdac-c's and
//     devicescript-esp32's headers as system headers (-isystem: their warnings are theirs).
//     ESP32-C3: Debian's riscv64-unknown-elf-gcc for rv32imc/ilp32 (the C3's ISA) with Debian's newlib
//     headers: a real compile to an object file, not a link (no ESP-IDF libraries are built here).
//     ESP32: there is no Xtensa compiler on Debian, so the same RISC-V compiler parses the files
//     (-fsyntax-only) with the ESP32's headers and sdkconfig.h, __XTENSA__ defined and __riscv
//     undefined: a type-level check of the ESP32 paths (32-bit, little-endian like the ESP32), which
//     never sees the Xtensa inline assembly assembled.
//  3. The bridges the image build patches (scripts/esp32-door-patch.sh: the door before a host's
//     frames, the USB text log by profile) are patched on a scratch copy and compiled the same way:
//     jacdac-c's source/jd_usb.c, and the runtime's network/wssk_health.c when the devicescript-esp32
//     tree has its devicescript submodule.
// Then ESP-IDF's own partition tool (components/partition_table/gen_esp32part.py) reads
// boards/partitions.csv for 4 MB flash and Secure Boot v2, and the partitions the runtime and the
// token read through the flash cache (dcfg, fstor, gaenlog) must come out "encrypted".
// What it cannot do: link, run, or build the runtime image (scripts/build-esp32-image.sh does, where
// ESP-IDF is installed). Exit status 0 when everything compiled, 1 when something did not, 2 when
// an argument or a tree is missing (one line saying which).
import { spawnSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

const root = new URL("..", import.meta.url).pathname
const NATIVE = join(root, "native/esp32")
const BOARDS = join(root, "boards")
const OUT = join(root, "tmp/esp-idf-check")
const USAGE = "usage: npm run check:esp-idf -- <ESP-IDF tree> --jacdac <jacdac-c tree> --devicescript <devicescript-esp32 tree>"

export type Chip = "esp32c3" | "esp32"
export const CHIPS: Chip[] = ["esp32c3", "esp32"]
export type Profile = "development" | "production"

/** A file every given tree must have, with what it is, so a wrong path is named, not guessed at. */
const TREE_MARKERS: { key: keyof Trees; name: string; file: string; what: string }[] = [
    { key: "idf", name: "ESP-IDF tree", file: "components/esp_partition/include/esp_partition.h", what: "ESP-IDF 5.0.x" },
    {
        key: "idf",
        name: "ESP-IDF tree",
        file: "components/bt/host/nimble/nimble/nimble/host/include/host/ble_hs.h",
        what: "its NimBLE submodule (components/bt/host/nimble/nimble, esp-nimble)",
    },
    { key: "jacdac", name: "jacdac-c tree", file: "services/jd_services.h", what: "jacdac-c" },
    { key: "jacdac", name: "jacdac-c tree", file: "jacdac/dist/c/_base.h", what: "its jacdac submodule's dist/c" },
    { key: "devicescript", name: "devicescript-esp32 tree", file: "main/jd_user_config.h", what: "devicescript-esp32" },
]

export interface Trees {
    idf: string
    jacdac: string
    devicescript: string
}

/** Parses the command line; returns the one line to print when something is missing. */
export function parseArgs(argv: string[]): Trees | string {
    let idf: string | undefined, jacdac: string | undefined, devicescript: string | undefined
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i]
        if (a === "--jacdac" || a === "--devicescript") {
            const v = argv[++i]
            if (!v) return `${a} needs a folder. ${USAGE}`
            if (a === "--jacdac") jacdac = v
            else devicescript = v
        } else if (a.startsWith("-")) return `unknown option ${a}. ${USAGE}`
        else if (idf) return `one ESP-IDF tree only (got ${idf} and ${a}). ${USAGE}`
        else idf = a
    }
    const missing = [!idf && "the ESP-IDF tree", !jacdac && "--jacdac <jacdac-c tree>", !devicescript && "--devicescript <devicescript-esp32 tree>"].filter(
        Boolean
    )
    if (missing.length) return `missing ${missing.join(", ")}. ${USAGE}`
    const trees = { idf: resolve(idf!), jacdac: resolve(jacdac!), devicescript: resolve(devicescript!) }
    for (const m of TREE_MARKERS) {
        if (!existsSync(join(trees[m.key], m.file))) return `the ${m.name} ${trees[m.key]} has no ${m.file}: give a checkout of ${m.what}`
    }
    return trees
}

/** The C files of the ESP-IDF component, read from native/esp32/CMakeLists.txt: one list for both builds. */
export function componentSources(): string[] {
    const cmake = readFileSync(join(NATIVE, "CMakeLists.txt"), "utf8")
    const srcs = /SRCS\s+((?:"[^"]+"\s*)+)/.exec(cmake)
    if (!srcs) throw new Error("native/esp32/CMakeLists.txt has no SRCS list")
    return [...srcs[1].matchAll(/"([^"]+)"/g)].map(m => m[1])
}

/** The defaults files of one chip and profile, in the order the image build applies them. */
export function defaultsFiles(trees: Trees, chip: Chip, profile: Profile): { theirs: string[]; ours: string[] } {
    const theirs = [join(trees.devicescript, `boards/${chip}/sdkconfig.${chip}`), join(trees.devicescript, "boards/sdkconfig.common")]
    const ours = ["sdkconfig.gaen", `sdkconfig.gaen.${chip}`]
    if (profile === "production") ours.push("sdkconfig.production", `sdkconfig.production.${chip}`)
    return { theirs: theirs.filter(existsSync), ours: ours.map(f => join(BOARDS, f)) }
}

/**
 * The include folders of the ESP-IDF components these files use, as each component's CMakeLists.txt
 * in ESP-IDF 5.0 lists them (INCLUDE_DIRS; bt's for NimBLE; freertos's per architecture).
 */
function idfIncludes(idf: string, chip: Chip): string[] {
    const arch = chip === "esp32" ? "xtensa" : "riscv"
    const c = (p: string) => join(idf, "components", p)
    const nimble = "bt/host/nimble/nimble"
    const dirs = [
        "newlib/platform_include",
        "freertos/FreeRTOS-Kernel/include",
        "freertos/esp_additions/include/freertos",
        `freertos/FreeRTOS-Kernel/portable/${arch}/include`,
        "freertos/esp_additions/include",
        "esp_hw_support/include",
        "esp_hw_support/include/soc",
        `esp_hw_support/include/soc/${chip}`,
        "heap/include",
        "log/include",
        "soc/include",
        `soc/${chip}/include`,
        `hal/${chip}/include`,
        "hal/include",
        "hal/platform_port/include",
        "esp_rom/include",
        `esp_rom/include/${chip}`,
        `esp_rom/${chip}`,
        "esp_common/include",
        "esp_system/include",
        "esp_timer/include",
        "spi_flash/include",
        "esp_partition/include",
        arch === "xtensa" ? "xtensa/include" : "riscv/include",
        ...(arch === "xtensa" ? [`xtensa/${chip}/include`] : []),
        `bt/include/${chip}/include`,
        "bt/common/osi/include",
        "bt/common/api/include/api",
        "bt/common/btc/profile/esp/blufi/include",
        "bt/common/btc/profile/esp/include",
        "bt/common/hci_log/include",
        `${nimble}/nimble/host/include`,
        `${nimble}/nimble/include`,
        `${nimble}/nimble/host/services/gap/include`,
        `${nimble}/nimble/host/services/gatt/include`,
        `${nimble}/nimble/host/util/include`,
        `${nimble}/nimble/host/store/config/include`,
        `${nimble}/porting/nimble/include`,
        "bt/host/nimble/port/include",
        "bt/porting/include",
        `${nimble}/porting/npl/freertos/include`,
        "bt/host/nimble/esp-hci/include",
    ]
    return dirs.map(c).filter(existsSync)
}

/** ESP-IDF 5.0's own flags (tools/cmake/build.cmake and its top CMakeLists.txt), -Werror on top for our files. */
const IDF_WARNINGS = [
    "-std=gnu17",
    "-Wall",
    "-Werror=all",
    "-Wno-error=unused-function",
    "-Wno-error=unused-variable",
    "-Wno-error=deprecated-declarations",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-sign-compare",
    "-Wno-enum-conversion",
    "-Wno-old-style-declaration",
    "-Werror",
]

export const COMPILER = "riscv64-unknown-elf-gcc"

export interface FileResult {
    chip: Chip
    profile: Profile
    file: string
    ok: boolean
    output: string
}

function run(cmd: string, args: string[], cwd?: string) {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8" })
    if (r.error) throw new Error(`${cmd} could not run (${r.error.message}): scripts/install-system-deps.sh installs it`)
    return { status: r.status ?? 1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` }
}

/** Resolves one chip's configuration; throws with the unmet options named. */
export function sdkconfig(trees: Trees, chip: Chip, profile: Profile): string {
    const dir = join(OUT, `${chip}-${profile}`)
    const config = join(dir, "build/config")
    mkdirSync(config, { recursive: true })
    const files = defaultsFiles(trees, chip, profile)
    const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3" // Debian's, where apt puts python3-kconfiglib
    const r = run(python, [join(root, "scripts/esp-idf-sdkconfig.py"), trees.idf, chip, config, "--ours", ...files.ours, "--theirs", ...files.theirs])
    if (r.status !== 0) throw new Error(`the ${profile} configuration for ${chip} does not hold in ${trees.idf}:\n${r.output}`)
    // devicescript-esp32's main/jd_user_config.h includes "../build/config/sdkconfig.h": found from
    // the folder `anchor` below when the devicescript-esp32 tree has not been built itself.
    mkdirSync(join(dir, "anchor"), { recursive: true })
    return dir
}

/** The compiler's arguments for one chip, given the folder sdkconfig() wrote (files are relative to native/esp32). */
export function compilerFlags(trees: Trees, chip: Chip, dir: string): string[] {
    const target =
        chip === "esp32"
            ? ["-fsyntax-only", "-march=rv32imc", "-mabi=ilp32", "-U__riscv", "-U__riscv_xlen", "-D__XTENSA__=1", "-D__xtensa__=1", "-D__XTENSA_EL__=1"]
            : ["-c", "-march=rv32imc", "-mabi=ilp32", "-Os"]
    const system = [
        join(dir, "build/config"),
        join(dir, "anchor"),
        ...idfIncludes(trees.idf, chip),
        join(trees.jacdac, "inc"),
        trees.jacdac,
        join(trees.devicescript, "main"),
    ].flatMap(d => ["-isystem", d])
    return [
        ...target,
        ...IDF_WARNINGS,
        "-ffunction-sections",
        "-fdata-sections",
        "-DESP_PLATFORM",
        "-D_GNU_SOURCE",
        '-DIDF_VER="check"',
        "-DSOC_MMU_PAGE_SIZE=CONFIG_MMU_PAGE_SIZE",
        "-I",
        ".",
        "-I",
        "jd",
        ...system,
        // Debian's newlib headers, after the compiler's own (its stdint.h, stdatomic.h), as in a toolchain.
        "-idirafter",
        "/usr/include/newlib",
    ]
}

/** Where the bridges sit in a devicescript-esp32 checkout (scripts/esp32-door-patch.sh patches them there). */
const USB_BRIDGE = "devicescript/runtime/jacdac-c/source/jd_usb.c"
const NETWORK_BRIDGE = "devicescript/runtime/devicescript/network/wssk_health.c"

/**
 * The bridges as the image build leaves them: a scratch checkout in `dir` with devicescript-esp32's
 * main/jd_user_config.h, jacdac-c's source/jd_usb.c and, when the devicescript-esp32 tree has its
 * devicescript submodule, the runtime's network bridge, patched by scripts/esp32-door-patch.sh for
 * `profile`. Returns the patched files to compile (relative to the scratch checkout) and its path.
 */
function patchedBridges(trees: Trees, profile: Profile, dir: string): { checkout: string; files: string[] } {
    const checkout = join(dir, "door-patched")
    rmSync(checkout, { recursive: true, force: true })
    const files = [USB_BRIDGE]
    const copies: [string, string][] = [
        [join(trees.devicescript, "main/jd_user_config.h"), "main/jd_user_config.h"],
        [join(trees.jacdac, "source/jd_usb.c"), USB_BRIDGE],
    ]
    if (existsSync(join(trees.devicescript, NETWORK_BRIDGE))) {
        copies.push([join(trees.devicescript, NETWORK_BRIDGE), NETWORK_BRIDGE])
        files.push(NETWORK_BRIDGE)
    }
    for (const [from, to] of copies) {
        mkdirSync(dirname(join(checkout, to)), { recursive: true })
        copyFileSync(from, join(checkout, to))
    }
    const r = run("bash", [join(root, "scripts/esp32-door-patch.sh"), checkout, profile])
    if (r.status !== 0) throw new Error(`scripts/esp32-door-patch.sh cannot patch these trees: ${r.output.trim()}`)
    return { checkout, files }
}

export function compileChip(trees: Trees, chip: Chip, profile: Profile): FileResult[] {
    const dir = sdkconfig(trees, chip, profile)
    const flags = compilerFlags(trees, chip, dir)
    const output = (file: string) => (chip === "esp32" ? [] : ["-o", join(dir, file.replace(/[/.]/g, "_") + ".o")])
    const ours = componentSources().map(file => {
        const r = run(COMPILER, [...flags, file, ...output(file)], NATIVE)
        return { chip, profile, file, ok: r.status === 0, output: r.output }
    })
    // The bridges with the door put in, against the patched jd_user_config.h (found before the tree's own).
    const bridges = patchedBridges(trees, profile, dir)
    const runtime = join(trees.devicescript, "devicescript/runtime/devicescript")
    const bridgeFlags = [
        ...compilerFlags({ ...trees, devicescript: bridges.checkout }, chip, dir),
        "-isystem",
        join(trees.devicescript, "main"),
        "-isystem",
        runtime,
        "-isystem",
        join(runtime, "network"), // the network bridge's own headers, beside it in the tree
        "-isystem",
        join(trees.jacdac, "jacdac/dist/c"),
    ]
    return [
        ...ours,
        ...bridges.files.map(file => {
            const r = run(COMPILER, [...bridgeFlags, join(bridges.checkout, file), ...output(file)], NATIVE)
            return { chip, profile, file: `${file} (door-patched)`, ok: r.status === 0, output: r.output }
        }),
    ]
}

/** Partitions that must be encrypted on a token for the field (boards/partitions.csv says why). */
export const ENCRYPTED_PARTITIONS = ["dcfg", "fstor", "gaenlog"]

/** Checks boards/partitions.csv with ESP-IDF's partition tool; returns the problems, one line each. */
export function checkPartitionTable(trees: Trees): string[] {
    const tool = join(trees.idf, "components/partition_table/gen_esp32part.py")
    const csv = join(BOARDS, "partitions.csv")
    const bin = join(OUT, "partitions.bin")
    mkdirSync(OUT, { recursive: true })
    const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    const built = run(python, [tool, "--quiet", "--flash-size", "4MB", "--secure", "v2", csv, bin])
    if (built.status !== 0) return [`boards/partitions.csv is refused by ESP-IDF's gen_esp32part.py (4MB, Secure Boot v2): ${built.output.trim()}`]
    // Read back from the binary the bootloader will see, not from our CSV.
    const back = run(python, [tool, "--quiet", bin])
    if (back.status !== 0) return [`gen_esp32part.py cannot read back its own table: ${back.output.trim()}`]
    const rows = new Map(
        back.output
            .split("\n")
            .filter(l => l && !l.startsWith("#"))
            .map(l => {
                const cells = l.split(",")
                return [cells[0], cells[5] ?? ""] as const
            })
    )
    return ENCRYPTED_PARTITIONS.filter(name => !(rows.get(name) ?? "").includes("encrypted")).map(
        name => `boards/partitions.csv: partition ${name} is ${rows.has(name) ? "not marked encrypted" : "missing"}`
    )
}

function main() {
    const trees = parseArgs(process.argv.slice(2))
    if (typeof trees === "string") {
        console.error(trees)
        process.exit(2)
    }
    if (existsSync(join(trees.devicescript, "build/config/sdkconfig.h"))) {
        console.error(
            `the devicescript-esp32 tree ${trees.devicescript} has a build/config/sdkconfig.h of its own build, which would be compiled against instead of the generated one: give a clean checkout`
        )
        process.exit(2)
    }
    let failed = 0
    const report: string[] = []
    const table = checkPartitionTable(trees)
    for (const p of table) console.log(`FAILED ${p}`)
    if (!table.length) console.log("ok boards/partitions.csv (ESP-IDF's gen_esp32part.py, 4MB, Secure Boot v2; dcfg, fstor, gaenlog encrypted)")
    failed += table.length
    report.push(`${table.length ? "FAILED" : "ok"}\tpartitions.csv`)
    for (const chip of CHIPS) {
        for (const profile of ["development", "production"] as Profile[]) {
            let results: FileResult[]
            try {
                results = compileChip(trees, chip, profile)
            } catch (e) {
                failed++
                console.log(`FAILED ${chip} ${profile}: ${(e as Error).message}`)
                continue
            }
            for (const r of results) {
                const how = chip === "esp32" ? "parsed (type-level, no Xtensa compiler)" : "compiled for rv32imc"
                console.log(`${r.ok ? "ok" : "FAILED"} ${chip} ${profile} ${r.file} ${how}`)
                if (!r.ok) {
                    failed++
                    console.log(r.output)
                }
                report.push(`${r.ok ? "ok" : "FAILED"}\t${chip}\t${profile}\t${r.file}`)
            }
        }
    }
    mkdirSync(OUT, { recursive: true })
    writeFileSync(join(OUT, "report.tsv"), report.join("\n") + "\n")
    console.log(failed ? `${failed} failed` : "all compiled")
    process.exit(failed ? 1 : 0)
}

if (import.meta.url === `file://${process.argv[1]}`) main()
