// Lease mode on two Envoy replicas: how many calls to the Rate Limit Service (RLS) a request costs and
// how many requests are admitted at a limit, for leases of k tokens (k = 1: no lease, a call per
// request) and for Envoy's native ratelimit filter (a call per request). Real Redis + RLS + two Envoys
// (--concurrency 2 each), the same processes the tests use.
//
// Each k gets its own descriptor (generic_key=k<k>-<pattern>, its own counter in RLS) and is sent
// 3 x limit requests within one RLS window (a minute), two ways:
//   * one after another, alternating between the replicas (what test/envoy/global-rate-limit.test.ts does);
//   * from --connections concurrent clients, half to each replica.
// Calls are the replicas' wasmcustom.global_rate_limit.calls (native: its ok + over_limit + error
// counters); "RLS hits" is the counter RLS keeps in Redis for the descriptor's window: the tokens taken,
// unused ones included.
//
//   node --import tsx scripts/bench/lease.ts [--limit 100] [--tokens 1,5,10,50] [--connections 8] [--json out.json]

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEnvoy, type Envoy } from "../../test/envoy/envoy.ts";
import { awayFromWindowEdge } from "../../test/envoy/rls.ts";
import { CLUSTERS, startRlsStack } from "./global-rate-limit.ts";
import { numberOption, option, wasmDir } from "./options.ts";
import { envoyConfig, wasmFilter, type PluginBench } from "./variants.ts";

const LIMIT = numberOption("limit", 100);
const TOKENS = option("tokens", "1,5,10,50").split(",").map(Number);
const CONNECTIONS = numberOption("connections", 8);
const JSON_OUT = option("json", "");
const PATTERNS = ["sequential", "concurrent"] as const;
type Pattern = (typeof PATTERNS)[number];

export interface LeaseResult {
  variant: string;
  /** tokens per call (1: a call per request) */
  tokens: number;
  pattern: Pattern;
  limit: number;
  requests: number;
  admitted: number;
  calls: number;
  rlsHits: number;
}

const RLS_CONFIG = `
  domain: lease
  descriptors:
    - key: generic_key
      rate_limit: { unit: minute, requests_per_unit: ${LIMIT} }
`;

/** Path of the plugin rule for `tokens` and `pattern` (each its own descriptor). */
const pathOf = (tokens: number, pattern: Pattern) => `/k${tokens}-${pattern}`;

function bench(): PluginBench {
  const rules = TOKENS.flatMap((k) => PATTERNS.map((p) => ({
    name: `k${k}-${p}`, match: { path_prefix: pathOf(k, p) }, descriptor: [{ key: "generic_key", value: `k${k}-${p}` }],
    ...(k > 1 ? { lease: { tokens: k, replicas: 2 } } : {}),
  })));
  const config = { cluster: "rls", domain: "lease", timeout_ms: 1000, rules };
  const native = `
          - name: envoy.filters.http.ratelimit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit
              domain: lease
              timeout: 1s
              failure_mode_deny: false
              rate_limit_service:
                transport_api_version: V3
                grpc_service: { envoy_grpc: { cluster_name: rls } }`;
  return {
    plugin: "global-rate-limit",
    echo: [],
    route: "route: { cluster: upstream }",
    clusters: CLUSTERS,
    variants: [
      { id: "plugin", label: "plugin", filters: wasmFilter("global-rate-limit", config), headers: [] },
      { id: "native", label: "native", filters: native, headers: [], rateLimits: `
              - actions: [{ request_headers: { header_name: x-descriptor, descriptor_key: generic_key } }]` },
    ],
  };
}

