#!/usr/bin/env bash
# Reproduces the engine table of docs/performance.md in one run:
# criterion times the ATT policy natively and in the sandbox, and the shared
# comparison policy natively, as an Attest plug-in (reused and fresh
# instances), in Cedar and in Regorus (interpreter and VM), after checking
# on 100,000 generated applications that every engine agrees with the
# native rules. Then prints the medians as a table, with ratios taken from
# this same run.
#   scripts/compare-engines.sh [MEASUREMENT_SECONDS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
cargo bench -p attest-benches --features peers --bench screening -- \
  --warm-up-time 2 --measurement-time "$secs" '^(att|compare)/' >&2
python3 - <<'PY'
import json, os
root = "target/criterion"
def median(name):
    path = os.path.join(root, name.replace("/", "_"), "new", "estimates.json")
    return json.load(open(path))["median"]["point_estimate"]
rows = [
    ("att/native", "att/native"),
    ("att/sandbox-reuse", "att/native"),
    ("att/sandbox-fresh", "att/native"),
    ("compare/native", "compare/native"),
    ("compare/attest-reuse", "compare/native"),
    ("compare/attest-fresh", "compare/native"),
    ("compare/cedar", "compare/native"),
    ("compare/regorus-interpreter", "compare/native"),
    ("compare/regorus-vm", "compare/native"),
]
peers = ["compare/cedar", "compare/regorus-interpreter", "compare/regorus-vm"]
m = {name: median(name) for name, _ in rows}
print("| benchmark | median ns | decisions/s (1 core) | x native | " +
      " | ".join(f"{p.split('/')[1]} / this" for p in peers) + " |")
print("|---|---:|---:|---:|" + "---:|" * len(peers))
for name, floor in rows:
    ns = m[name]
    cells = [f"{m[p] / ns:.1f}" if name.startswith("compare/") else "" for p in peers]
    print(f"| {name} | {ns:,.0f} | {1e9 / ns:,.0f} | {ns / m[floor]:.1f} | " + " | ".join(cells) + " |")
PY
