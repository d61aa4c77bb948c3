#!/usr/bin/env bash
# System packages the tests need (Debian): tshark decodes the simulator's Bluetooth LE captures;
# socat makes the pseudo-terminal pair over which the kiosk's serial transport is tested.
# Skipped when already present, so a developer machine is not touched twice.
set -euo pipefail
need=()
command -v tshark >/dev/null || need+=(tshark)
command -v socat >/dev/null || need+=(socat)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
