#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo, from Debian's (or Ubuntu's)
# packages: nginx-light, the third-party reference server of the foreign-server suite.
# A no-op when it is already installed. Uses sudo when not root.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    echo "install-prerequisites: nginx already installed"
    exit 0
fi
sudo=()
if [ "$(id -u)" != 0 ]; then
    sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq nginx-light >/dev/null
echo "install-prerequisites: installed nginx-light"
