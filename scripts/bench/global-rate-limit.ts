// global-rate-limit's benchmark variants: the plugin and Envoy's native ratelimit filter
// (envoy.filters.http.ratelimit) asking the same Rate Limit Service (envoyproxy/ratelimit, "RLS",
// counting in Redis) about the same descriptor, api_key=<x-api-key>, on every request; and the plugin
// in lease mode, where most requests spend a token leased earlier instead of calling.
//
// Redis and RLS run as their own processes next to Envoy (test/envoy/rls.ts), never under valgrind:
// instructions.ts counts Envoy alone, cpu.ts reports their CPU time apart from Envoy's. Envoy's side
// of each call (its async gRPC client, the HTTP/2 codec to RLS, the answer) is in Envoy's count, for
// the plugin and for native alike.
//
// Every limit is far above what a run sends (10^9 a minute), so every measured request is answered OK
// (each variant's counters must show it), except api_key=over, limited to 0: the request each
// filter must refuse with 429 before it is measured. Native's ratelimit filter needs a route to a
// cluster (it does nothing on a direct_response route), so these variants, "no filter" included,
// route to a tiny upstream in this process that answers "ok".

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startRedis, startRls, type Redis } from "../../test/envoy/rls.ts";
import { Code, Unit, encodeResponse } from "../../test/scenarios/rls-messages.ts";
import type { PluginBench, Services, Variant } from "./variants.ts";

const LIMIT = 1_000_000_000;
export const RLS_CONFIG = `
  domain: bench
  descriptors:
    - key: api_key
      rate_limit: { unit: minute, requests_per_unit: ${LIMIT} }
    - key: api_key
      value: over
      rate_limit: { unit: minute, requests_per_unit: 0 }
    - key: generic_key
      rate_limit: { unit: minute, requests_per_unit: ${LIMIT} }
`;

/** Tokens a lease takes per call in the lease variant. */
export const LEASE_TOKENS = 10;

/** Redis, RLS with `rlsConfig` and the upstream, started before Envoy; the config's GRL_* placeholders point at them. */
export async function startRlsStack(rlsConfig = RLS_CONFIG): Promise<Services & { redis: Redis }> {
  const redis = await startRedis();
  const rls = await startRls({ redisPort: redis.port, config: rlsConfig, logLevel: "warn" }).catch(async (e) => {
    await redis.stop();
    throw e;
  });
  const upstream = createServer((req, res) => {
    req.resume();
    res.end("ok");
  });
  await new Promise<void>((ok) => upstream.listen(0, "127.0.0.1", ok));
  return {
    redis,
    replacements: [["GRL_RLS_PORT", String(rls.grpcPort)], ["GRL_UPSTREAM_PORT", String((upstream.address() as AddressInfo).port)]],
    pids: () => [redis.proc.pid!, rls.proc.pid!],
    stop: async () => {
      upstream.closeAllConnections();
      await new Promise((ok) => upstream.close(ok));
      await rls.stop();
      await redis.stop();
    },
  };
}

/** The upstream and RLS clusters (HTTP/2: gRPC needs it). */
export const CLUSTERS = `
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: upstream
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: GRL_UPSTREAM_PORT } } } }] }]
  - name: rls
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: rls
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: GRL_RLS_PORT } } } }] }]`;

/** Native: the same descriptor from the route's rate_limits, the same deadline and failure mode as the plugin. */
const NATIVE = `
          - name: envoy.filters.http.ratelimit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit
              domain: bench
              timeout: 1s
              failure_mode_deny: false
              rate_limit_service:
                transport_api_version: V3
                grpc_service: { envoy_grpc: { cluster_name: rls } }`;
const NATIVE_ACTIONS = `
              - actions: [{ request_headers: { header_name: x-api-key, descriptor_key: api_key } }]`;

/** What the emulator answers every call (host-call floor, memory): OK, as RLS answers a limited descriptor. */
const EMULATED_ANSWER = encodeResponse({ code: Code.OK, statuses: [{ code: Code.OK, limit: { requestsPerUnit: LIMIT, unit: Unit.MINUTE }, remaining: LIMIT - 1, resetSeconds: 30 }] });

const base = { cluster: "rls", domain: "bench", timeout_ms: 1000 };
export const PER_KEY_CONFIG = { ...base, rules: [{ name: "per-api-key", descriptor: [{ key: "api_key", header: "x-api-key" }] }] };
const LEASE_CONFIG = { ...base, rules: [{ name: "leased", descriptor: [{ key: "generic_key", value: "leased" }], lease: { tokens: LEASE_TOKENS, replicas: 1 } }] };

export function globalRateLimitBench(plugin: (id: string, label: string, name: string, config: object, headers: [string, string][]) => Variant): PluginBench {
  const headers: [string, string][] = [["x-api-key", "k1"]];
  const reject = { headers: [["x-api-key", "over"]] as [string, string][], status: 429 };
  const stat = (name: string) => `wasmcustom.global_rate_limit.${name}`;
  const emulated = { clusters: ["rls"], answer: EMULATED_ANSWER };
  return {
    plugin: "global-rate-limit",
    echo: [],
    route: "route: { cluster: upstream }",
    clusters: CLUSTERS,
    services: () => startRlsStack(),
    ownChartScale: true,
    variants: [
      { id: "grl-none", label: "no filter (route to an upstream)", filters: "", headers },
      { ...plugin("grl-wasm", "global-rate-limit, a call per request", "global-rate-limit", PER_KEY_CONFIG, headers),
        emulated, reject, stats: { [stat("calls")]: 1, [stat("ok")]: 1, [stat("error")]: 0 }, native: "grl-native" },
      { id: "grl-native", label: "native ratelimit, a call per request", filters: NATIVE, rateLimits: NATIVE_ACTIONS, headers, reject,
        stats: { "cluster.upstream.ratelimit.ok": 1, "cluster.upstream.ratelimit.error": 0 } },
      { ...plugin("grl-wasm-lease", `global-rate-limit, lease of ${LEASE_TOKENS} tokens`, "global-rate-limit", LEASE_CONFIG, headers),
        emulated, noFloor: true, stats: { [stat("error")]: 0, [stat("over_limit")]: 0 }, counted: { [stat("calls")]: "calls" } },
    ],
  };
}
