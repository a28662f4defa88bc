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

ensure_browser() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing chromium and chromium-driver (Debian)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver
  fi
}

# Builds the app into target/dist: size-minded wasm, wasm-bindgen glue, wasm-opt -Oz,
# the page, the stylesheet, and gzip copies the server sends to browsers that accept them.
build_app() {
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_wasm_opt
  rm -rf "$DIST"
  # Two bundles: the app, and the app with its administration pages (under /quan-tri).
  local feature dir
  for feature in "" admin; do
    dir="$DIST/pkg${feature:+-$feature}"
    say "building the app${feature:+ with $feature} (wasm, profile wasm-release)"
    cargo build --manifest-path "$ROOT/Cargo.toml" -p tuanle-app --lib \
      --target wasm32-unknown-unknown --profile wasm-release ${feature:+--features $feature}
    mkdir -p "$dir"
    wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
      --out-dir "$dir" --out-name tuanle_app \
      "$ROOT/target/wasm32-unknown-unknown/wasm-release/tuanle_app.wasm"
    wasm-opt -Oz --strip-debug "$dir/tuanle_app_bg.wasm" -o "$dir/tuanle_app_bg.wasm"
  done
  cp -r "$ROOT/app/static/." "$DIST/"
  cat "$ROOT"/style/*.css > "$DIST/style.css"
  find "$DIST" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \) \
    -exec gzip -9 -k -f {} \;
  # The service worker's cache name changes with every build, so tablets drop old copies.
  sed -i "s/tuanle-v1/tuanle-$(date +%s)/" "$DIST/sw.js" && gzip -9 -k -f "$DIST/sw.js"
  say "app built: wasm $(stat -c %s "$DIST/pkg/tuanle_app_bg.wasm") bytes, gzip $(stat -c %s "$DIST/pkg/tuanle_app_bg.wasm.gz") bytes; with administration: gzip $(stat -c %s "$DIST/pkg-admin/tuanle_app_bg.wasm.gz") bytes"
}
