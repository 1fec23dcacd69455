#!/usr/bin/env bash
# Times how long the reference server container takes from `docker run` to its first
# `/health` 200 on the published port, over N boots (default 5), and prints each time
# and the median. A measurement, not a test: nothing here passes or fails on a number.
#
# Usage: ci/time-container-boot.sh [boots]     (IMAGE=name:tag to time another image)
# Builds the image first with ci/build-image.sh (a no-op when nothing changed).
# Containers are named rc-harness-<pid>-time-<n> and removed on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BOOTS="${1:-5}"
IMAGE="${IMAGE:-rc-harness/reference-server:dev}"
TIMEOUT_MS=30000

[[ "$BOOTS" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [boots]" >&2; exit 2; }
command -v curl >/dev/null || { echo "time-container-boot: needs curl" >&2; exit 2; }
if [[ "$IMAGE" == rc-harness/reference-server:dev ]]; then
    "$ROOT/ci/build-image.sh"
fi

containers=()
cleanup() {
    if ((${#containers[@]})); then
        docker rm --force --volumes "${containers[@]}" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

times=()
for ((i = 1; i <= BOOTS; i++)); do
    name="rc-harness-$$-time-$i"
    start="$(now_ms)"
    id="$(docker run --detach --publish 127.0.0.1::8000 --name "$name" \
        --env ADMIN_TOKEN=timing-script-admin-token "$IMAGE")"
    containers+=("$id")
    port="$(docker port "$id" 8000/tcp | head -n 1 | sed 's/.*://')"
    polls=0
    until curl --silent --fail --output /dev/null --max-time 1 "http://127.0.0.1:$port/health"; do
        polls=$((polls + 1))
        if (($(now_ms) - start > TIMEOUT_MS)) ||
            { ((polls % 50 == 0)) && [[ "$(docker inspect -f '{{.State.Running}}' "$id")" != true ]]; }; then
            echo "boot $i: not ready (exited, or after ${TIMEOUT_MS} ms); logs:" >&2
            docker logs "$id" >&2 || true
            exit 1
        fi
        sleep 0.01
    done
    elapsed=$(($(now_ms) - start))
    times+=("$elapsed")
    printf 'boot %d: %d ms\n' "$i" "$elapsed"
    docker rm --force --volumes "$id" >/dev/null
    containers=("${containers[@]/$id/}")
done

median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }')"
size="$(docker image inspect --format '{{.Size}}' "$IMAGE")"
printf 'median boot to ready over %d boots: %d ms (docker run -> first /health 200)\n' "$BOOTS" "$median"
printf 'image %s: %d bytes (%s)\n' "$IMAGE" "$size" "$(awk -v b="$size" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"
