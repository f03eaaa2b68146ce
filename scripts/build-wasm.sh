#!/usr/bin/env bash
# Rebuilds the wasm core from source, reproducibly, into src/core/wasm/.
#
# The compiler is Debian's rustc-web/cargo-web (bookworm-security), pinned below. As packages
# they conflict with Debian's rustc, and they carry no prebuilt wasm32 std, so: the pinned .debs
# are unpacked (not installed) into a cache prefix, and std is compiled from the package's own
# sources (rust-web-src) with -Zbuild-std, offline from the std crates vendored in that package.
# Project crates are resolved and vendored with rustup's cargo (Cargo.lock is committed); then
# everything is built offline, with every machine-specific path (clone, vendor, cargo home, std
# sources in the cache) remapped so that the bytes do not depend on where anything lives.
#   scripts/build-wasm.sh           build and write src/core/wasm/
#   scripts/build-wasm.sh --check   build into a temp dir and fail if the bytes differ from git
# Security updates replace a version in the archive (deb12u2 -> deb12u3); when the pin can no
# longer be downloaded the script stops and says what to change.
set -euo pipefail

# The toolchain pin. Changing it changes the bytes: rebuild and commit src/core/wasm/ with it.
# (TESSERA_RUST_WEB_VERSION / TESSERA_LLVM_VERSION override it, to try a candidate first.)
RUST_WEB_VERSION="${TESSERA_RUST_WEB_VERSION:-1.96.0+dfsg1-1~deb12u2}"
LLVM_VERSION="${TESSERA_LLVM_VERSION:-1:22.1.8-1~deb12u1}"
RUST_WEB_PACKAGES="rustc-web cargo-web libstd-rust-web-dev libstd-rust-web-$(echo "$RUST_WEB_VERSION" | cut -d. -f1,2) rust-web-src rust-web-llvm"
LLVM_PACKAGES="libllvm22 lld-22" # the LLVM major that rust-web-llvm depends on

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WASM="$ROOT/wasm"
OUT="$ROOT/src/core/wasm"
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1
WASM_BINDGEN_VERSION=0.2.105
RUSTUP_CARGO="${RUSTUP_CARGO:-$HOME/.cargo/bin/cargo}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/tessera"
PREFIX="$CACHE/rust-web-$RUST_WEB_VERSION"
MARKER="$PREFIX/.tessera-toolchain"

