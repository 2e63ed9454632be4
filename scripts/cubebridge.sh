#!/usr/bin/env bash
# Run any package script on a fresh machine: installs the toolchain and dependencies first when missing.
#   scripts/cubebridge.sh start   the gateway with the local ConnectyCube sandbox and the web softphone
#   scripts/cubebridge.sh test    the whole test suite against real peers (installs them as Debian packages)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
source scripts/toolchain.sh
[ "${1:-}" = test ] && ensure_debian_packages
ensure_node
ensure_pnpm
ensure_dependencies
exec pnpm "$@"
