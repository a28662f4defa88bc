# Shared steps of scripts/run and scripts/test: install what is missing, build the app.
# Every step checks first and skips what is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/target/tools"
DIST="$ROOT/target/dist"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The wasm-bindgen version the app pins in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want"
    # --locked is preferred; its lockfile can name a crate version the registry no longer
    # has, and then the plain install (same CLI version) is the fallback.
    cargo install --locked wasm-bindgen-cli --version "$want" \
      || cargo install --force wasm-bindgen-cli --version "$want"
  fi
}

# wasm-opt from npm's binaryen 132: Debian's binaryen 108 produces a module that fails at start.
ensure_wasm_opt() {
  if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
    say "installing wasm-opt (npm binaryen@132)"
    mkdir -p "$TOOLS"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS" binaryen@132
  fi
}

# zopfli and brotli compress the app's files once, at build time (Debian's packages). Where
# they cannot be installed (no apt), the build keeps gzip -9 and no Brotli copies.
ensure_compressors() {
  if command -v zopfli >/dev/null && command -v brotli >/dev/null; then
    return
  fi
  if command -v apt-get >/dev/null; then
    say "installing zopfli and brotli (Debian)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    { $sudo apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq zopfli brotli; } ||
      say "zopfli and brotli not installed: gzip -9 copies only"
  else
    say "no apt: the app's files get gzip -9 copies only (install zopfli and brotli for smaller ones)"
  fi
}

# One file's compressed copies: gzip (by zopfli when there is one) and Brotli (when there
# is brotli), next to it.
compress_file() {
  if command -v zopfli >/dev/null; then zopfli --gzip "$1"; else gzip -9 -k -f "$1"; fi
  if command -v brotli >/dev/null; then brotli -f -q 11 "$1"; fi
}

ensure_browser() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing chromium and chromium-driver (Debian)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver
  fi
}

# LibreOffice (Calc and Writer) prints the exported workbook and report to PDF in the
# document tests, in Liberation Serif (Times New Roman's metric twin); poppler's
# pdftotext reads the PDF's text lines and their boxes back.
ensure_office() {
  # grep without -q: it reads fc-list to the end, so that fc-list is not cut off by a
  # closed pipe, which pipefail would take for a missing font (and reinstall every run).
  if ! command -v soffice > /dev/null || ! command -v pdftotext > /dev/null \
    || ! fc-list | grep -i "Liberation Serif" > /dev/null; then
    say "installing libreoffice-calc, libreoffice-writer, fonts-liberation2, poppler-utils (Debian)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      libreoffice-calc libreoffice-writer fonts-liberation2 poppler-utils
  fi
}

# PostgreSQL from Debian's packages: the second storage engine the tests run on.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

ensure_postgres() {
  if [ -z "$(pg_bin)" ]; then
    say "installing postgresql (Debian)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql
  fi
}

# Starts a throw-away PostgreSQL cluster on a free loopback port, removed when the
# calling script exits, and exports its URL as TUANLE_TEST_POSTGRES. Tests run it
# without fsync; `start_test_postgres durable` keeps PostgreSQL's durable defaults
# (benchmarks, to compare fairly with SQLite's synchronous=FULL).
PG_DIR=""
start_test_postgres() {
  ensure_postgres
  local bin port as=() fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${1:-}" = durable ] && fast=""
  bin="$(pg_bin)"
  PG_DIR="$(mktemp -d /tmp/tuanle-pg.XXXXXX)"
  # initdb refuses to run as root: the cluster then belongs to Debian's postgres user.
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  trap stop_test_postgres EXIT
  # C collation: text sorts by bytes, as on SQLite.
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --no-locale -E UTF8 >/dev/null
  for port in $(shuf -i 20000-60000 -n 50); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    if "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -s start -o \
      "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=500 $fast"; then
      export TUANLE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
      say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throw-away)"
      return 0
    fi
  done
  echo "cannot start PostgreSQL: see $PG_DIR/log" >&2
  return 1
}

