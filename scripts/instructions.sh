#!/usr/bin/env bash
# Instructions per application of one batch worker's loop (read the JSON
# line, screen, write the decision line), counted by valgrind's cachegrind:
# the same count on every run, where wall-clock times on this machine drift
# by a tenth between runs (docs/performance.md). Runs the loop on COUNT
# generated applications and on none, and divides the difference; prints
# the total and the functions that take the most.
#   scripts/instructions.sh [COUNT] [CONFIG]   (defaults 2000 and the embedded configuration)
# Instances are reused: valgrind cannot reserve the address space of the
# pool that fresh instances come from. Plug-in code shows as `???`
# (compiled at run time). sha256 shows far larger than it is: valgrind
# hides the SHA extensions, so the portable code runs instead.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2000}
config=${2:--}
if ! command -v valgrind >/dev/null; then
  echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2
  exit 2
fi
cargo build -q --release -p attest -p attest-benches --bin attest --example worker_loop
bin=target/release/examples/worker_loop
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
target/release/attest gen --count "$count" --seed 1 --out "$dir/apps.jsonl"
"$bin" "$dir/apps.jsonl" 1 "$config" reuse  # fill the module cache
for n in 0 "$count"; do
  # --smc-check: plug-in code is written at run time, outside any file.
  valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --log-file="$dir/valgrind.$n" \
    --cachegrind-out-file="$dir/cg.$n" "$bin" "$dir/apps.jsonl" "$n" "$config" reuse
done
cg_diff "$dir/cg.0" "$dir/cg.$count" > "$dir/cg.diff"
cg_annotate --auto=no "$dir/cg.diff" | python3 -c '
import collections, re, sys
count = int(sys.argv[1])
total, by_function = 0, collections.Counter()
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*)", line)
    if not m:
        continue
    n = int(m.group(1).replace(",", ""))
    if m.group(2) == "PROGRAM TOTALS":
        total = n
        continue
    # "file:function"; merge the lines of one function from several files.
    by_function[m.group(2).split(":", 1)[-1]] += n
print(f"{total / count:,.0f} instructions per application ({count} applications)")
for function, n in by_function.most_common(20):
    print(f"{n / count:>10,.0f}  {function[:110]}")
' "$count"
