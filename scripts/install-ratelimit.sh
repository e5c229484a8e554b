#!/usr/bin/env bash
# Finds (or builds) the envoyproxy/ratelimit service ("RLS") the global-rate-limit tests run against, and
# prints its absolute path as the last (and only) line of stdout. Messages go to stderr.
#
# Order:
#   1. $RATELIMIT_BIN, if set        (must be an executable file, else exit 1)
#   2. the pinned version, built once with `go install` into <repo>/.cache/ratelimit-$RLS_VERSION/bin/ratelimit
#      (a stamp file marks a finished build, so a second run is instant and does not need Go)
#
# Needs Go >= 1.21 for the build (the module asks for go 1.25.6; an older go >= 1.21 fetches that toolchain
# itself through the module proxy unless GOTOOLCHAIN=local). Go is looked up as $GO, `go` on PATH, then
# /usr/local/go/bin/go. The build needs the Go module proxy (or a warm module cache); ~65 s cold on 2 cores.
#
# Usage: RLS="$(scripts/install-ratelimit.sh)" && RUNTIME_ROOT=... "$RLS"
set -euo pipefail

# Pinned RLS version. envoyproxy/ratelimit publishes no release tags for its current code (v1.4.0 is from
# 2019): its Docker images are tagged by commit. This pseudo-version is commit 3fb702589d36 (master,
# 2026-01-22), the commit of the Docker image tag envoyproxy/ratelimit:3fb70258 that
# envoy-examples/global-rate-limit/docker-compose.yaml runs, so tests and the example run the same service.
# docs/ratelimit-service.md records what this version does (overrides, hits_addend, Redis down, ...):
# re-check it there before bumping.
RLS_MODULE="github.com/envoyproxy/ratelimit"
RLS_VERSION="v1.4.1-0.20260122083618-3fb702589d36"
RLS_PACKAGE="$RLS_MODULE/src/service_cmd"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="$ROOT/.cache"
INSTALL_DIR="$CACHE_DIR/ratelimit-$RLS_VERSION"
BIN="$INSTALL_DIR/bin/ratelimit"
STAMP="$INSTALL_DIR/installed"
ADVICE="Install Go (https://go.dev/dl/, >= 1.21) and make sure the Go module proxy is reachable, or set \
RATELIMIT_BIN to a ratelimit binary (e.g. /bin/ratelimit copied out of the envoyproxy/ratelimit image)."

log() { printf 'install-ratelimit: %s\n' "$*" >&2; }
die() {
  printf 'install-ratelimit: ERROR: %s\n' "$1" >&2
  shift
  local line
  for line in "$@"; do printf '%s\n' "$line" | sed 's/^/  /' >&2; done
  printf '  %s\n' "$ADVICE" >&2
  exit 1
}

if [ -n "${RATELIMIT_BIN:-}" ]; then
  [ -f "$RATELIMIT_BIN" ] || die "RATELIMIT_BIN=$RATELIMIT_BIN: file not found"
  [ -x "$RATELIMIT_BIN" ] || die "RATELIMIT_BIN=$RATELIMIT_BIN: not executable"
  printf '%s/%s\n' "$(cd "$(dirname "$RATELIMIT_BIN")" && pwd -P)" "$(basename "$RATELIMIT_BIN")"
  exit 0
fi

stamp_text() { printf '%s@%s\n' "$RLS_PACKAGE" "$RLS_VERSION"; }
if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_text)" ]; then
  printf '%s\n' "$BIN"
  exit 0
fi

# Test files run in parallel processes: one build at a time; the others wait for it.
mkdir -p "$CACHE_DIR"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_DIR/install-ratelimit.lock"
  flock -w 600 9 || die "timed out waiting for $CACHE_DIR/install-ratelimit.lock (another install-ratelimit.sh running?)"
  if [ -x "$BIN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_text)" ]; then
    printf '%s\n' "$BIN"
    exit 0
  fi
fi

GO_CMD="${GO:-}"
if [ -z "$GO_CMD" ]; then
  if command -v go >/dev/null 2>&1; then GO_CMD="$(command -v go)"
  elif [ -x /usr/local/go/bin/go ]; then GO_CMD=/usr/local/go/bin/go
  else die "Go not found (no \$GO, no go on PATH, no /usr/local/go/bin/go): cannot build $RLS_PACKAGE@$RLS_VERSION"
  fi
fi
go_version="$("$GO_CMD" env GOVERSION 2>/dev/null || true)"
[ -n "$go_version" ] || die "$GO_CMD does not work ('$GO_CMD env GOVERSION' failed)"

log "building $RLS_PACKAGE@$RLS_VERSION with $GO_CMD ($go_version) into $INSTALL_DIR (about a minute on a cold cache) ..."
rm -rf "$INSTALL_DIR.partial"
mkdir -p "$INSTALL_DIR.partial/bin"
# CGO_ENABLED=0 as in the project's Dockerfile: a static binary, no C compiler needed.
if ! build_log="$(CGO_ENABLED=0 GOBIN="$INSTALL_DIR.partial/bin" GOFLAGS="${GOFLAGS:-} -trimpath" \
    "$GO_CMD" install -ldflags="-s -w" "$RLS_PACKAGE@$RLS_VERSION" 2>&1)"; then
  rm -rf "$INSTALL_DIR.partial"
  die "go install $RLS_PACKAGE@$RLS_VERSION failed (Go $go_version):" "$(printf '%s\n' "$build_log" | tail -n 25)"
fi
[ -x "$INSTALL_DIR.partial/bin/service_cmd" ] || die "go install succeeded but wrote no $INSTALL_DIR.partial/bin/service_cmd" "$build_log"
mv "$INSTALL_DIR.partial/bin/service_cmd" "$INSTALL_DIR.partial/bin/ratelimit"
stamp_text >"$INSTALL_DIR.partial/installed"
rm -rf "$INSTALL_DIR"
mv "$INSTALL_DIR.partial" "$INSTALL_DIR"
log "installed $BIN"
printf '%s\n' "$BIN"
