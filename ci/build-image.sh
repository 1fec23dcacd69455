#!/usr/bin/env bash
# Builds the reference server image `rc-harness/reference-server:dev` FROM scratch.
#
# 1. Compiles a statically linked reference-server on the host (its own target dir,
#    target/static, so it never fights the workspace's normal builds).
# 2. Hashes the image inputs: the binary, ci/Dockerfile and fixtures/site/static.
# 3. If the `dev` image already carries that hash (label org.rc-harness.inputs), stops
#    there: idempotent, and fast when nothing changed (cargo's no-op check plus one
#    `docker image inspect`).
# 4. Otherwise stages a minimal build context (binary, static/, empty data/) under
#    target/image-context and runs `docker build`, tagging `:dev` and `:<hash12>`.
# It always ends by printing the image size.
#
# Environment:
#   IMAGE            repository name (default rc-harness/reference-server)
#   SKIP_CARGO=1     use the binary already in target/static (no cargo invocation)
#   FORCE=1          rebuild the image even when the inputs hash matches
#   IMAGE_PROFILE    release (default): a static binary; dev: the workspace's debug
#                    binary and its shared libraries (what .ci/run uses)
#   DOCKER_HOST      honoured by the docker CLI as usual
#
# No registry is used: nothing is pulled, nothing is pushed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

IMAGE="${IMAGE:-rc-harness/reference-server}"
TRIPLE="x86_64-unknown-linux-gnu"
TARGET_DIR="$ROOT/target/static"
# The cargo profile of the binary: `release` (default) builds a static binary, the
# image to ship. `dev`, what CI sets to test the container mode, takes the workspace's
# own debug binary (no second compile of the dependency tree) and copies the shared
# libraries it links to into the image beside it.
PROFILE="${IMAGE_PROFILE:-release}"
if [[ "$PROFILE" == dev ]]; then
    BINARY="$ROOT/target/debug/reference-server"
else
    BINARY="$TARGET_DIR/$TRIPLE/$PROFILE/reference-server"
fi
DOCKERFILE="$ROOT/ci/Dockerfile"
STATIC_SRC="$ROOT/fixtures/site/static"
CONTEXT="$ROOT/target/image-context"
HASH_LABEL="org.rc-harness.inputs"

log() { printf 'build-image: %s\n' "$*" >&2; }

if ! docker info >/dev/null 2>&1; then
    log "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}); cannot build the image"
    exit 3
fi

# One build at a time: test runners that give each test its own process (nextest)
# may call this script from several tests at once, and they share the staging dir.
mkdir -p "$ROOT/target"
exec 9>"$ROOT/target/.build-image.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi

if [[ "${SKIP_CARGO:-0}" != 1 && "$PROFILE" == dev ]]; then
    log "cargo build -p reference-server (dev, dynamically linked)"
    cargo build --quiet -p reference-server
elif [[ "${SKIP_CARGO:-0}" != 1 ]]; then
    log "cargo build --profile $PROFILE -p reference-server --target $TRIPLE (static)"
    # RUSTFLAGS applies only to the target crate with an explicit --target, not to build
    # scripts or proc macros. CARGO_ENCODED_RUSTFLAGS would override it: drop it.
    env -u CARGO_ENCODED_RUSTFLAGS \
        RUSTFLAGS="-C target-feature=+crt-static" \
        nice -n 10 cargo build --quiet --profile "$PROFILE" -p reference-server \
        --target "$TRIPLE" --target-dir "$TARGET_DIR"
fi
[[ -x "$BINARY" ]] || { log "missing binary $BINARY"; exit 1; }

# A dynamically linked binary would start nowhere in a scratch image without its
# libraries: refuse it, unless they are copied in (the dev profile).
if [[ "$PROFILE" != dev ]] && command -v file >/dev/null 2>&1; then
    if ! file -L "$BINARY" | grep -Eq 'statically linked|static-pie linked'; then
        log "$BINARY is not statically linked: $(file -L "$BINARY")"
        exit 1
    fi
fi

# Inputs hash: every input file's path and content, in a stable order.
inputs_hash() {
    {
        (cd "$(dirname "$BINARY")" && sha256sum reference-server)
        (cd "$ROOT" && sha256sum ci/Dockerfile)
        (cd "$STATIC_SRC" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
        # Empty directories and file modes matter to COPY too.
        (cd "$STATIC_SRC" && find . -printf '%y %m %p\n' | LC_ALL=C sort)
    } | sha256sum | cut -c1-64
}
HASH="$(inputs_hash)"
SHORT="${HASH:0:12}"

print_size() {
    local bytes
    bytes="$(docker image inspect -f '{{.Size}}' "$IMAGE:dev")"
    log "image $IMAGE:dev ($IMAGE:$SHORT) size: $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }'))"
}

current="$(docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$IMAGE:dev" 2>/dev/null || true)"
if [[ "$current" == "$HASH" && "${FORCE:-0}" != 1 ]]; then
    # Make sure the content tag exists too (it may have been removed by hand).
    docker image tag "$IMAGE:dev" "$IMAGE:$SHORT"
    log "up to date: inputs $SHORT unchanged, not rebuilding"
    print_size
    exit 0
fi

log "staging build context in ${CONTEXT#"$ROOT"/}"
rm -rf "$CONTEXT"
mkdir -p "$CONTEXT/data" "$CONTEXT/root"
cp "$BINARY" "$CONTEXT/root/reference-server"
# Symbols are of no use in the image (~2 MiB); the hash is of the unstripped binary.
if command -v strip >/dev/null 2>&1; then
    strip --strip-all "$CONTEXT/root/reference-server"
fi
cp -R "$STATIC_SRC" "$CONTEXT/static"
# The shared libraries (and the loader) a dynamically linked binary needs, at their
# own paths beside it, so the image takes both in one COPY. (A COPY of an empty
# directory, as the static binary's libraries were, made the classic builder fail the
# next layer with "layer does not exist" on a fresh engine.)
if [[ "$PROFILE" == dev ]]; then
    ldd "$BINARY" | grep -oE '/[^ ]+' | while read -r lib; do
        cp --parents -L "$lib" "$CONTEXT/root"
    done
fi

log "docker build -t $IMAGE:dev -t $IMAGE:$SHORT"
# The classic builder is enough for FROM scratch; BuildKit may not be installed.
# Its output (and the legacy builder's deprecation notice) is shown only on failure.
if ! build_log="$(DOCKER_BUILDKIT="${DOCKER_BUILDKIT:-0}" docker build \
    --file "$DOCKERFILE" \
    --label "$HASH_LABEL=$HASH" \
    --tag "$IMAGE:dev" \
    --tag "$IMAGE:$SHORT" \
    "$CONTEXT" 2>&1)"; then
    printf '%s\n' "$build_log" >&2
    log "docker build failed"
    exit 1
fi
rm -rf "$CONTEXT"
# Older content tags of this repository would pile up: keep only the current one.
docker image ls --format '{{.Repository}}:{{.Tag}}' "$IMAGE" |
    grep -Ev ":(dev|$SHORT)\$" | grep -E ':[0-9a-f]{12}$' |
    xargs -r docker image rm >/dev/null 2>&1 || true
log "built $IMAGE:dev (inputs $SHORT)"
print_size
