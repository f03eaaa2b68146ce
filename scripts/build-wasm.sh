#!/usr/bin/env bash
# Rebuilds the wasm core from source, reproducibly, into src/core/wasm/.
#
# Only Debian's rustc 1.63 has a wasm32 std on these machines, so: resolve and vendor crates
# with rustup's cargo (Cargo.lock is committed), then build offline with Debian's cargo, with
# every machine-specific path remapped so that the bytes do not depend on where the clone lives.
#   scripts/build-wasm.sh           build and write src/core/wasm/
#   scripts/build-wasm.sh --check   build into a temp dir and fail if the bytes differ from git
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WASM="$ROOT/wasm"
OUT="$ROOT/src/core/wasm"
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1
WASM_BINDGEN_VERSION=0.2.105
RUSTUP_CARGO="${RUSTUP_CARGO:-$HOME/.cargo/bin/cargo}"
DEBIAN_CARGO=/usr/bin/cargo

log() { printf '[build-wasm] %s\n' "$*" >&2; }

# 1. Toolchains.
if [ ! -x "$DEBIAN_CARGO" ] || [ ! -d /usr/lib/rustlib/wasm32-unknown-unknown ]; then
  log "installing Debian rustc/cargo with the wasm32 std"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc cargo libstd-rust-dev-wasm32 >/dev/null
fi
WASM_BINDGEN="$HOME/.cargo/bin/wasm-bindgen"
if ! "$WASM_BINDGEN" --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION with rustup's cargo (a few minutes)"
  "$RUSTUP_CARGO" install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked --force >&2
fi

# 2. Vendor the locked dependency set.
log "vendoring crates"
(cd "$WASM" && "$RUSTUP_CARGO" vendor --locked --versioned-dirs --quiet vendor >/dev/null 2>&1)
if grep -l '^edition = "2024"' "$WASM"/vendor/*/Cargo.toml >/dev/null 2>&1; then
  log "an edition-2024 crate is in the vendor tree; Debian's rustc 1.63 cannot build it:"
  grep -l '^edition = "2024"' "$WASM"/vendor/*/Cargo.toml >&2
  exit 1
fi

# 3. Build offline with Debian's cargo, paths remapped.
CARGO_HOME_DIR="$WASM/.cargo-home"
mkdir -p "$CARGO_HOME_DIR"
cat >"$CARGO_HOME_DIR/config.toml" <<TOML
[source.crates-io]
replace-with = "vendored"
[source.vendored]
directory = "$WASM/vendor"
TOML
export CARGO_HOME="$CARGO_HOME_DIR"
export RUSTFLAGS="--remap-path-prefix=$WASM=/build --remap-path-prefix=$WASM/vendor=/vendor --remap-path-prefix=$CARGO_HOME_DIR=/cargo-home -C target-cpu=generic"
export SOURCE_DATE_EPOCH=0
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
log "compiling with $($DEBIAN_CARGO --version) / $(/usr/bin/rustc --version)"
(cd "$WASM" && "$DEBIAN_CARGO" build --release --target wasm32-unknown-unknown --offline --locked >&2)

# 4. Generate the JS glue (one target for every runtime; the loader passes the bytes in).
DEST="$OUT"
[ "$CHECK" = 1 ] && DEST=$(mktemp -d)
mkdir -p "$DEST"
"$WASM_BINDGEN" --target web --out-dir "$DEST" --out-name tessera_core \
  "$WASM/target/wasm32-unknown-unknown/release/tessera_core.wasm"
log "wrote $(wc -c <"$DEST/tessera_core_bg.wasm") bytes of wasm to $DEST"

if [ "$CHECK" = 1 ]; then
  for f in tessera_core_bg.wasm tessera_core.js tessera_core.d.ts; do
    if ! cmp -s "$DEST/$f" "$OUT/$f"; then
      log "REPRODUCIBILITY FAILURE: $f built from source differs from the committed src/core/wasm/$f"
      log "  committed: $(sha256sum "$OUT/$f" | cut -c1-16)  rebuilt: $(sha256sum "$DEST/$f" | cut -c1-16)"
      exit 1
    fi
  done
  log "reproducible: rebuilt bytes match the committed artifact"
  rm -rf "$DEST"
fi
