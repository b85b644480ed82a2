#!/usr/bin/env bash
# Runs every check Attest has, from a fresh clone on a fresh machine:
#   1. installs what is missing: clang-14 and lld-14 (the C plug-in test)
#      and, inside policies/build.sh, Debian's Rust for wasm32;
#   2. rebuilds the policy plug-ins and fails if policies/dist differs;
#   3. rustfmt, clippy and the rules crate's docs (warnings are errors);
#   4. every test of the workspace, and the benchmarks compile;
#   5. the engine comparison's peers (Cedar, Regorus) agree with the native
#      rules on 100,000 generated applications (release build).
set -euo pipefail
cd "$(dirname "$0")/.."

# CI builds once from scratch: incremental caches would only take disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v clang-14 >/dev/null || ! command -v wasm-ld-14 >/dev/null; then
  echo "== installing clang-14 and lld-14 (C plug-in test)"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang-14 lld-14
fi

echo "== policies: rebuild and compare with policies/dist"
policies/build.sh --check

echo "== rustfmt and clippy"
cargo fmt --all -- --check
# The policies are a workspace of their own, built by another toolchain.
rustfmt --edition 2021 --check policies/*/src/*.rs
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p attest-benches --all-targets --features peers -- -D warnings
# The rules crate's documentation is what policy authors read: no broken
# links in it.
RUSTDOCFLAGS="-D warnings" cargo doc -q -p attest-rules --no-deps --features guest

echo "== tests"
cargo test --workspace
cargo bench -p attest-benches --features peers --bench screening --no-run

echo "== engine comparison: every engine agrees with the native rules"
cargo test --release -p attest-benches --features peers --test comparison

echo "== disk used by the build"
du -sh "${CARGO_TARGET_DIR:-target}" policies/target 2>/dev/null || true
