// The ESP-IDF tools of the project on a machine without ESP-IDF (this one, CI): the image build stops
// at once with one line naming what is missing, the compile check does the same without its trees,
// the door patch (scripts/esp32-door-patch.sh) puts the door before a host's frames on a small
// checkout made here and stops naming the line it did not find, and the option check (scripts/esp-idf-sdkconfig.py) catches an option that does not exist, one
// ESP-IDF renamed, and one whose dependencies do not hold, on a small Kconfig tree made here (the
// real run against ESP-IDF's tree is `npm run check:esp-idf`, native/esp32/README.md).
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parseArgs } from "../../scripts/check-esp-idf.js"

const root = new URL("../..", import.meta.url).pathname

/** Runs the image build with only the given folders on PATH and no ESP-IDF environment. */
function buildImage(args: string[], extraPath: string[] = []) {
    const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: [...extraPath, "/usr/bin", "/bin"].join(":") }
    return spawnSync("bash", [join(root, "scripts/build-esp32-image.sh"), ...args], { cwd: root, env, encoding: "utf8" })
}

/** A folder with executables that print `output` (stand-ins for ESP-IDF's tools: only their presence and version are asked). */
function fakeTools(tools: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "gaen-fake-idf-"))
    for (const [name, output] of Object.entries(tools)) {
        writeFileSync(join(dir, name), `#!/bin/sh\necho '${output}'\n`)
        chmodSync(join(dir, name), 0o755)
    }
    return dir
}

function lines(s: string) {
    return s.split("\n").filter(Boolean)
}

describe("npm run build:esp32-image without ESP-IDF", () => {
    it("stops at once with one line saying ESP-IDF is missing, before looking at anything else", () => {
        const r = buildImage(["--chip", "esp32c3", "--devicescript", "/nowhere"])
        expect(r.status).toBe(2)
        expect(r.stdout).toBe("")
        expect(lines(r.stderr)).toEqual([
            "build-esp32-image: ESP-IDF is not installed here: idf.py is not on PATH or IDF_PATH is not set (install ESP-IDF v5.0.x and run . $IDF_PATH/export.sh first)",
        ])
        expect(existsSync("/nowhere")).toBe(false)
    })

    it("names a wrong ESP-IDF version, then a missing tool, then a missing checkout, one line each", () => {
        const v51 = fakeTools({ "idf.py": "ESP-IDF v5.1.2" })
        let r = spawnSync("bash", [join(root, "scripts/build-esp32-image.sh")], {
            cwd: root, encoding: "utf8", env: { PATH: `${v51}:/usr/bin:/bin`, IDF_PATH: "/opt/esp-idf" },
        })
        expect(r.status).toBe(2)
        expect(lines(r.stderr)).toEqual(["build-esp32-image: ESP-IDF v5.0.x is needed (devicescript-esp32 is built with it), found: ESP-IDF v5.1.2"])

        const v50 = fakeTools({ "idf.py": "ESP-IDF v5.0.9", "esptool.py": "esptool.py v4.7" })
        r = spawnSync("bash", [join(root, "scripts/build-esp32-image.sh"), "--chip", "esp32c3"], {
            cwd: root, encoding: "utf8", env: { PATH: `${v50}:/usr/bin:/bin`, IDF_PATH: "/opt/esp-idf" },
        })
        expect(r.status).toBe(2)
        expect(lines(r.stderr)).toEqual(["build-esp32-image: espsecure.py is not on PATH (it comes with ESP-IDF's export.sh)"])

        const all = fakeTools({ "idf.py": "ESP-IDF v5.0.9", "esptool.py": "v4.7", "espsecure.py": "v4.7" })
        r = spawnSync("bash", [join(root, "scripts/build-esp32-image.sh"), "--chip", "esp32c3", "--devicescript", "/nowhere"], {
            cwd: root, encoding: "utf8", env: { PATH: `${all}:/usr/bin:/bin`, IDF_PATH: "/opt/esp-idf" },
        })
        expect(r.status).toBe(2)
        expect(lines(r.stderr)).toEqual(["build-esp32-image: /nowhere is not a devicescript-esp32 checkout (no main/main.c or boards/esp32c3/sdkconfig.esp32c3)"])

        r = spawnSync("bash", [join(root, "scripts/build-esp32-image.sh"), "--chip", "esp32s9"], {
            cwd: root, encoding: "utf8", env: { PATH: `${all}:/usr/bin:/bin`, IDF_PATH: "/opt/esp-idf" },
        })
        expect(lines(r.stderr)).toEqual(["build-esp32-image: --chip must be esp32c3 or esp32 (got 'esp32s9')"])
    })
})

