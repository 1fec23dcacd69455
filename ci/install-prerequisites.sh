#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo, from Debian's (or Ubuntu's)
# packages: nginx-light (the third-party reference server of the foreign-server suite
# and the side-by-side HTTP reference), python3 (its `http.server` is the fairness
# test's server without Range or ETags) and chromium (the headless browser of the
# `browser` step and tests/browser.rs). Installs only what is missing; a no-op when
# all three are there. Uses sudo when not root.
set -euo pipefail

packages=()
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    packages+=(nginx-light)
fi
if ! command -v python3 >/dev/null 2>&1; then
    packages+=(python3-minimal)
fi
# HARNESS_CHROMIUM names a Chromium-based browser already there (GitHub's Ubuntu
# runners ship Google Chrome; Ubuntu's `chromium` package is only a snap wrapper).
if [ -n "${HARNESS_CHROMIUM:-}" ] && [ -x "$HARNESS_CHROMIUM" ]; then
    :
elif ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    packages+=(chromium)
fi
if [ ${#packages[@]} -eq 0 ]; then
    echo "install-prerequisites: nginx, python3 and chromium already installed"
    exit 0
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
    sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
echo "install-prerequisites: installed ${packages[*]}"
