#!/usr/bin/env bash
# Builds the image a GAEN token is flashed with: the DeviceScript ESP32 runtime with this project's
# native servers (native/esp32) and options (boards/), the firmware's bytecode and the board's
# configuration, as one file to write at the chip's bootloader offset. The steps are those of
# native/esp32/README.md, "Building a token image"; this runs them where ESP-IDF is installed.
#
#   npm run build:esp32-image -- --chip esp32c3|esp32 --devicescript <devicescript-esp32 checkout>
#                                [--production --sign-key <health authority's RSA-3072 key.pem>]
#
# Development (default): flash encryption and Secure Boot off, the board can be reflashed.
# --production: boards/sdkconfig.production[.<chip>] on top, the bootloader and the app signed with
# the given key (espsecure, Secure Boot v2). The first boot of such an image burns eFuses for good:
# read boards/README.md, "A token for the field", first.
#
# Stops at once with one line saying what is missing (ESP-IDF, its tools, the checkout, an option).
# Writes into the devicescript-esp32 checkout it is given (components/gaen_native, boards/partitions.csv,
# main/main.c, main/jd_user_config.h, the bridges' devicescript/runtime/jacdac-c/source/jd_usb.c and
# devicescript/runtime/devicescript/network/wssk_health.c, sdkconfig.defaults, build/): use a checkout
# kept for this.
set -euo pipefail

die() { echo "build-esp32-image: $*" >&2; exit 2; }

# What must be installed comes first: on a machine without ESP-IDF nothing else is worth asking.
command -v idf.py >/dev/null 2>&1 && [ -n "${IDF_PATH:-}" ] ||
    die "ESP-IDF is not installed here: idf.py is not on PATH or IDF_PATH is not set (install ESP-IDF v5.0.x and run . \$IDF_PATH/export.sh first)"
idf_version=$(idf.py --version 2>/dev/null || true)
case "$idf_version" in
    *v5.0*) ;;
    *) die "ESP-IDF v5.0.x is needed (devicescript-esp32 is built with it), found: ${idf_version:-no version from idf.py --version}" ;;
esac
for tool in esptool.py espsecure.py; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH (it comes with ESP-IDF's export.sh)"
done

chip="" ds="" production=0 key=""
while [ $# -gt 0 ]; do
    case "$1" in
        --chip) chip="${2:-}"; shift 2 || die "--chip needs esp32c3 or esp32" ;;
        --devicescript) ds="${2:-}"; shift 2 || die "--devicescript needs a folder" ;;
        --production) production=1; shift ;;
        --sign-key) key="${2:-}"; shift 2 || die "--sign-key needs a key file" ;;
        *) die "unknown argument $1 (usage: --chip esp32c3|esp32 --devicescript <checkout> [--production --sign-key <key.pem>])" ;;
    esac
done
case "$chip" in
    esp32c3) boot_offset=0x0 ;;
    esp32) boot_offset=0x1000 ;;
    *) die "--chip must be esp32c3 or esp32 (got '${chip}')" ;;
esac
[ -n "$ds" ] || die "--devicescript <devicescript-esp32 checkout> is missing"
[ -f "$ds/main/main.c" ] && [ -f "$ds/boards/$chip/sdkconfig.$chip" ] || die "$ds is not a devicescript-esp32 checkout (no main/main.c or boards/$chip/sdkconfig.$chip)"
[ -f "$ds/devicescript/runtime/jacdac-c/jacdac/README.md" ] || die "$ds has no submodules: run git submodule update --init --recursive in it"
if [ "$production" = 1 ]; then
    [ -n "$key" ] || die "--production needs --sign-key <key.pem>: the health authority's Secure Boot v2 signing key (espsecure.py generate_signing_key --version 2)"
    [ -f "$key" ] || die "the signing key $key does not exist"
elif [ -n "$key" ]; then
    die "--sign-key is for --production images only"
fi

root=$(cd "$(dirname "$0")/.." && pwd)
ds=$(cd "$ds" && pwd)
profile=development; [ "$production" = 1 ] && profile=production
out="$root/tmp/esp32-image/$chip-$profile"
mkdir -p "$out"

# 1. The native servers as an ESP-IDF component of the runtime (its CMakeLists.txt links jacdac-c).
rm -rf "$ds/components/gaen_native"
mkdir -p "$ds/components/gaen_native"
cp -r "$root/native/esp32/CMakeLists.txt" "$root/native/esp32/core" "$root/native/esp32/port" \
      "$root/native/esp32/jd" "$root/native/esp32/gen" "$ds/components/gaen_native/"