describe("npm run check:esp-idf without its trees", () => {
    it("stops with one line naming every missing tree", () => {
        const r = spawnSync("npx", ["tsx", "scripts/check-esp-idf.ts"], { cwd: root, encoding: "utf8" })
        expect(r.status).toBe(2)
        expect(r.stdout).toBe("")
        expect(lines(r.stderr)).toEqual([
            "missing the ESP-IDF tree, --jacdac <jacdac-c tree>, --devicescript <devicescript-esp32 tree>. usage: npm run check:esp-idf -- <ESP-IDF tree> --jacdac <jacdac-c tree> --devicescript <devicescript-esp32 tree>",
        ])
    })

    it("names the file a given tree lacks, so a wrong folder or a missing submodule is plain", () => {
        const empty = mkdtempSync(join(tmpdir(), "gaen-not-idf-"))
        expect(parseArgs([empty, "--jacdac", empty])).toBe(
            "missing --devicescript <devicescript-esp32 tree>. usage: npm run check:esp-idf -- <ESP-IDF tree> --jacdac <jacdac-c tree> --devicescript <devicescript-esp32 tree>")
        expect(parseArgs([empty, "--jacdac", empty, "--devicescript", empty])).toBe(
            `the ESP-IDF tree ${empty} has no components/esp_partition/include/esp_partition.h: give a checkout of ESP-IDF 5.0.x`)
        // An ESP-IDF tree without its NimBLE submodule.
        mkdirSync(join(empty, "components/esp_partition/include"), { recursive: true })
        writeFileSync(join(empty, "components/esp_partition/include/esp_partition.h"), "")
        expect(parseArgs([empty, "--jacdac", empty, "--devicescript", empty])).toBe(
            `the ESP-IDF tree ${empty} has no components/bt/host/nimble/nimble/nimble/host/include/host/ble_hs.h: give a checkout of its NimBLE submodule (components/bt/host/nimble/nimble, esp-nimble)`)
    })
})

