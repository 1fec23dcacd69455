#!/usr/bin/env bash
# Mutation testing: would the gate notice if the reference server's monitoring, config
# or static-file code were wrong? cargo-mutants changes one thing at a time (a return
# value, an operator, a match arm) and runs the scenario and self-validation suites
# against each mutant; a mutant they still pass "survived" and marks a check missing.
#
# A manual or scheduled job, not part of .ci/run: every mutant rebuilds the server and
# boots it dozens of times (about a minute a mutant on 2 cores).
#
#   ci/mutants.sh                 the monitoring, config and static-file modules
#   ci/mutants.sh FILE...         just these files
#
# Results in target/mutants/mutants.out/ (caught.txt, missed.txt, timeout.txt,
# unviable.txt, outcomes.json); the score and the survivors are summarised at the end.
# Installs cargo-mutants (crates.io) when it is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MUTANTS_VERSION="${MUTANTS_VERSION:-27.1.0}"
DEFAULT_FILES=(
    reference-server/src/http_monitor.rs
    reference-server/src/site.rs
    reference-server/src/db/monitored.rs
    'reference-server/src/monitoring/*.rs'
    'reference-server/src/config/*.rs'
    'reference-server/src/static_files/*.rs'
)
if ! cargo mutants --version >/dev/null 2>&1; then
    cargo install --locked cargo-mutants --version "$MUTANTS_VERSION"
fi

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    files=("${DEFAULT_FILES[@]}")
fi
args=()
for file in "${files[@]}"; do
    args+=(--file "$file")
done

OUT="$ROOT/target/mutants"
mkdir -p "$OUT"
status=0
# Unit tests inside the file are not the point: only the generated scenario suite
# (what a release candidate is gated by) decides whether a mutant is caught, and only
# its process cases (a container case would rebuild the image for every mutant). The
# baseline is skipped because cargo-mutants runs it on the mutated package's own tests;
# `cargo test -p scenario-tests` is the baseline, and CI runs it.
cargo mutants --package reference-server "${args[@]}" \
    --test-package scenario-tests --baseline skip --timeout 300 --output "$OUT" \
    -- --test matrix -- process/ || status=$?

out="$OUT/mutants.out"
caught=$(grep -c . "$out/caught.txt" 2>/dev/null || true)
missed=$(grep -c . "$out/missed.txt" 2>/dev/null || true)
timeout=$(grep -c . "$out/timeout.txt" 2>/dev/null || true)
unviable=$(grep -c . "$out/unviable.txt" 2>/dev/null || true)
tested=$((caught + missed + timeout))
echo "mutants: ${caught:-0} caught, ${missed:-0} missed, ${timeout:-0} timed out, ${unviable:-0} unviable"
if [ "$tested" -gt 0 ]; then
    echo "score: $(( (caught + timeout) * 100 / tested ))% of viable mutants caught"
fi
if [ "${missed:-0}" -gt 0 ]; then
    echo "survivors:"
    sed 's/^/  /' "$out/missed.txt"
fi
# cargo-mutants exits 2 when mutants survive: a finding to read, not a broken run.
if [ "$status" = 2 ]; then
    exit 0
fi
exit "$status"
