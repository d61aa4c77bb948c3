#!/usr/bin/env bash
# System packages the project needs on Debian, installed with apt-get when missing. `npm ci` runs this
# first (preinstall), so the README's two commands are all the set-up a fresh machine needs.
#   tshark                  decodes the simulator's Bluetooth LE captures (tests)
#   socat                   the pseudo-terminal pair the kiosk's serial transport is tested over
#   chromium                the browser the kiosk web app is tested in (playwright-core drives it)
#   postgresql              the server's second storage back end, tested on a throwaway cluster
#   gcc-riscv64-unknown-elf compiles the native ESP32 core for 32-bit RISC-V (ESP32-C3) as a check
#   libnewlib-dev           newlib's headers for that RISC-V compiler (npm run check:esp-idf)
#   python3-kconfiglib      resolves ESP-IDF's Kconfig options for npm run check:esp-idf
#   gcc, libc6-dev          build the native ESP32 servers' host tests (with AddressSanitizer, UBSan)
#   faketime                runs the test suite at a chosen time of day (e.g. just before midnight UTC)
#   clang-format            lays out the native C (npm run format; test/project/formatting.test.ts checks it)
#   fonts-noto-cjk          Japanese text in the kiosk's screenshots and printed result slips
#   poppler-utils           pdftotext, to read back a printed result slip in the tests
#   g++ make python3        node-gyp builds the kiosk's native matcher (kiosk/matching/native) with them
# An install with `--omit=dev` (a production server) needs none of them and is left alone.
# Skipped when everything is present, so a developer machine is not touched twice.
set -euo pipefail

case "${npm_config_omit:-}" in *dev*) exit 0 ;; esac

need=()
command -v tshark >/dev/null || need+=(tshark)
command -v socat >/dev/null || need+=(socat)
command -v chromium >/dev/null || need+=(chromium)
command -v riscv64-unknown-elf-gcc >/dev/null || need+=(gcc-riscv64-unknown-elf)
[ -f /usr/include/newlib/stdio.h ] || need+=(libnewlib-dev)
/usr/bin/python3 -c 'import kconfiglib' 2>/dev/null || need+=(python3-kconfiglib)
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/include/stdio.h ] || need+=(libc6-dev)
command -v faketime >/dev/null || need+=(faketime)
command -v clang-format >/dev/null || need+=(clang-format)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)
fc-list :lang=ja 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
# Debian's postgresql puts initdb and pg_ctl in a versioned folder, not on PATH.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
    echo "Missing system packages: ${need[*]}" >&2
    echo "Run once:  sudo bash scripts/install-system-deps.sh   (then npm ci again)" >&2
    echo "必要なシステムパッケージがありません。上のコマンドを一度実行してください。" >&2
    exit 1
fi
SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo -n"
echo "Installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
