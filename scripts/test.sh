#!/usr/bin/env bash
# The test command (`pnpm test`). Runs the whole suite inside a private network namespace that has only `lo`,
# so headless Chromium (which binds every interface), Kamailio, baresip, sipp, Janus and our servers can talk
# to each other on loopback and to nothing else. Inside it we start our own Redis on 127.0.0.1:6379.
# Set CUBEBRIDGE_NETNS=0 to run in the current namespace instead (then Redis must already answer there).
set -euo pipefail
# Absolute, so that the re-exec below finds this script after the `cd` (packages run it as ../scripts/test.sh).
script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$script")/.."

if [ "${CUBEBRIDGE_IN_NETNS:-0}" != 1 ] && [ "${CUBEBRIDGE_NETNS:-1}" != 0 ] && command -v unshare >/dev/null \
  && unshare -n true 2>/dev/null; then
  exec env CUBEBRIDGE_IN_NETNS=1 unshare -n -- "$script" "$@"
fi

if [ "${CUBEBRIDGE_IN_NETNS:-0}" = 1 ]; then
  ip link set lo up
  redis_dir=$(mktemp -d)
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
  trap 'kill "$(cat "$redis_dir/redis.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$redis_dir"' EXIT
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# Not `exec`: the shell must outlive vitest so that its EXIT trap stops the Redis it started.
status=0
node_modules/.bin/vitest run "$@" || status=$?
exit "$status"