# 2. The runtime starts them: nor_flash_init() and gaen_radio_init() in app_init_services().
if ! grep -q 'gaen_services.h' "$ds/main/main.c"; then
    sed -i '1i #include "gaen_services.h" // GAEN token: native servers (components/gaen_native)' "$ds/main/main.c"
    sed -i 's/^\(\s*\)devs_service_full_init();/&\n\1nor_flash_init();\n\1gaen_radio_init();/' "$ds/main/main.c"
fi
grep -q 'gaen_radio_init();' "$ds/main/main.c" || die "could not add gaen_radio_init() to $ds/main/main.c (app_init_services() changed?): add it by hand"

# 2b. The door to hosts, both ways, and the USB text log off in a field image (main/jd_user_config.h,
# the bridges' jd_usb.c and wssk_health.c): scripts/esp32-door-patch.sh says how.
bash "$root/scripts/esp32-door-patch.sh" "$ds" "$profile" || exit 2

# 3. The partition table and the options, in the order check:esp-idf resolves them.
cp "$root/boards/partitions.csv" "$ds/boards/partitions.csv"
(cd "$ds" && rm -rf sdkconfig build && make prep TARGET="$chip")
defaults=("$ds/boards/$chip/sdkconfig.$chip" "$ds/boards/sdkconfig.common"
          "$root/boards/sdkconfig.gaen" "$root/boards/sdkconfig.gaen.$chip")
[ "$production" = 1 ] && defaults+=("$root/boards/sdkconfig.production" "$root/boards/sdkconfig.production.$chip")
cat "${defaults[@]}" > "$ds/sdkconfig.defaults"
# ESP-IDF only warns about an option it does not know and silently drops one whose dependencies are
# off (a field image without Secure Boot would build): every option of ours must exist and hold.
python=/usr/bin/python3; [ -x "$python" ] || python=python3
"$python" "$root/scripts/esp-idf-sdkconfig.py" "$IDF_PATH" "$chip" "$out/config" \
    --ours "${defaults[@]:2}" --theirs "${defaults[@]:0:2}" ||
    die "the options above do not hold in the ESP-IDF at $IDF_PATH for $chip: nothing was built"

# 4. Build (bootloader, partition table, app).
(cd "$ds" && idf.py build)
bootloader="$ds/build/bootloader/bootloader.bin"
app="$ds/build/espjd.bin"

# 5. Production: the health authority's signature (Secure Boot v2) on the bootloader and the app.
if [ "$production" = 1 ]; then
    espsecure.py sign_data --version 2 --keyfile "$key" --output "$out/bootloader-signed.bin" "$bootloader"
    espsecure.py sign_data --version 2 --keyfile "$key" --output "$out/app-signed.bin" "$app"
    espsecure.py verify_signature --version 2 --keyfile "$key" "$out/app-signed.bin"
    bootloader="$out/bootloader-signed.bin"
    app="$out/app-signed.bin"
fi

# 6. One image from the bootloader offset: bootloader, partition table, app.
bare="devicescript-$chip-${chip}_bare-$boot_offset.bin"
esptool.py --chip "$chip" merge_bin -o "$out/$bare" --flash_size 4MB --target-offset "$boot_offset" \
    "$boot_offset" "$bootloader" 0x8000 "$ds/build/partition_table/partition-table.bin" 0x10000 "$app"

# 7. The board configuration (dcfg) and the firmware's bytecode (fstor) with `devs bundle`: it takes
# the runtime image from its cache under the release's name (fresh for 24 hours), patches in the
# board file boards/gaen_token_<chip>.board.json and the compiled src/main.ts. Both land in their
# own partitions, outside the signed app, and are encrypted by the first boot.
mkdir -p "$root/.devicescript/cache"
cp "$out/$bare" "$root/.devicescript/cache/$bare"
touch "$root/.devicescript/cache/$bare"
(cd "$root" && npx devs bundle --board "gaen_token_$chip" --flash-file "$out/gaen-token-$chip-$profile-$boot_offset.bin" src/main.ts)

echo "image: $out/gaen-token-$chip-$profile-$boot_offset.bin (write it at $boot_offset: esptool.py --chip $chip write_flash $boot_offset <image>)"
