#!/usr/bin/env bash
# Vendors the front-end libraries the pages use into static/vendor/ (served by Django, never by a CDN).
#
#   scripts/vendor_frontend.sh            fetch the pinned versions below and replace static/vendor/*
#
# To update: change a version below, run the script once with the matching *_SHA512 set to "" (it prints
# the new integrity), paste the integrity here, run it again, look at the pages and commit static/vendor/.
# Only npm is needed (`npm pack` downloads a package tarball without installing anything).
set -euo pipefail
cd "$(dirname "$0")/.."

BOOTSTRAP_ITALIA_VERSION=2.18.3
BOOTSTRAP_ITALIA_SHA512="sha512-dz4kNtcAYJF4OsWABT9m3CAT3NH5y6OzGG+v/VUGH1LjumIUmlP3GaQ+aHgtv5Vw3B5dS0jbHZiHGSfdu+DffA=="
HTMX_VERSION=2.0.11
HTMX_SHA512="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
AXE_VERSION=4.14.1
AXE_SHA512="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="

DEST=static/vendor
log() { echo "[vendor_frontend] $*" >&2; }
command -v npm >/dev/null || { log "npm is required"; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# fetch NAME VERSION SHA512 -> unpacks the tarball into $TMP/NAME (checked against the pinned integrity)
fetch() {
  local name=$1 version=$2 expected=$3 tarball actual
  tarball=$(cd "$TMP" && npm pack --loglevel=error "$name@$version" | tail -n 1)
  actual="sha512-$(python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode())' "$TMP/$tarball")"
  if [ -z "$expected" ]; then
    log "$name@$version integrity: $actual (pin it in this script)"
  elif [ "$actual" != "$expected" ]; then
    log "$name@$version: integrity $actual does not match the pinned $expected"; exit 1
  fi
  mkdir -p "$TMP/$name"
  tar -xzf "$TMP/$tarball" -C "$TMP/$name" --strip-components=1
  echo "$name $version $actual" >>"$TMP/VERSIONS"
}

# Minified files end with a sourceMappingURL comment; the maps are not vendored and Django's manifest
# storage would fail collectstatic on the missing file, so the comment goes.
strip_sourcemap() { sed -i -e '/^\/\*# sourceMappingURL=.*\*\/$/d' -e '/^\/\/# sourceMappingURL=/d' "$@"; }

fetch bootstrap-italia "$BOOTSTRAP_ITALIA_VERSION" "$BOOTSTRAP_ITALIA_SHA512"
fetch htmx.org "$HTMX_VERSION" "$HTMX_SHA512"
fetch axe-core "$AXE_VERSION" "$AXE_SHA512"

rm -rf "$DEST/bootstrap-italia" "$DEST/htmx" "$DEST/axe-core"
mkdir -p "$DEST/bootstrap-italia/css" "$DEST/bootstrap-italia/js" "$DEST/bootstrap-italia/svg" \
  "$DEST/bootstrap-italia/fonts" "$DEST/htmx" "$DEST/axe-core"

# Bootstrap Italia: CSS, the JS bundle (Bootstrap + Popper + BI plugins), the icon sprite, the fonts.
BI="$TMP/bootstrap-italia/dist"
cp "$BI/css/bootstrap-italia.min.css" "$DEST/bootstrap-italia/css/"
cp "$BI/js/bootstrap-italia.bundle.min.js" "$DEST/bootstrap-italia/js/"
cp "$BI/svg/sprites.svg" "$DEST/bootstrap-italia/svg/"
cp "$TMP/bootstrap-italia/LICENSE" "$DEST/bootstrap-italia/LICENSE"
strip_sourcemap "$DEST/bootstrap-italia/css/bootstrap-italia.min.css" "$DEST/bootstrap-italia/js/bootstrap-italia.bundle.min.js"
# The CSS has no font url(): bootstrap.loadFonts() (in the bundle) writes the @font-face rules at run time
# from window.__PUBLIC_PATH__. Every browser we support takes woff2, the first format it can use in those
# rules, so the eot/svg/ttf/woff copies are left out; each family keeps its licence.
for family in "$BI"/fonts/*/; do
  name=$(basename "$family")
  mkdir -p "$DEST/bootstrap-italia/fonts/$name"
  cp "$family"*.woff2 "$DEST/bootstrap-italia/fonts/$name/"
  find "$family" -maxdepth 1 -type f \( -iname '*.txt' -o -iname 'LICENSE*' \) -exec cp {} "$DEST/bootstrap-italia/fonts/$name/" \;
done
# Every woff2 the font loader asks for must be there.
missing=0
while read -r font; do
  [ -f "$DEST/bootstrap-italia/fonts/$font" ] || { log "font loader needs fonts/$font, not vendored"; missing=1; }
done < <(grep -o '}/[A-Za-z_]*/[a-z0-9_-]*\.woff2' "$DEST/bootstrap-italia/js/bootstrap-italia.bundle.min.js" | cut -c3- | sort -u)
[ "$missing" -eq 0 ] || exit 1

cp "$TMP/htmx.org/dist/htmx.min.js" "$TMP/htmx.org/LICENSE" "$DEST/htmx/"
strip_sourcemap "$DEST/htmx/htmx.min.js"

cp "$TMP/axe-core/axe.min.js" "$TMP/axe-core/LICENSE" "$DEST/axe-core/"
[ ! -f "$TMP/axe-core/LICENSE-3RD-PARTY.txt" ] || cp "$TMP/axe-core/LICENSE-3RD-PARTY.txt" "$DEST/axe-core/"
strip_sourcemap "$DEST/axe-core/axe.min.js"

{
  echo "# Front-end libraries vendored from the npm registry by scripts/vendor_frontend.sh (do not edit by hand)."
  echo "# package version integrity"
  cat "$TMP/VERSIONS"
} >"$DEST/VERSIONS.txt"

log "vendored into $DEST ($(du -sh "$DEST" | cut -f1)):"
cat "$TMP/VERSIONS" >&2
