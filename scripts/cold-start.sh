#!/usr/bin/env bash
# Cold-process start-up of `attest screen` on one example: median of 20
# runs with a warm precompiled-module cache, and with --no-cache (every
# plug-in compiled by Cranelift). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p attest
export ATTEST_CACHE_DIR
ATTEST_CACHE_DIR=$(mktemp -d)
trap 'rm -rf "$ATTEST_CACHE_DIR"' EXIT
python3 - target/release/attest examples/gb-ke-police-rifles.toml <<'PY'
import statistics, subprocess, sys, time
bin, example = sys.argv[1:]
def median_ms(*flags, runs=20):
    times = []
    for _ in range(runs):
        t = time.monotonic()
        subprocess.run([bin, *flags, "screen", example], check=True, stdout=subprocess.DEVNULL)
        times.append((time.monotonic() - t) * 1000)
    return statistics.median(times)
subprocess.run([bin, "screen", example], check=True, stdout=subprocess.DEVNULL)  # warm the cache
warm = median_ms()
cold = median_ms("--no-cache")
print("| start-up | median of 20 |")
print("|---|---|")
print(f"| warm cache | {warm:.1f} ms |")
print(f"| --no-cache | {cold:.1f} ms |")
print(f"| speed-up | {cold / warm:.1f}x |")
PY
