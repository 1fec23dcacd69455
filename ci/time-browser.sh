#!/usr/bin/env bash
# Times what a `browser` step costs per page: runs a boot + browser scenario against
# the reference server as a process (scenarios/targets/reference-process.toml, as
# `harness gate` does) N times (default 5), then prints each page's load time (from
# navigation to the load event: the `duration_ms` of its `browser load PATH` check in
# report.json) as median/min/max, and the whole step's wall time. A measurement, not a
# test: nothing here passes or fails on a number.
#
# Usage: ci/time-browser.sh [runs]      (PAGES="/ /notes/hello-world" to change pages)
# Needs Chromium (HARNESS_CHROMIUM, else chromium or chromium-browser on PATH) and
# python3. Each run launches one Chromium and boots the server once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-5}"
PAGES="${PAGES:-/ /notes/hello-world}"

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [runs]" >&2; exit 2; }
command -v python3 >/dev/null || { echo "time-browser: needs python3" >&2; exit 2; }

cd "$ROOT"
cargo build --locked --quiet -p harness -p reference-server
HARNESS="$ROOT/target/debug/harness"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/rc-time-browser.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

pages_toml="$(printf '"%s", ' $PAGES)"
cat >"$WORK/browser.toml" <<EOF
name = "time-browser"
description = "The pages as Chromium loads them, timed."
[[steps]]
boot = {}
[[steps]]
browser = { pages = [${pages_toml%, }] }
EOF

for ((i = 1; i <= RUNS; i++)); do
    # Chromium must be there: a skipped step would time nothing.
    HARNESS_REQUIRE_BROWSER=1 "$HARNESS" gate \
        --target "$ROOT/scenarios/targets/reference-process.toml" \
        --scenario "$WORK/browser.toml" \
        --report-dir "$WORK/run-$i" >/dev/null 2>"$WORK/run-$i.log" || {
        echo "run $i failed; its output:" >&2
        cat "$WORK/run-$i.log" >&2
        exit 1
    }
    echo "run $i: done" >&2
done

python3 - "$WORK" "$RUNS" <<'EOF'
import json, statistics, sys
from collections import defaultdict
from urllib.parse import urlsplit

work, runs = sys.argv[1], int(sys.argv[2])
loads, steps = defaultdict(list), []

for i in range(1, runs + 1):
    with open(f"{work}/run-{i}/report.json") as f:
        report = json.load(f)
    for scenario in report["scenarios"]:
        for check in scenario["checks"]:
            if check["name"].startswith("browser load "):
                page = urlsplit(check["name"][len("browser load "):]).path or "/"
                loads[page].append(check["duration_ms"])
        if scenario["duration_ms"] is not None:
            steps.append(scenario["duration_ms"])

def row(values):
    return (f"median {statistics.median(values):7.1f} ms  min {min(values):7.1f} ms  "
            f"max {max(values):7.1f} ms")

print(f"page load time (navigation to load event), {runs} runs:")
for page, values in loads.items():
    print(f"  {page:<24} {row(values)}")
if steps:
    print(f"whole scenario (boot, Chromium launch, every page, close), {runs} runs:")
    print(f"  {'':<24} {row(steps)}")
EOF
