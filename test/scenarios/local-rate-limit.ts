// Request scenarios for local-rate-limit, run both on the host emulator and on a real Envoy with
// the configuration of envoy-examples/local-rate-limit/envoy.yaml (listener "limits").
// Buckets are shared state: every scenario uses its own key values, and each bucket that every
// request shares (missing key, client IP) is used by one scenario only. All limits here are per
// minute or longer, so the few milliseconds between requests on Envoy never add a token and every
// header value is exact on both.

export const LIMITS_CONFIG = {
  rules: [
    {
      name: "per-key", match: { path_prefix: "/api" }, key: { header: "x-api-key" },
      limit: { requests: 5, per: "minute" },
      keys: [{ key: "vip-1", requests: 100, per: "minute" }, { key: "regexp:^gold-", requests: 20, per: "minute" }],
      limit_missing: { requests: 2, per: "minute" },
    },
    { name: "per-ip", match: { path_prefix: "/login", methods: ["POST"] }, key: { client_ip: true }, limit: { requests: 3, per: "minute" } },
    { name: "fast", match: { path_prefix: "/fast" }, limit: { requests: 10, per: "second" } },
    { name: "per-session", match: { path_prefix: "/cart" }, key: { cookie: "sid" }, limit: { requests: 4, per: "hour", burst: 1 } },
    { name: "per-tenant", match: { path_prefix: "/search" }, key: { param: "tenant" }, limit: { requests: 3, per: "day" }, max_keys: 100 },
  ],
  headers: { "x-local-rate-limit": "true" },
  rate_limit_headers: true,
  _rules_: [
    { _match_route_: ["orders"], rules: [{ name: "per-consumer", key: { consumer: true }, limit: { requests: 2, per: "minute" } }], rate_limit_headers: true },
  ],
};

/** Envoy route name for a path in the example (the emulator sets xds.route_name from it). */
export function routeOf(path: string): string {
  return path.startsWith("/orders") ? "orders" : "default";
}

export interface Step {
  method?: string;
  path: string;
  headers?: [string, string][];
  status: number;
  /** response headers (null = absent) */
  expect?: Record<string, string | null>;
  body?: string;
}

export interface Scenario {
  name: string;
  steps: Step[];
  /** counters that must grow by exactly this much over the scenario (name without wasmcustom.local_rate_limit.) */
  counters?: Record<string, number>;
}

const NO_LIMIT_HEADERS = { "x-ratelimit-limit": null, "x-ratelimit-remaining": null, "x-ratelimit-reset": null, "retry-after": null };

/** n allowed requests from a full bucket of `limit` tokens refilled every `perToken` seconds. */
function allowed(path: string, headers: [string, string][], limit: number, perToken: number, n: number, from = limit): Step[] {
  const steps: Step[] = [];
  for (let i = 1; i <= n; i++) {
    const remaining = from - i;
    steps.push({
      path, headers, status: 200,
      expect: { "x-ratelimit-limit": String(limit), "x-ratelimit-remaining": String(remaining), "x-ratelimit-reset": String((limit - remaining) * perToken), "retry-after": null },
    });
  }
  return steps;
}

function rejected(path: string, headers: [string, string][], limit: number, perToken: number, marker = true): Step {
  return {
    path, headers, status: 429, body: "local_rate_limited",
    expect: {
      "x-ratelimit-limit": String(limit), "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(limit * perToken),
      "retry-after": String(perToken), "x-local-rate-limit": marker ? "true" : null,
    },
  };
}