describe("scripts/esp32-door-patch.sh: the door before a host's frames, the USB log by profile", () => {
    // The lines of devicescript-esp32 and jacdac-c the patch works on, as they stand at the commits
    // native/esp32/README.md names (main/jd_user_config.h, source/jd_usb.c, network/wssk_health.c).
    const CONFIG = ["#define JD_LSTORE 1", "#define JD_USB_BRIDGE 1", "#define JD_WIFI 1", ""]
    const USB = [
        "int jd_usb_pull(uint8_t dst[64]) {",
        "    if (dmesg_timer == 1 && !usb_panic_mode) {",
        "    }",
        "}",
        "static void jd_usb_handle_frame(void) {",
        "    } else {",
        "        jd_net_disable_fwd();",
        "        jd_send_frame_raw(frame);",
        "    }",
        "}",
        "void jd_usb_panic_print_char(char c) {",
        "    if (usb_panic_mode > 1)",
        "}",
        "",
    ]
    const NETWORK = ["        frame = jd_memdup(frame, fsz);", "        jd_send_frame_raw(frame);", "        jd_free(frame);", ""]
    const files = { config: "main/jd_user_config.h", usb: "devicescript/runtime/jacdac-c/source/jd_usb.c", network: "devicescript/runtime/devicescript/network/wssk_health.c" }

    function checkout(usb = USB): string {
        const ds = mkdtempSync(join(tmpdir(), "gaen-door-patch-"))
        for (const [file, text] of [[files.config, CONFIG], [files.usb, usb], [files.network, NETWORK]] as const) {
            mkdirSync(join(ds, file, ".."), { recursive: true })
            writeFileSync(join(ds, file), text.join("\n"))
        }
        return ds
    }
    const patch = (ds: string, profile: string) => spawnSync("bash", [join(root, "scripts/esp32-door-patch.sh"), ds, profile], { encoding: "utf8" })
    const read = (ds: string, file: string) => readFileSync(join(ds, file), "utf8")

    it("puts the door before both bridges' jd_send_frame_raw, declares it, and turns the USB log off for the field", () => {
        const ds = checkout()
        const r = patch(ds, "production")
        expect(r.stderr).toBe("")
        expect(r.status).toBe(0)
        for (const file of [files.usb, files.network])
            expect(read(ds, file)).toMatch(/^( *)if \(gaen_host_door_admits\(frame\)\).*\n\1    jd_send_frame_raw\(frame\);$/m)
        expect(read(ds, files.config)).toMatch(/^int gaen_host_door_admits\(const void \*frame\);$/m)
        expect(read(ds, files.config)).toMatch(/^#define GAEN_USB_BRIDGE_LOG 0 /m)
        expect(read(ds, files.usb)).toMatch(/^    if \(GAEN_USB_BRIDGE_LOG && dmesg_timer == 1 && !usb_panic_mode\) \{/m)
        expect(read(ds, files.usb)).toMatch(/^void jd_usb_panic_print_char\(char c\) \{\n    if \(!GAEN_USB_BRIDGE_LOG\)/m)
        // Again: nothing changes; then a development image of the same checkout logs again.
        const before = Object.values(files).map(f => read(ds, f))
        expect(patch(ds, "production").status).toBe(0)
        expect(Object.values(files).map(f => read(ds, f))).toEqual(before)
        expect(patch(ds, "development").status).toBe(0)
        expect(read(ds, files.config).match(/^#define GAEN_USB_BRIDGE_LOG .*$/gm)).toEqual([
            "#define GAEN_USB_BRIDGE_LOG 1 // GAEN token: the runtime's text log to the USB host (0: field image)",
        ])
        expect(read(ds, files.usb).match(/gaen_host_door_admits/g)).toHaveLength(1)
    })

    it("stops with one line naming the file and the line when a bridge has changed", () => {
        const ds = checkout(USB.map(l => l.replace("jd_send_frame_raw(frame);", "jd_send_frame_raw(copy);")))
        const r = patch(ds, "production")
        expect(r.status).toBe(2)
        expect(lines(r.stderr)).toEqual([
            `esp32-door-patch: could not put the door before the host's frames in ${join(ds, files.usb)}: its one 'jd_send_frame_raw(frame);' line is not there (the bridge changed?): add 'if (gaen_host_door_admits(frame))' before that call by hand (native/esp32/README.md, 'Building a token image', step 2)`,
        ])
        const noLog = checkout(USB.filter(l => !l.includes("dmesg_timer")))
        const r2 = patch(noLog, "development")
        expect(r2.status).toBe(2)
        expect(lines(r2.stderr)).toHaveLength(1)
        expect(r2.stderr).toContain(`could not switch off the USB bridge's text log in ${join(noLog, files.usb)}`)
        expect(lines(patch(noLog, "field").stderr)).toEqual(["esp32-door-patch: the profile is development or production (got 'field')"])
    })
})

describe("scripts/esp-idf-sdkconfig.py: every option of ours exists and holds", () => {
    /** A small ESP-IDF-shaped tree: the top Kconfig sources every component's Kconfig as ESP-IDF's does. */
    function kconfigTree(): string {
        const idf = mkdtempSync(join(tmpdir(), "gaen-kconfig-"))
        writeFileSync(join(idf, "Kconfig"), [
            'mainmenu "test"',
            "config IDF_TARGET",
            "    string",
            '    default "$IDF_TARGET"',
            'source "$COMPONENT_KCONFIGS_SOURCE_FILE"',
            'source "$COMPONENT_KCONFIGS_PROJBUILD_SOURCE_FILE"',
            "",
        ].join("\n"))
        mkdirSync(join(idf, "components/hw"), { recursive: true })
        writeFileSync(join(idf, "components/hw/Kconfig"), [
            "config CHIP_REV_MIN_3",
            "    bool \"revision 3\"",
            "",
        ].join("\n"))
        mkdirSync(join(idf, "components/bootloader"), { recursive: true })
        writeFileSync(join(idf, "components/bootloader/Kconfig.projbuild"), [
            "config SECURE_BOOT",
            '    bool "secure boot"',
            "    depends on CHIP_REV_MIN_3",
            "config SECURE_FLASH_ENC_ENABLED",
            '    bool "flash encryption"',
            "config SECURE_BOOT_SIGNING_KEY",
            '    string "key"',
            '    default "key.pem"',
            "",
        ].join("\n"))
        writeFileSync(join(idf, "components/bootloader/sdkconfig.rename"), "CONFIG_FLASH_ENCRYPTION_ENABLED CONFIG_SECURE_FLASH_ENC_ENABLED\n")
        return idf
    }

    function check(idf: string, ours: string[]) {
        const out = join(idf, "out")
        const files = ours.map((text, i) => {
            const f = join(idf, `sdkconfig.ours${i}`)
            writeFileSync(f, text)
            return f
        })
        const r = spawnSync("/usr/bin/python3", [join(root, "scripts/esp-idf-sdkconfig.py"), idf, "esp32c3", out, "--ours", ...files], { encoding: "utf8" })
        expect(r.stderr).not.toMatch(/python3-kconfiglib is missing/)
        return { status: r.status, problems: lines(r.stdout), header: existsSync(join(out, "sdkconfig.h")) ? readFileSync(join(out, "sdkconfig.h"), "utf8") : "", files }
    }

    it("fails on a misspelt option, a renamed one, and one whose dependency is off, naming file and line", () => {
        const idf = kconfigTree()
        const r = check(idf, ["CONFIG_SECURE_BOOT=y\nCONFIG_SECURE_BOOT_V3=y\nCONFIG_FLASH_ENCRYPTION_ENABLED=y\n"])
        expect(r.status).toBe(1)
        const f = r.files[0]
        expect(r.problems).toEqual([
            `${f}:2 CONFIG_SECURE_BOOT_V3: no such option in this ESP-IDF tree's Kconfig files`,
            `${f}:3 CONFIG_FLASH_ENCRYPTION_ENABLED: ESP-IDF renamed it to CONFIG_SECURE_FLASH_ENC_ENABLED`,
            `${f}:1 CONFIG_SECURE_BOOT=y: resolves to 'n' for esp32c3 (it depends on: CHIP_REV_MIN_3)`,
        ])
    })

    it("passes when every option holds, a later file overriding an earlier one, and writes the sdkconfig.h the build would", () => {
        const idf = kconfigTree()
        const r = check(idf, [
            "CONFIG_SECURE_FLASH_ENC_ENABLED=n\n",
            "# comment\nCONFIG_CHIP_REV_MIN_3=y\nCONFIG_SECURE_BOOT=y\nCONFIG_SECURE_FLASH_ENC_ENABLED=y\nCONFIG_SECURE_BOOT_SIGNING_KEY=\"authority.pem\"\n",
        ])
        expect(r.problems).toEqual([])
        expect(r.status).toBe(0)
        expect(r.header).toContain("#define CONFIG_IDF_TARGET \"esp32c3\"")
        expect(r.header).toContain("#define CONFIG_SECURE_BOOT 1")
        expect(r.header).toContain("#define CONFIG_SECURE_BOOT_SIGNING_KEY \"authority.pem\"")
        // ESP-IDF's kconfgen also defines the old names of renamed options for code that still uses them.
        expect(r.header).toContain("#define CONFIG_FLASH_ENCRYPTION_ENABLED CONFIG_SECURE_FLASH_ENC_ENABLED")
    })
})
