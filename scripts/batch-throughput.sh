#!/usr/bin/env bash
# Measures `attest batch` end to end on generated workloads: applications/s
# on 1 and 2 workers in both isolation modes, and peak resident memory as
# the input grows tenfold. Prints a Markdown table (docs/performance.md).
#   scripts/batch-throughput.sh [COUNT] [ROUNDS]   (defaults 100000 and 3)
# The four runs on COUNT applications are made ROUNDS times, in turn, and
# each row gives the median: single runs on a shared machine drift by up
# to a fifth within minutes, and runs in turn drift together. Scaling from
# 1 to 2 workers is the ratio of those medians. The tenfold input is run
# once, with reuse on 2 workers, for its memory.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
rounds=${2:-3}
cargo build -q --release -p attest
bin=target/release/attest
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" gen --count "$count" --seed 1 --out "$dir/small.jsonl"
"$bin" gen --count $((count * 10)) --seed 1 --out "$dir/large.jsonl"

python3 - "$bin" "$dir" "$rounds" <<'PY'
import os, statistics, sys, time
bin, dir, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = os.path.join(dir, "out.jsonl")

def run(inp, *args):
    """Wall seconds and peak RSS (MiB) of one batch run. The last run's
    output is deleted first, outside the timing: `--restart` would truncate
    it inside, and freeing 300 MB of page cache cost up to a fifth of the
    next run (docs/performance.md). Then the disk is synced, also outside
    the timing."""
    for f in (out, out + ".batch"):
        if os.path.exists(f):
            os.remove(f)
    # Nothing left for the kernel to write back during the run: the
    # generated inputs (1.2 GB) were still being flushed to disk while the
    # first rounds ran.
    os.sync()
    t = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.execv(bin, [bin, "batch", inp, "--out", out, "--quiet", *args])
    _, status, usage = os.wait4(pid, 0)
    assert status == 0, status
    return time.monotonic() - t, usage.ru_maxrss / 1024

def lines(path):
    return sum(1 for _ in open(path))

small = os.path.join(dir, "small.jsonl")
n = lines(small)
configs = [(iso, jobs) for iso in ("fresh", "reuse") for jobs in (1, 2)]
walls = {c: [] for c in configs}
peaks = {c: 0 for c in configs}
for _ in range(rounds):
    for iso, jobs in configs:
        wall, peak = run(small, "--jobs", str(jobs), "--isolation", iso)
        walls[(iso, jobs)].append(wall)
        peaks[(iso, jobs)] = max(peaks[(iso, jobs)], peak)

print(f"| run | applications | median wall ({rounds} rounds) | applications/s | peak RSS |")
print("|---|---|---|---|---|")
median = {c: statistics.median(w) for c, w in walls.items()}
for (iso, jobs) in configs:
    label = f"{iso}, {jobs} worker{'s' if jobs > 1 else ''}"
    m = median[(iso, jobs)]
    print(f"| {label} | {n} | {m:.2f} s | {n/m:,.0f} | {peaks[(iso, jobs)]:.0f} MiB |")
large = os.path.join(dir, "large.jsonl")
wall, peak = run(large, "--jobs", "2", "--isolation", "reuse")
print(f"| reuse, 2 workers, 10x input | {lines(large)} | {wall:.2f} s | {lines(large)/wall:,.0f} | {peak:.0f} MiB |")
print()
for iso in ("fresh", "reuse"):
    print(f"scaling 1 -> 2 workers, {iso}: {median[(iso, 1)] / median[(iso, 2)]:.2f}x")
PY
