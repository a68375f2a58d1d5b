#!/usr/bin/env bash
# Install the handwriting fonts that `inksight ocr synth` renders with, idempotently.
#
# Debian packages go to /usr/share/fonts (needs root, as in CI); the npm @fontsource packages go to
# third_party/fonts (gitignored). Only the Debian and npm registries are contacted, and only when a
# font is missing, so a second run is instant and offline.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FONTS_DIR="$ROOT/third_party/fonts"

DEBIAN_PACKAGES=(fonts-dkg-handwriting fonts-breip fonts-rufscript)
NPM_FONTS=(
  caveat indie-flower kalam patrick-hand shadows-into-light reenie-beanie gochi-hand rock-salt
  architects-daughter gloria-hallelujah cedarville-cursive nanum-pen-script
  # connected cursive and script hands (the hard tier of the OCR benchmark)
  dancing-script allura sacramento satisfy yellowtail marck-script bad-script covered-by-your-grace
  sue-ellen-francisco the-girl-next-door herr-von-muellerhoff mr-de-haviland ms-madi cookie
  great-vibes alex-brush pinyon-script parisienne monsieur-la-doulaise
)

missing_debian=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing_debian+=("$package")
done
if ((${#missing_debian[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install_fonts: run as root to install ${missing_debian[*]} (apt-get)." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_debian[@]}"
fi

missing_npm=()
for name in "${NPM_FONTS[@]}"; do
  [[ -d "$FONTS_DIR/node_modules/@fontsource/$name/files" ]] || missing_npm+=("@fontsource/$name")
done
if ((${#missing_npm[@]})); then
  mkdir -p "$FONTS_DIR"
  # A package.json of our own keeps npm from walking up into the repository root.
  [[ -f "$FONTS_DIR/package.json" ]] || echo '{"name": "inksight-fonts", "private": true}' \
    >"$FONTS_DIR/package.json"
  npm install --prefix "$FONTS_DIR" --no-audit --no-fund --loglevel=error "${missing_npm[@]}"
fi

echo "install_fonts: handwriting fonts ready (Debian: ${DEBIAN_PACKAGES[*]}; npm: $FONTS_DIR)."
