// What the benchmarks measure: per plugin, a set of variants (no filter, the plugin in a common
// configuration, and the closest Lua or native Envoy filter doing the same job), each on its own
// listener of one Envoy whose routes answer directly (direct_response), so upstream work does not
// drown the filter's cost. Every route echoes what the filters did as response headers
// (`x-seen-<header>: %REQ(<header>)%`), so each variant proves it did its job before it is measured.

import { globalRateLimitBench } from "./global-rate-limit.ts";
import { jwtBench } from "./jwt.ts";
import { wantedPlugins, wantedVariant } from "./options.ts";

export interface Variant {
  /** unique, also the listener name */
  id: string;
  label: string;
  /** YAML http_filters entries placed before the router (indented for the generated config) */
  filters: string;
  headers: [string, string][];
  path?: string;
  /** request header the filters must have set, checked through the route's x-seen-<name> echo */
  proof?: [string, string];
  /** status every request must get (default 200) */
  status?: number;
  /** the plugin and configuration of a Wasm variant (its host-call floor is generated from them) */
  wasm?: { plugin: string; config: object };
  /** a header whose value changes on every request (e.g. a new token each time; see requestHeaders) */
  rotate?: Rotation;
  /** fraction of the usual requests and warm-up instructions.ts and cpu.ts send this variant (for requests costing far more than the rest) */
  scale?: number;
  /** fraction of the usual requests memory.ts sends this variant (the emulator runs ~1,000,000 per variant) */
  memoryScale?: number;
  /** a request that must be refused with `status` before this variant is measured */
  reject?: { headers: [string, string][]; status: number };
  /** counters the measured requests must move, by how much per request (checked by instructions.ts) */
  stats?: Record<string, number>;
  /** id of the "no filter" variant this one is paired with (default: its bench's first one; several when
   *  the request itself differs, e.g. tokens of different lengths) */
  baseline?: string;
  /** id of the variant doing the same job natively: the reports give the ratio of their costs above no filter */
  native?: string;
  /** the ratio to `native` the plugin aims at (reported, met or not) */
  goal?: number;
  /** YAML rate_limits of the route's virtual host (the descriptors of Envoy's native ratelimit filter) */
  rateLimits?: string;
  /** what the emulator answers the variant's gRPC calls (floor.ts and memory.ts run the plugin there) */
  emulated?: { clusters: string[]; answer: Uint8Array };
  /** no host-call floor: the variant's requests do not all make the same host calls (e.g. lease mode) */
  noFloor?: boolean;
  /** counters whose movement per measured request instructions.ts reports (not checks), by short name */
  counted?: Record<string, string>;
}

/** Processes a bench needs beside Envoy (e.g. the Rate Limit Service), started before Envoy and stopped after it. */
export interface Services {
  /** text replacements in the generated Envoy config (e.g. the ports the processes listen on) */
  replacements: [string, string][];
  /** processes whose CPU time cpu.ts reports apart from Envoy's */
  pids(): number[];
  stop(): Promise<void>;
}

/** A header value that changes per request: `next()` gives the value for the next request sent. */
export interface Rotation {
  header: string;
  next(): string;
}

/** The headers of the next request of variant `v` (its fixed headers, and its rotating one's next value). */
export function requestHeaders(v: Variant): Record<string, string> {
  if (!v.rotate) return Object.fromEntries(v.headers);
  const rotated = v.rotate.header.toLowerCase();
  const headers: Record<string, string> = Object.fromEntries(v.headers.filter(([k]) => k.toLowerCase() !== rotated));
  headers[v.rotate.header] = v.rotate.next();
  return headers;
}

/** How many of `n` requests variant `v` is sent (`n` times its `scale`, at least `min`). */
export const scaled = (v: Variant, n: number, min = 10, scale = v.scale) => (scale ? Math.max(min, Math.round(n * scale)) : n);

export interface PluginBench {
  plugin: string;
  variants: Variant[];
  /** request headers echoed back by the route (for proofs) */
  echo: string[];
  /** the most dist/<plugin>.wasm should weigh (reported in docs/benchmarks.md, met or not) */
  sizeGoalKiB?: number;
  /** route action of every variant instead of direct_response (e.g. "route: { cluster: upstream }") */
  route?: string;
  /** YAML entries of static_resources.clusters the variants use */
  clusters?: string;
  services?: () => Promise<Services>;
  /** docs/benchmarks.svg draws this plugin's bars on their own scale (costs of another order than the others') */
  ownChartScale?: boolean;
}

