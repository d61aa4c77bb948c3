# The exposure check's native fast path (see kiosk/README.md, "Native matcher"). Built by scripts/build-kiosk-matcher.mjs at
# `npm ci`; if it cannot build, the kiosk uses the JavaScript matcher instead.
{
  "targets": [{
    "target_name": "rpi_scan",
    "sources": ["rpi_scan.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
    "cflags_cc": ["-O3", "-std=c++17"],
    "cflags_cc!": ["-fno-exceptions"]
  }]
}
