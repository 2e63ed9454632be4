# Sourced by scripts/cubebridge.sh and .ci/run: makes a fresh Debian 12 machine able to run and test CubeBridge.
# Installs only what is missing: Debian packages for the real-peer tests, Node >= 22 (node@24 from the npm
# registry when the system Node is older), pnpm at the version package.json pins, and the locked dependencies.

# Debian packages the test suite drives as real peers (and Redis for the job queues).
cubebridge_debian_packages=(redis-server kamailio kamailio-websocket-modules baresip-core sip-tester sox chromium janus iproute2 util-linux ffmpeg)

ensure_debian_packages() {
  local missing=() package
  for package in "${cubebridge_debian_packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages (install them as root): ${missing[*]}" >&2
    return 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
  # Debian starts these on install; the tests start their own copies on free ports.
  local service
  for service in kamailio janus; do
    systemctl stop "$service" 2>/dev/null || service "$service" stop >/dev/null 2>&1 || true
  done
}

ensure_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 22 ]; then
    local prefix="${CUBEBRIDGE_TOOLCHAIN_DIR:-$HOME/.cache/cubebridge}/node"
    if [ ! -x "$prefix/node_modules/.bin/node" ]; then
      echo "node $(node --version 2>/dev/null || echo 'not found') is older than 22: installing node@24 from the npm registry into $prefix"
      npm install --silent --no-audit --no-fund --prefix "$prefix" node@24 >/dev/null || return 1
    fi
    export PATH="$prefix/node_modules/.bin:$PATH"
  fi
}

ensure_pnpm() {
  local wanted prefix
  wanted=$(node -p 'require("./package.json").packageManager.split("@")[1]')
  [ "$(pnpm --version 2>/dev/null)" = "$wanted" ] && return 0
  prefix="${CUBEBRIDGE_TOOLCHAIN_DIR:-$HOME/.cache/cubebridge}/pnpm-$wanted"
  [ -x "$prefix/bin/pnpm" ] || npm install --silent --no-audit --no-fund --global --prefix "$prefix" "pnpm@$wanted" >/dev/null || return 1
  export PATH="$prefix/bin:$PATH"
}

ensure_dependencies() {
  pnpm install --frozen-lockfile --reporter=append-only >/dev/null || pnpm install --frozen-lockfile
}
