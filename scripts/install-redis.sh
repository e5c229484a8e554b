#!/usr/bin/env bash
# Finds (or installs) the redis-server the global-rate-limit tests start for the Rate Limit Service, and
# prints its absolute path as the last (and only) line of stdout. Messages go to stderr.
#
# Order:
#   1. $REDIS_SERVER_BIN, if set     (must be executable, else exit 1)
#   2. `redis-server` on PATH (or /usr/bin/redis-server)
#   3. running as root with apt-get: `apt-get install redis-server` (Debian/Ubuntu), then 2.
#   Otherwise it fails and says what to install.
#
# Version: not pinned. RLS only needs INCRBY + EXPIRE in a pipeline (any Redis >= 2.6), and the tests
# start their own server (`--port N --save '' --appendonly no`), so any maintained Redis will do; the
# script insists on >= 6 (what RLS's own CI and compose files use, redis:alpine). Checked with Debian 12's
# 7.0.15, which is why envoy-examples/global-rate-limit/docker-compose.yaml runs redis:7.0.15-alpine.
# (On a machine whose init system starts services, installing the Debian package also starts a system
# Redis on 6379; the tests do not use it.)
#
# Usage: REDIS="$(scripts/install-redis.sh)" && "$REDIS" --port 6390 --save '' --appendonly no
set -euo pipefail

MIN_MAJOR=6
ADVICE="Install Redis >= $MIN_MAJOR: Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis; \
or set REDIS_SERVER_BIN to a redis-server binary."

log() { printf 'install-redis: %s\n' "$*" >&2; }
die() {
  printf 'install-redis: ERROR: %s\n' "$1" >&2
  printf '  %s\n' "$ADVICE" >&2
  exit 1
}

# check BIN: prints the absolute path if BIN is a redis-server >= MIN_MAJOR
check() {
  local bin="$1" version
  version="$("$bin" --version 2>/dev/null | sed -n 's/.* v=\([0-9][0-9.]*\).*/\1/p' | head -n 1)"
  [ -n "$version" ] || die "$bin --version did not report a Redis version (not a redis-server?)"
  [ "${version%%.*}" -ge "$MIN_MAJOR" ] || die "$bin is Redis $version; the tests need >= $MIN_MAJOR"
  printf '%s/%s\n' "$(cd "$(dirname "$bin")" && pwd -P)" "$(basename "$bin")"
}

if [ -n "${REDIS_SERVER_BIN:-}" ]; then
  [ -x "$REDIS_SERVER_BIN" ] || die "REDIS_SERVER_BIN=$REDIS_SERVER_BIN: not an executable file"
  check "$REDIS_SERVER_BIN"
  exit 0
fi

find_redis() { command -v redis-server 2>/dev/null || { [ -x /usr/bin/redis-server ] && echo /usr/bin/redis-server; } || true; }

bin="$(find_redis)"
if [ -z "$bin" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # Parallel test processes: one apt-get at a time (apt has its own lock, but fails instead of waiting).
    ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    mkdir -p "$ROOT/.cache"
    if command -v flock >/dev/null 2>&1; then
      exec 9>"$ROOT/.cache/install-redis.lock"
      flock -w 300 9 || die "timed out waiting for $ROOT/.cache/install-redis.lock"
    fi
    bin="$(find_redis)"
    if [ -z "$bin" ]; then
      log "redis-server not found; installing Debian's redis-server package with apt-get ..."
      export DEBIAN_FRONTEND=noninteractive
      if ! apt-get install -y -q --no-install-recommends redis-server >&2; then
        log "apt-get install failed; running apt-get update and trying again ..."
        apt-get update -q >&2 || true
        apt-get install -y -q --no-install-recommends redis-server >&2 || die "apt-get install redis-server failed (see above)"
      fi
      bin="$(find_redis)"
      [ -n "$bin" ] || die "apt-get installed redis-server but there is still no redis-server on PATH or in /usr/bin"
    fi
  else
    die "redis-server not found (not on PATH, no /usr/bin/redis-server)$([ "$(id -u)" = 0 ] || echo ", and not root, so not installing it")"
  fi
fi
check "$bin"
