#!/usr/bin/env bash
# Measures `attest batch` end to end on generated workloads: applications/s
# on 1 and 2 workers in both isolation modes, and peak resident memory as
# the input grows tenfold. Prints a Markdown table (docs/performance.md).
#   scripts/batch-throughput.sh [COUNT]     (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
cargo build -q --release -p attest
bin=target/release/attest
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" gen --count "$count" --seed 1 --out "$dir/small.jsonl"
"$bin" gen --count $((count * 10)) --seed 1 --out "$dir/large.jsonl"

# run LABEL INPUT ARGS...: wall time, rate and peak RSS of one batch run.
# The last run's output is deleted first, outside the timing: `--restart`
# would truncate it inside, and freeing 300 MB of page cache cost up to a
# fifth of the next run (docs/performance.md).
run() {
  local label=$1 input=$2; shift 2
  rm -f "$dir/out.jsonl" "$dir/out.jsonl.batch"
  python3 - "$bin" "$input" "$dir/out.jsonl" "$@" <<'PY' | sed "s/^/| $label | /"
import os, sys, time, resource
bin, inp, out, *args = sys.argv[1:]
n = sum(1 for _ in open(inp))
t = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execv(bin, [bin, "batch", inp, "--out", out, "--restart", "--quiet", *args])
_, status, usage = os.wait4(pid, 0)
dt = time.monotonic() - t
assert status == 0, status
print(f"{n} | {dt:.2f} s | {n/dt:,.0f} | {usage.ru_maxrss/1024:.0f} MiB |")
PY
}
echo "| run | applications | wall | applications/s | peak RSS |"
echo "|---|---|---|---|---|"
run "fresh, 1 worker" "$dir/small.jsonl" --jobs 1 --isolation fresh
run "fresh, 2 workers" "$dir/small.jsonl" --jobs 2 --isolation fresh
run "reuse, 1 worker" "$dir/small.jsonl" --jobs 1 --isolation reuse
run "reuse, 2 workers" "$dir/small.jsonl" --jobs 2 --isolation reuse
run "reuse, 2 workers, 10x input" "$dir/large.jsonl" --jobs 2 --isolation reuse