log() { printf '[build-wasm] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

PINS=""
for p in $RUST_WEB_PACKAGES; do PINS="$PINS $p=$RUST_WEB_VERSION"; done
for p in $LLVM_PACKAGES; do PINS="$PINS $p=$LLVM_VERSION"; done

pin_gone() {
  local missing="" pin
  for pin in $PINS; do
    apt-cache show "$pin" 2>/dev/null | grep -q '^Package:' || missing="$missing $pin"
  done
  log "TOOLCHAIN PIN NO LONGER IN THE ARCHIVE: cannot download${missing:-$PINS}"
  log "  (pinned at the top of scripts/build-wasm.sh: RUST_WEB_VERSION=$RUST_WEB_VERSION,"
  log "  LLVM_VERSION=$LLVM_VERSION). Debian's security archive replaces a version with its update;"
  log "  what it offers now:"
  { apt-cache policy rustc-web libllvm22 2>&1 || true; } | grep -E '^[^ ]|Candidate' | sed 's/^/[build-wasm]     /' >&2
  log "  To fix: set RUST_WEB_VERSION (and LLVM_VERSION if libllvm22/lld-22 moved) to the Candidate,"
  log "  run 'bash scripts/build-wasm.sh', check the tests, and commit the script together with the"
  log "  rebuilt src/core/wasm/* (a new compiler changes the bytes, so 'build-wasm.sh --check' fails"
  log "  until the rebuilt wasm is committed). To reproduce the committed bytes with the old pin"
  log "  instead, add Debian's dated snapshot of debian-security (from the pin's date) as an apt source."
  exit 1
}

# 1. Toolchains: the pinned Debian .debs, unpacked once into the cache prefix.
if [ ! -f "$MARKER" ] || [ "$(head -n1 "$MARKER")" != "pins:$PINS" ]; then
  log "unpacking Debian rustc-web $RUST_WEB_VERSION into $PREFIX"
  rm -rf "$PREFIX" "$PREFIX.partial"
  mkdir -p "$PREFIX.partial/debs"
  # shellcheck disable=SC2086 # PINS is a word list
  if ! (cd "$PREFIX.partial/debs" && apt-get download -q $PINS >"$PREFIX.partial/apt.log" 2>&1); then
    log "apt-get download failed; refreshing the package lists and retrying"
    as_root apt-get update -qq >&2 || true
    # shellcheck disable=SC2086
    (cd "$PREFIX.partial/debs" && apt-get download -q $PINS >"$PREFIX.partial/apt.log" 2>&1) || {
      grep '^E:' "$PREFIX.partial/apt.log" | sed 's/^/[build-wasm]   apt-get: /' >&2 || true
      rm -rf "$PREFIX.partial"
      pin_gone
    }
  fi
  # The packages' shared-library dependencies (and a C compiler for host build scripts) are
  # ordinary, non-conflicting packages: install whichever are missing.
  need=""
  for dep in $(for d in "$PREFIX.partial"/debs/*.deb; do dpkg-deb -f "$d" Depends; done |
    tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -E '^(lib|zlib)' | sort -u); do
    case " $RUST_WEB_PACKAGES $LLVM_PACKAGES libc-dev " in *" $dep "*) continue ;; esac
    dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q 'ok installed' || need="$need $dep"
  done
  command -v cc >/dev/null || need="$need gcc libc6-dev"
  if [ -n "$need" ]; then
    log "installing the toolchain's runtime dependencies:$need"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $need >/dev/null
  fi
  for d in "$PREFIX.partial"/debs/*.deb; do dpkg-deb -x "$d" "$PREFIX.partial"; done
  { echo "pins:$PINS"; (cd "$PREFIX.partial/debs" && sha256sum ./*.deb); } >"$PREFIX.partial/.tessera-toolchain"
  rm -rf "$PREFIX.partial/debs" "$PREFIX.partial/apt.log"
  mv "$PREFIX.partial" "$PREFIX"
fi
export PATH="$PREFIX/usr/bin:$PATH"
export LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
RUSTC="$PREFIX/usr/bin/rustc"
CARGO="$PREFIX/usr/bin/cargo"
# build-std reads std's sources at $(rustc --print sysroot)/lib/rustlib/src/rust/library, a
# symlink into usr/src/rustc-<version>/ in the prefix; remap both spellings of that path.
STD_LINK="$("$RUSTC" --print sysroot)/lib/rustlib/src/rust"
STD_SRC=$(cd "$STD_LINK" && pwd -P)
[ -f "$STD_SRC/library/Cargo.lock" ] || { log "no std sources at $STD_LINK/library"; exit 1; }

WASM_BINDGEN="$HOME/.cargo/bin/wasm-bindgen"
if ! "$WASM_BINDGEN" --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION with rustup's cargo (a few minutes)"
  "$RUSTUP_CARGO" install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked --force >&2
fi

# 2. Vendor the locked dependency set, then add std's own dependencies (their Cargo.lock is
#    std's, and its checksums match the .cargo-checksum.json files of std's vendor directory).
log "vendoring crates"
(cd "$WASM" && "$RUSTUP_CARGO" vendor --locked --versioned-dirs --quiet vendor >/dev/null 2>&1)
for d in "$STD_SRC"/library/vendor/*/; do
  [ -e "$WASM/vendor/$(basename "$d")" ] || cp -R "$d" "$WASM/vendor/"
done

# 3. Build offline with the pinned cargo, std included, paths remapped.
CARGO_HOME_DIR="$WASM/.cargo-home"
mkdir -p "$CARGO_HOME_DIR"
cat >"$CARGO_HOME_DIR/config.toml" <<TOML
[source.crates-io]
replace-with = "vendored"
[source.vendored]
directory = "$WASM/vendor"
TOML
export CARGO_HOME="$CARGO_HOME_DIR"
# rustc applies the last matching remap, so the narrower prefixes come after the wider ones.
# +simd128 (std included): Node, Bun, Deno and Chromium all run wasm SIMD; it made ECDSA keygen
# and signing ~10 % and Ed25519 signing ~30 % faster (npm run bench:core) and the wasm 6 % smaller.
export RUSTFLAGS="--remap-path-prefix=$WASM=/build --remap-path-prefix=$WASM/vendor=/vendor --remap-path-prefix=$CARGO_HOME_DIR=/cargo-home --remap-path-prefix=$STD_LINK=/rust-src --remap-path-prefix=$STD_SRC=/rust-src -C target-cpu=generic -C target-feature=+simd128"
export SOURCE_DATE_EPOCH=0
export RUSTC RUSTDOC="$PREFIX/usr/bin/rustdoc"
export RUSTC_BOOTSTRAP=1 # -Zbuild-std is unstable; this toolchain is otherwise a stable release
log "compiling with $("$CARGO" --version) / $("$RUSTC" --version), std built from source"
(cd "$WASM" && "$CARGO" build --release --target wasm32-unknown-unknown --offline --locked \
  -Zbuild-std=std,panic_abort >&2)

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
