#!/usr/bin/env bash
# Debian packages the tests and the demo need (as root, idempotent): Chromium for the browser
# test, DejaVu as a plain fallback font. apt-get update runs only when something is missing.
set -euo pipefail
PACKAGES=(chromium fonts-dejavu-core)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install_system: run as root to install ${missing[*]} (apt-get), or install them yourself." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
