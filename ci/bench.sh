#!/usr/bin/env bash
# The benchmark stages of the release-candidate gate. One stage per call:
#
#   ci/bench.sh smoke            compile every bench and run each once, unmeasured
#                                (`cargo test --benches`): catches a bench that no
#                                longer builds or asserts wrongly, in about a minute.
#   ci/bench.sh instructions     count instructions under valgrind (gungraun) and gate
#                                them against bench-gate/instructions-baseline.toml
#                                (+3% at most), with the overhead budgets of
#                                bench-gate/budgets.toml in instructions (a breach
#                                fails, unless the budget is marked `open`).
#                                Deterministic: safe on shared runners.
#   ci/bench.sh wall-clock [--advisory]
#                                run the criterion benches (HTML report in
#                                target/criterion/report/) and gate bench-gate/budgets.toml.
#                                Results written before the run started are refused
#                                (--since), never gated. With --advisory a breach is
#                                reported, not failed: use it on shared runners, where
#                                1-2% budgets are noise (a refused result still fails).
#   ci/bench.sh paired [--advisory]
#                                the wall-clock request budgets measured interleaved
#                                (monitoring off and on in ABBA rounds, one process; about
#                                twenty seconds): fails only a budget whose whole 95%
#                                interval is above it; a straddling one is reported as
#                                inconclusive. With --advisory nothing fails on a budget.
#   ci/bench.sh update-baseline  re-count instructions and rewrite the committed baseline
#                                (after a toolchain change, or a change meant to cost more).
#
# Markdown tables go to stdout and to target/rc-report/bench/<stage>.md; when
# GITHUB_STEP_SUMMARY is set they are appended to the job summary too.
#
# Environment:
#   RC_CRITERION_ARGS   extra criterion flags for wall-clock, e.g. `--quick`
#   GUNGRAUN_VERSION    runner version to install when missing (must match Cargo.lock)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REPORT_DIR="$ROOT/target/rc-report/bench"
GUNGRAUN_VERSION="${GUNGRAUN_VERSION:-0.20.0}"

mkdir -p "$REPORT_DIR"

log() { printf 'bench: %s\n' "$*" >&2; }

# Publishes a Markdown report: stdout, the report dir, and the GitHub job summary.
publish() {
    local name=$1 file
    file="$REPORT_DIR/$name.md"
    mkdir -p "$REPORT_DIR"
    cat >"$file"
    cat "$file"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        cat "$file" >>"$GITHUB_STEP_SUMMARY"
    fi
}

# gungraun's benches need its runner binary, at exactly the library's version.
ensure_runner() {
    if ! command -v valgrind >/dev/null 2>&1; then
        local sudo=()
        if [ "$(id -u)" != 0 ] && sudo -n true 2>/dev/null; then sudo=(sudo); fi
        if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ ${#sudo[@]} -gt 0 ]; }; then
            log "installing valgrind (apt-get)"
            "${sudo[@]}" apt-get update -qq
            DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq valgrind >/dev/null
        else
            log "valgrind is not installed and cannot be installed here (apt-get install valgrind)"
            exit 2
        fi
    fi
    local have
    have=$(gungraun-runner --version 2>/dev/null | awk '{print $2}' || true)
    if [ "$have" != "$GUNGRAUN_VERSION" ]; then
        log "installing gungraun-runner $GUNGRAUN_VERSION (found: ${have:-none})"
        # A debug build: it compiles in a minute instead of three on 2 cores, and the
        # runner only starts valgrind and reads its output (counts do not depend on it).
        cargo install --locked --debug gungraun-runner --version "$GUNGRAUN_VERSION"
    fi
}

# Runs the instruction benches; their JSON summary lands in $1.
count_instructions() {
    ensure_runner
    mkdir -p "$(dirname "$1")"
    cargo bench --locked -p rc-benches --bench instructions -- --output-format=json >"$1"
}

harness() {
    cargo run --locked -q -p harness -- "$@"
}

stage=${1:-}
case "$stage" in
smoke)
    # The instruction benches run once too, through gungraun's runner.
    ensure_runner
    cargo test --locked -p rc-benches --benches
    ;;
instructions)
    summary="$REPORT_DIR/instructions.jsonl"
    count_instructions "$summary"
    status=0
    # Drift against the baseline, a budget whose bench was not counted, and a breach
    # of any overhead budget not marked `open` in budgets.toml (none is, today) fail.
    harness bench-gate --instructions "$summary" \
        >"$REPORT_DIR/instructions.out" || status=$?
    publish instructions <"$REPORT_DIR/instructions.out"
    exit "$status"
    ;;
wall-clock)
    advisory=${2:-}
    if [ -n "$advisory" ] && [ "$advisory" != --advisory ]; then
        log "unknown option '$advisory' for wall-clock (expected --advisory or nothing)"
        exit 2
    fi
    # Criterion leaves old results in target/criterion: the gate refuses any written
    # before this run started.
    started=$(date +%s)
    # shellcheck disable=SC2086 # RC_CRITERION_ARGS is a list of flags
    cargo bench --locked -p rc-benches --bench requests --bench recording --bench queries \
        -- ${RC_CRITERION_ARGS:-}
    status=0
    harness bench-gate --since "$started" >"$REPORT_DIR/wall-clock.out" || status=$?
    publish wall-clock <"$REPORT_DIR/wall-clock.out"
    log "criterion's HTML report: target/criterion/report/index.html"
    if [ "$status" = 1 ] && [ "$advisory" = --advisory ]; then
        log "advisory: wall-clock budgets breached above; not failing (shared machine)"
        exit 0
    fi
    exit "$status"
    ;;
paired)
    advisory=${2:-}
    if [ -n "$advisory" ] && [ "$advisory" != --advisory ]; then
        log "unknown option '$advisory' for paired (expected --advisory or nothing)"
        exit 2
    fi
    status=0
    # shellcheck disable=SC2086 # $advisory is one flag or nothing
    cargo bench --locked -p rc-benches --bench paired -- $advisory \
        >"$REPORT_DIR/paired.out" || status=$?
    publish paired <"$REPORT_DIR/paired.out"
    exit "$status"
    ;;
update-baseline)
    summary="$REPORT_DIR/instructions.jsonl"
    count_instructions "$summary"
    harness bench-gate --instructions "$summary" --update-baseline
    ;;
*)
    log "usage: ci/bench.sh smoke | instructions | wall-clock [--advisory] | paired [--advisory] | update-baseline"
    exit 2
    ;;
esac