stop_test_postgres() {
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ]; then
    local as=()
    [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
    "${as[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate -s stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

# The first 12 hex digits of a file's SHA-256: its content's name.
content_hash() { sha256sum "$1" | cut -c1-12; }

# Renames a file to `name-HASH.ext` and prints the new path relative to $DIST.
hashed() {
  local file="$1" base ext h
  base="${file%.*}" ext="${file##*.}"
  h="$(content_hash "$file")"
  mv "$file" "$base-$h.$ext"
  echo "${base#"$DIST"/}-$h.$ext"
}

# Builds the app into target/dist: size-minded wasm, wasm-bindgen glue, wasm-opt -Oz,
# the page, the stylesheet, and gzip copies the server sends to browsers that accept them.
# The wasm, the glue, the stylesheet and boot.js get content-hashed names, so one build's
# files never mix with another's; index.html, sw.js and build.json name them.
build_app() {
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_wasm_opt
  ensure_compressors
  rm -rf "$DIST"
  # Four bundles (app/Cargo.toml's features): reporters' (no feature), reporters' tools,
  # supervisors' and administrators'. boot.js loads one by the page and the signed-in role.
  local feature dir
  for feature in "" tools supervisor admin; do
    dir="$DIST/pkg${feature:+-$feature}"
    say "building the app${feature:+ with $feature} (wasm, profile wasm-release)"
    cargo build --manifest-path "$ROOT/Cargo.toml" -p tuanle-app --lib \
      --target wasm32-unknown-unknown --profile wasm-release ${feature:+--features $feature}
    mkdir -p "$dir"
    wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
      --out-dir "$dir" --out-name tuanle_app \
      "$ROOT/target/wasm32-unknown-unknown/wasm-release/tuanle_app.wasm"
    # Flattening and rereloop before the converging size passes lets them fold more
    # control flow: 1% smaller for 10 s more per bundle (the same pair twice over: 0.4%
    # more for a minute more).
    wasm-opt -Oz --flatten --rereloop -Oz --converge --strip-debug \
      "$dir/tuanle_app_bg.wasm" -o "$dir/tuanle_app_bg.wasm"
  done
  cp -r "$ROOT/app/static/." "$DIST/"
  cat "$ROOT"/style/*.css > "$DIST/style.css"
  local bundle js wasm size style boot build names="" manifest="" app_js="" app_wasm="" bundles=""
  for bundle in app tools supervisor admin; do
    dir="$DIST/pkg"
    [ "$bundle" = app ] || dir="$DIST/pkg-$bundle"
    size="$(stat -c %s "$dir/tuanle_app_bg.wasm")"
    wasm="$(hashed "$dir/tuanle_app_bg.wasm")"
    js="$(hashed "$dir/tuanle_app.js")"
    names+=" -e s|__${bundle^^}_JS__|$js|;s|__${bundle^^}_WASM__|$wasm|;s|__${bundle^^}_WASM_SIZE__|$size|"
    manifest+="${manifest:+, }\"$bundle\": {\"js\": \"/$js\", \"wasm\": \"/$wasm\"}"
    if [ "$bundle" = app ]; then
      app_js="$js" app_wasm="$wasm"
    elif [ "$bundle" != tools ]; then
      # Reinstalled by the next build's worker where it was used, to open offline. Not
      # the tools': their pages need the network anyway, and a tablet would download
      # the reporters' bundle twice at every update.
      bundles+="${bundles:+, }{\"name\": \"pkg-$bundle\", \"files\": [\"/$js\", \"/$wasm\"]}"
    fi
  done
  # shellcheck disable=SC2086 # $names is a list of sed arguments without spaces.
  sed -i $names "$DIST/boot.js"
  style="$(hashed "$DIST/style.css")"
  boot="$(hashed "$DIST/boot.js")"
  sed -i -e "s|__STYLE__|$style|; s|__BOOT__|$boot|" "$DIST/index.html"
  # The build's id: the hash of its page, which names every other file.
  build="$(content_hash "$DIST/index.html")"
  bundles="[$bundles]"
  sed -i -e "s|__BUILD__|$build|" \
    -e "s|__SHELL__|[\"/index.html\", \"/$boot\", \"/$style\", \"/$app_js\", \"/$app_wasm\", \"/manifest.webmanifest\", \"/icon.svg\"]|" \
    -e "s|__BUNDLES__|$bundles|" \
    "$DIST/sw.js"
  cat > "$DIST/build.json" <<JSON
{"build": "$build", "style": "/$style", "boot": "/$boot", $manifest}
JSON
  # Compressed copies the server sends to browsers that accept them: gzip made by zopfli
  # (any gzip reader reads it; about 5% smaller than gzip -9) and Brotli (browsers send
  # "br" over HTTPS: a quarter smaller again).
  export -f compress_file
  find "$DIST" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \) \
    -print0 | xargs -0 -P 2 -I{} bash -c 'compress_file "$1"' _ {}
  local report=""
  for bundle in app tools supervisor admin; do
    wasm="$(sed -n "s|.*\"$bundle\": {[^}]*\"wasm\": \"/\([^\"]*\)\".*|\1|p" "$DIST/build.json")"
    report+=" $bundle $(stat -c %s "$DIST/$wasm") bytes (gzip $(stat -c %s "$DIST/$wasm.gz")"
    [ -f "$DIST/$wasm.br" ] && report+=", brotli $(stat -c %s "$DIST/$wasm.br")"
    report+=");"
  done
  say "app built ($build), wasm:$report"
}
