#!/usr/bin/env bash
# Builds every policy plug-in to wasm32 and publishes it under dist/:
#   dist/NAME.wasm, dist/NAME.wasm.sha256, dist/NAME.manifest.toml
# With --check, builds and compares with dist/ instead of writing: exits 1
# naming every published file that the sources no longer reproduce.
# With a POLICY name, builds and publishes only that crate.
# Reproducible: source paths are remapped, so a clone in any folder gives
# the same bytes with the same toolchain.
#
# Toolchain: a rustup toolchain with the wasm32-unknown-unknown target if
# one is installed; otherwise Debian's rustc-web with build-std (installed
# here when missing, as root via apt-get).
set -euo pipefail
mode=publish
only=""
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    -*) echo "build.sh: unknown option $arg (usage: build.sh [--check] [POLICY])" >&2; exit 2 ;;
    *) only=$arg ;;
  esac
done
if [ -n "$only" ] && [ ! -f "$(dirname "$0")/$only/manifest.toml" ]; then
  echo "build.sh: no policy crate $only (expected $only/manifest.toml)" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$here"

export CARGO_TARGET_DIR="$here/target"
# A 16 KiB stack: the bundled policies use under 5 KiB, and with it they
# start in one 64 KiB page of memory, which a fresh instance resets whole
# (docs/performance.md). The stack lies below the data (rustc links wasm
# stack-first), so overflowing it traps instead of overwriting data.
flags="--remap-path-prefix=$root=/attest -C link-arg=-zstack-size=16384"

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  # A rustup wasm32 target: no build-std needed, so no Debian toolchain.
  build() { RUSTUP_TOOLCHAIN=stable RUSTFLAGS="$flags" cargo build --release "$@"; }
else
  if [ ! -x /usr/bin/cargo ] || [ ! -d /usr/lib/rustlib/src/rust/library ] || [ ! -e "$(readlink -f /usr/bin/rust-lld)" ]; then
    echo "build.sh: installing Debian's Rust for wasm32 (rustc-web, rust-web-src)" >&2
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -q >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >&2
  fi
  # The Debian sources live under /usr/lib/rustlib/src; remap them too.
  # Call Debian's cargo and rustc directly: a caller's RUSTUP_TOOLCHAIN
  # (set, for one, by `cargo test` for its children) would otherwise
  # override rust-toolchain.toml and pick a toolchain without rust-src.
  build() {
    env -u RUSTUP_TOOLCHAIN -u RUSTC -u RUSTDOC -u RUSTC_WRAPPER -u CARGO \
      RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
      RUSTFLAGS="$flags --remap-path-prefix=/usr/lib/rustlib/src/rust=/rust" \
      /usr/bin/cargo build --release "$@"
  }
fi
if [ -n "$only" ]; then build -p "policy-$only"; else build; fi

out=dist
if [ "$mode" = check ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
# publish CRATE NAME MANIFEST: copy the crate's last build as dist NAME.
publish() {
  local lib
  lib=$(echo "$1" | tr '-' '_')
  cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/policy_${lib}.wasm" "$out/$2.wasm"
  cp "$1/$3" "$out/$2.manifest.toml"
  (cd "$out" && sha256sum "$2.wasm" > "$2.wasm.sha256")
  echo "built $2.wasm $(cut -d' ' -f1 "$out/$2.wasm.sha256")"
}
for crate in */manifest.toml; do
  name=$(dirname "$crate")
  [ -z "$only" ] || [ "$name" = "$only" ] || continue
  publish "$name" "$name" manifest.toml
done
# Editions: CRATE/manifest-EDITION.toml builds with feature edition-EDITION
# and is published as CRATE-EDITION.
for variant in */manifest-*.toml; do
  [ -e "$variant" ] || continue
  crate=$(dirname "$variant")
  [ -z "$only" ] || [ "$crate" = "$only" ] || continue
  edition=$(basename "$variant" .toml); edition=${edition#manifest-}
  build --features "policy-$crate/edition-$edition" -p "policy-$crate"
  publish "$crate" "$crate-$edition" "$(basename "$variant")"
done

if [ "$mode" = publish ] && [ -f "$root/attest.toml" ]; then
  # Re-pin the published modules in the default configuration: the line
  # after `module = "policies/dist/NAME.wasm"` is its `sha256 = "..."`.
  for f in dist/*.wasm; do
    name=$(basename "$f")
    hash=$(cut -d' ' -f1 "dist/$name.sha256")
    sed -i "/^module = \"policies\/dist\/$name\"/{n;s/^sha256 = \".*\"/sha256 = \"$hash\"/}" "$root/attest.toml"
  done
  echo "re-pinned policies/dist modules in attest.toml"
fi

if [ "$mode" = check ]; then
  stale=0
  for f in "$out"/*; do
    if ! cmp -s "$f" "dist/$(basename "$f")"; then
      echo "build.sh: dist/$(basename "$f") is not what the sources build; run policies/build.sh and commit dist/" >&2
      stale=1
    fi
  done
  if [ -z "$only" ]; then
    for f in dist/*; do
      [ -e "$out/$(basename "$f")" ] || { echo "build.sh: dist/$(basename "$f") has no source crate" >&2; stale=1; }
    done
  fi
  [ "$stale" = 0 ] && echo "policies/dist matches the sources"
  exit "$stale"
fi