/** A Wasm filter entry loading <module>.wasm from WASM_DIR (replaced by the runner). */
export function wasmFilter(module: string, config: object): string {
  const json = JSON.stringify(config).replace(/'/g, "''");
  return `
          - name: ${module}
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: ${module}
                root_id: ${module}
                failure_policy: FAIL_CLOSED
                configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: '${json}' }
                vm_config: { vm_id: ${module}, runtime: envoy.wasm.runtime.v8, code: { local: { filename: WASM_DIR/${module}.wasm } } }`;
}

/** A variant running a plugin from dist/ with `config`. */
export function plugin(id: string, label: string, name: string, config: object, headers: [string, string][], proof?: [string, string]): Variant {
  return { id, label, filters: wasmFilter(name, config), headers, proof, wasm: { plugin: name, config } };
}

/** A Lua filter entry running `source` (its lines indented like the generated config). */
function luaFilter(source: string): string {
  return `
          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              default_source_code:
                inline_string: |${source}`;
}

// Lua doing baggage-tag's default job: find x-mse-tag in baggage, set the header, re-select the route.
const LUA_BAGGAGE = luaFilter(`
                  function envoy_on_request(h)
                    local b = h:headers():get("baggage")
                    if b == nil or h:headers():get("x-mse-tag") ~= nil then return end
                    for k, v in string.gmatch(b, "([^,=;%s]+)%s*=%s*([^,;%s]*)") do
                      if k == "x-mse-tag" then
                        h:headers():replace("x-mse-tag", v)
                        h:clearRouteCache()
                        return
                      end
                    end
                  end`);

// Lua doing tenant-gray's common job: a tenant on the gray list gets the tag.
const LUA_TENANT = luaFilter(`
                  local gray = { acme = true, globex = true }
                  function envoy_on_request(h)
                    local t = h:headers():get("x-tenant-id")
                    if t ~= nil and gray[t] then
                      h:headers():replace("x-mse-tag", "gray")
                      h:clearRouteCache()
                    end
                  end`);

const nativeLimit = (descriptor: boolean) => `
          - name: envoy.filters.http.local_ratelimit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
              stat_prefix: bench
              token_bucket: { max_tokens: 1000000000, tokens_per_fill: 1000000000, fill_interval: 1s }
              filter_enabled: { default_value: { numerator: 100, denominator: HUNDRED } }
              filter_enforced: { default_value: { numerator: 100, denominator: HUNDRED } }${descriptor ? `
              descriptors:
              - entries: [{ key: api_key }]
                token_bucket: { max_tokens: 1000000000, tokens_per_fill: 1000000000, fill_interval: 1s }
              rate_limits:
              - actions: [{ request_headers: { header_name: x-api-key, descriptor_key: api_key } }]` : ""}`;

const BAGGAGE: [string, string] = ["baggage", "a=1,x-mse-tag=gray;p=1,tenant=t1"];
const HIGH = { requests: 1_000_000_000, per: "second" };

export const BENCHES: PluginBench[] = [
  {
    plugin: "baggage-tag",
    echo: ["x-mse-tag"],
    variants: [
      { id: "bt-none", label: "no filter", filters: "", headers: [BAGGAGE] },
      plugin("bt-wasm", "baggage-tag", "baggage-tag", { rules: [{ baggage_key: "x-mse-tag" }] }, [BAGGAGE], ["x-mse-tag", "gray"]),
      { id: "bt-lua", label: "Lua, same job", filters: LUA_BAGGAGE, headers: [BAGGAGE], proof: ["x-mse-tag", "gray"] },
    ],
  },
  {
    plugin: "tenant-gray",
    echo: ["x-mse-tag"],
    variants: [
      { id: "tg-none", label: "no filter", filters: "", headers: [["x-tenant-id", "acme"]] },
      plugin("tg-wasm", "tenant-gray, tenant on the gray list", "tenant-gray",
        { lanes: [{ tag: "gray", tenants: ["acme", "globex"] }], propagate_to_baggage: false }, [["x-tenant-id", "acme"]], ["x-mse-tag", "gray"]),
      plugin("tg-wasm-baggage", "tenant-gray, + tag into baggage", "tenant-gray",
        { lanes: [{ tag: "gray", tenants: ["acme", "globex"] }] }, [["x-tenant-id", "acme"]], ["x-mse-tag", "gray"]),
      { id: "tg-lua", label: "Lua, same job (no baggage)", filters: LUA_TENANT, headers: [["x-tenant-id", "acme"]], proof: ["x-mse-tag", "gray"] },
    ],
  },
  {
    plugin: "local-rate-limit",
    echo: [],
    variants: [
      { id: "lrl-none", label: "no filter", filters: "", headers: [["x-api-key", "k1"]] },
      plugin("lrl-wasm", "local-rate-limit, one bucket", "local-rate-limit", { rules: [{ name: "all", limit: HIGH }] }, [["x-api-key", "k1"]]),
      plugin("lrl-wasm-key", "local-rate-limit, bucket per key", "local-rate-limit",
        { rules: [{ name: "per-key", key: { header: "x-api-key" }, limit: HIGH }] }, [["x-api-key", "k1"]]),
      { id: "lrl-native", label: "native local_ratelimit, one bucket", filters: nativeLimit(false), headers: [["x-api-key", "k1"]] },
      { id: "lrl-native-key", label: "native, bucket per key", filters: nativeLimit(true), headers: [["x-api-key", "k1"]] },
    ],
  },
  jwtBench(plugin),
  globalRateLimitBench(plugin),
];

/** The benches named on the command line (all without names), with the variants --variants selects. */
export function selectedBenches(): PluginBench[] {
  const out = BENCHES.filter((b) => wantedPlugins.length === 0 || wantedPlugins.includes(b.plugin))
    .map((b) => ({ ...b, variants: b.variants.filter(wantedVariant) }));
  if (out.length === 0) throw new Error(`unknown plugin; known: ${BENCHES.map((b) => b.plugin).join(", ")}`);
  return out;
}

/** One Envoy config with a listener per variant (ports 0: the harness learns them from the admin API). */
export function envoyConfig(benches: PluginBench[], wasmDir: string): string {
  let listeners = "";
  for (const b of benches) {
    const action = b.route ?? "direct_response: { status: 200, body: { inline_string: ok } }";
    const echo = b.echo.map((h) => `\n                  - header: { key: x-seen-${h}, value: "%REQ(${h})%" }`).join("");
    for (const v of b.variants) {
      listeners += `
  - name: ${v.id}
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ${v.id.replace(/-/g, "_")}
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]${v.rateLimits ? `
              rate_limits:${v.rateLimits}` : ""}
              routes:
              - match: { prefix: / }
                ${action}${echo ? `
                response_headers_to_add:${echo}` : ""}
          http_filters:${v.filters.replace(/WASM_DIR/g, wasmDir)}
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`;
    }
  }
  const clusters = benches.map((b) => b.clusters ?? "").join("");
  return `# generated by scripts/bench/variants.ts
stats_flush_interval: 299s
admin:
  address:
    socket_address: { address: 0.0.0.0, port_value: 9901 }
static_resources:
  listeners:${listeners}${clusters ? `
  clusters:${clusters}` : ""}
`;
}

/** A result's cost above no filter over its native variant's (variants with `native` only). */
export function ratioToNative<T extends { id: string; aboveNone: number; native?: string }>(rows: T[], r: T): number | undefined {
  const n = r.native ? rows.find((x) => x.id === r.native) : undefined;
  return n && n.aboveNone > 0 ? r.aboveNone / n.aboveNone : undefined;
}

/** What a check request got back. */
export interface Answer { status: number; headers: Record<string, string | string[] | undefined> }

/** Checks a variant before it is measured: its proof header, and that a bad request is refused. */
export async function checkVariant(v: Variant, send: (headers: Record<string, string>) => Promise<Answer>): Promise<void> {
  if (v.proof) {
    const [name, value] = v.proof;
    const a = await send(requestHeaders(v));
    const seen = a.headers[`x-seen-${name}`];
    if (a.status !== (v.status ?? 200) || seen !== value) throw new Error(`${v.label} did not do its job: status ${a.status}, ${name}=${seen}`);
  }
  if (v.reject) {
    const a = await send(Object.fromEntries(v.reject.headers));
    const seen = v.proof ? a.headers[`x-seen-${v.proof[0]}`] : undefined;
    if (a.status !== v.reject.status || seen) throw new Error(`${v.label} did not refuse a bad request: status ${a.status} (want ${v.reject.status})`);
  }
}

/** The id of the "no filter" variant `v` is measured against (itself for a "no filter" variant). */
export function baselineOf(b: PluginBench, v: Variant): string {
  if (v.filters === "") return v.id;
  return v.baseline ?? b.variants.find((x) => x.filters === "")!.id;
}

/** Starts the services of those of `benches` that need any, as one. */
export async function startServices(benches: PluginBench[]): Promise<Services> {
  const started: Services[] = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
  try {
    for (const b of benches) if (b.services) started.push(await b.services());
  } catch (e) {
    await stop();
    throw e;
  }
  return { replacements: started.flatMap((s) => s.replacements), pids: () => started.flatMap((s) => s.pids()), stop };
}

/** A variant's label with its `counted` figures, e.g. "lease of 10 tokens (0.10 calls / request)". */
export function labelWithCounts(r: { label: string; counted?: Record<string, number> }): string {
  const counts = Object.entries(r.counted ?? {}).map(([name, n]) => `${n.toFixed(3)} ${name} / request`);
  return counts.length ? `${r.label.trim()} (${counts.join(", ")})` : r.label.trim();
}