/** Sends `n` requests from `clients` concurrent clients (one client: alternating between the replicas; more: each keeps to one); returns the 200s. */
async function send(ports: number[], path: string, headers: Record<string, string>, n: number, clients: number): Promise<number> {
  const agents = ports.map(() => new Agent({ keepAlive: true, maxSockets: clients }));
  let next = 0;
  let admitted = 0;
  const client = async (c: number) => {
    while (next < n) {
      const i = next++;
      // sequential: alternate per request; concurrent: each client keeps to one replica
      const r = clients === 1 ? i % ports.length : c % ports.length;
      const status = await new Promise<number>((ok, fail) => {
        const req = httpRequest({ host: "127.0.0.1", port: ports[r], path, headers, agent: agents[r] }, (res) => {
          res.resume();
          res.on("end", () => ok(res.statusCode ?? 0));
        });
        req.on("error", fail);
        req.end();
      });
      if (status === 200) admitted++;
      else if (status !== 429) throw new Error(`${path}: status ${status}`);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  agents.forEach((a) => a.destroy());
  return admitted;
}

export async function measureLease(): Promise<LeaseResult[]> {
  const work = mkdtempSync(join(tmpdir(), "bench-lease-"));
  writeFileSync(join(work, "global-rate-limit.wasm"), readFileSync(join(wasmDir, "global-rate-limit.wasm")));
  writeFileSync(join(work, "envoy.yaml"), envoyConfig([bench()], work));
  const stack = await startRlsStack(RLS_CONFIG);
  const envoys: Envoy[] = [];
  const results: LeaseResult[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      envoys.push(await startEnvoy({
        configPath: join(work, "envoy.yaml"), concurrency: 2, logLevel: "warning", componentLogLevel: "wasm:warning",
        replacements: [["{ address: 0.0.0.0, port_value: 9901 }", "{ address: 127.0.0.1, port_value: 0 }"], ...stack.replacements],
      }));
    }
    const sum = async (stats: string[]) => (await Promise.all(envoys.flatMap((e) => stats.map((s) => e.stat(s))))).reduce((a, b) => a + b, 0);
    const rlsHits = async (value: string) => {
      const keys = await stack.redis.keys(`lease_generic_key_${value}_*`);
      if (keys.length !== 1) throw new Error(`${value}: ${keys.length} RLS counters (${keys.join(", ")}): the requests straddled a window`);
      return Number(await stack.redis.command("GET", keys[0]!));
    };
    const requests = 3 * LIMIT;
    const runs = [...TOKENS.map((k) => ({ variant: "plugin", tokens: k })), { variant: "native", tokens: 1 }];
    for (const pattern of PATTERNS) {
      for (const { variant, tokens } of runs) {
        const plugin = variant === "plugin";
        const value = plugin ? `k${tokens}-${pattern}` : `native-${pattern}`;
        const calls = plugin ? ["wasmcustom.global_rate_limit.calls"]
          : ["ok", "over_limit", "error"].map((s) => `cluster.upstream.ratelimit.${s}`);
        await awayFromWindowEdge(60, 15_000);
        const before = await sum(calls);
        const ports = envoys.map((e) => e.listeners.get(variant)!);
        const admitted = await send(ports, plugin ? pathOf(tokens, pattern) : "/", plugin ? {} : { "x-descriptor": value }, requests, pattern === "sequential" ? 1 : CONNECTIONS);
        const r: LeaseResult = { variant, tokens, pattern, limit: LIMIT, requests, admitted, calls: (await sum(calls)) - before, rlsHits: await rlsHits(value) };
        results.push(r);
        process.stderr.write(`  ${pattern} ${variant} k=${tokens}: ${admitted} admitted, ${r.calls} calls, RLS hits ${r.rlsHits}\n`);
      }
    }
  } finally {
    await Promise.all(envoys.map((e) => e.stop()));
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

/** The table rows (one run): variant, tokens, requests, admitted, calls, calls per request, calls per admitted, RLS hits. */
export function leaseRows(results: LeaseResult[]): string[][] {
  return results.map((r) => [
    r.pattern, r.variant === "native" ? "native ratelimit" : r.tokens === 1 ? "plugin, no lease" : `plugin, lease of ${r.tokens}`,
    String(r.requests), String(r.admitted), String(r.calls), (r.calls / r.requests).toFixed(3), r.admitted ? (r.calls / r.admitted).toFixed(2) : "", String(r.rlsHits),
  ]);
}
export const LEASE_HEADER = ["requests", "variant", "sent", "admitted", "calls", "calls / request", "calls / admitted", "RLS hits"];

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await measureLease();
  console.log(`\nLease mode on two Envoy replicas, limit ${LIMIT} a minute (RLS), ${3 * LIMIT} requests per row\n`);
  const rows = [LEASE_HEADER, ...leaseRows(results)];
  const widths = LEASE_HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}