export const SCENARIOS: Scenario[] = [
  {
    name: "per key: 5/minute, the 6th request gets 429 with rate-limit headers and retry-after",
    steps: [...allowed("/api/items", [["x-api-key", "alice"]], 5, 12, 5), rejected("/api/items", [["x-api-key", "alice"]], 5, 12)],
    counters: { "per-key.allowed": 5, "per-key.limited": 1 },
  },
  {
    name: "every key value has its own bucket",
    steps: [
      ...allowed("/api/a", [["x-api-key", "bob"]], 5, 12, 5),
      rejected("/api/a", [["x-api-key", "bob"]], 5, 12),
      ...allowed("/api/a", [["x-api-key", "carol"]], 5, 12, 1),
      rejected("/api/a", [["x-api-key", "bob"]], 5, 12),
    ],
  },
  {
    name: "an exact key overrides the limit: vip-1 gets 100/minute",
    steps: allowed("/api/vip", [["x-api-key", "vip-1"]], 100, 0.6, 3).map((s, i) => ({ ...s, expect: { ...s.expect, "x-ratelimit-reset": String(Math.ceil((i + 1) * 0.6)) } })),
  },
  {
    name: "a regexp key gives every matching value its own 20/minute bucket",
    steps: [
      ...allowed("/api/g", [["x-api-key", "gold-a"]], 20, 3, 2),
      ...allowed("/api/g", [["x-api-key", "gold-b"]], 20, 3, 1),
      // the regexp is anchored: "x-gold-c" gets the default 5/minute
      ...allowed("/api/g", [["x-api-key", "x-gold-c"]], 5, 12, 1),
    ],
  },
  {
    name: "requests without a key (or with an empty one) share the limit_missing bucket: 2/minute",
    steps: [
      ...allowed("/api/anon", [], 2, 30, 1),
      ...allowed("/api/anon", [["x-api-key", ""]], 2, 30, 1, 1),
      rejected("/api/anon", [], 2, 30),
    ],
    counters: { "per-key.allowed": 2, "per-key.limited": 1 },
  },
  {
    name: "per client IP on POST /login only: 3/minute; GET is not limited",
    steps: [
      { method: "GET", path: "/login", status: 200, expect: NO_LIMIT_HEADERS },
      ...allowed("/login", [], 3, 20, 3).map((s) => ({ ...s, method: "POST" })),
      { ...rejected("/login", [], 3, 20), method: "POST" },
      { method: "GET", path: "/login", status: 200, expect: NO_LIMIT_HEADERS },
    ],
    counters: { "per-ip.allowed": 3, "per-ip.limited": 1 },
  },
  {
    name: "per session cookie with burst: 4/hour + burst 1 = 5 requests, then one every 900 s",
    steps: [
      ...allowed("/cart", [["cookie", "theme=dark; sid=s-123"]], 5, 900, 5),
      rejected("/cart", [["cookie", "sid=s-123"]], 5, 900),
      ...allowed("/cart", [["cookie", "sid=s-456"]], 5, 900, 1),
      { path: "/cart", headers: [["cookie", "theme=dark"]], status: 200, expect: NO_LIMIT_HEADERS },
    ],
  },
  {
    name: "per ?tenant= parameter: 3/day",
    steps: [
      ...allowed("/search?q=x&tenant=acme", [], 3, 28800, 3),
      rejected("/search?tenant=acme", [], 3, 28800),
      ...allowed("/search?tenant=acme%2Dlabs", [], 3, 28800, 1),
      { path: "/search?q=no-tenant", status: 200, expect: NO_LIMIT_HEADERS },
    ],
    counters: { "per-tenant.allowed": 4, "per-tenant.limited": 1 },
  },
  {
    name: "Higress _rules_: route orders limits per consumer (x-mse-consumer), 2/minute",
    steps: [
      ...allowed("/orders", [["x-mse-consumer", "consumer-1"]], 2, 30, 2),
      rejected("/orders", [["x-mse-consumer", "consumer-1"]], 2, 30, false),
      ...allowed("/orders", [["x-mse-consumer", "consumer-2"]], 2, 30, 1),
      { path: "/orders", status: 200, expect: NO_LIMIT_HEADERS },
      // the global rules do not apply on this route
      { path: "/orders/api", headers: [["x-api-key", "alice"]], status: 200, expect: NO_LIMIT_HEADERS },
    ],
    counters: { "per-consumer.allowed": 3, "per-consumer.limited": 1 },
  },
  {
    name: "paths outside every rule are not limited",
    steps: Array.from({ length: 8 }, () => ({ path: "/other", headers: [["x-api-key", "alice"]] as [string, string][], status: 200, expect: NO_LIMIT_HEADERS })),
  },
];
