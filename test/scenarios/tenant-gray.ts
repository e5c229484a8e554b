// Request scenarios for tenant-gray, run both on the host emulator and on a real Envoy with the
// configuration of envoy-examples/tenant-gray/envoy.yaml (listener "saas").
// `upstream` is only checked on Envoy (routing); header expectations on both. `route` is the name of
// the route Envoy selects before the plugin runs: Envoy computes it from the path, the emulator is
// told (xds.route_name), so both run the same `_rules_` entry.
import { createHash } from "node:crypto";

export const SAAS_CONFIG = {
  tenant_from: [{ claim_header: "x-jwt-tenant" }, { header: "x-tenant-id" }, { cookie: "tenant" }, { query: "tenant" }],
  lanes: [
    { tag: "gray", tenants: ["acme", "globex"], tenant_prefixes: ["beta-"], percentage: 10 },
    { tag: "gray", tenant_prefixes: ["staff-"], source_cidrs: ["10.0.0.0/8", "127.0.0.2/32"] },
  ],
  tag_header: "x-mse-tag",
  override: true,
  propagate_to_baggage: true,
  sticky_cookie: { name: "x-mse-lane", max_age: 3600 },
  debug_header: "x-tenant-lane",
  _rules_: [
    {
      _match_route_: ["tenant-path", "tenant-path-gray"],
      tenant_from: [{ path_segment: 2 }],
      lanes: [{ tag: "gray", tenants: ["acme", "initech"] }],
      override: true, debug_header: "x-tenant-lane",
    },
    {
      _match_route_: ["reports", "reports-gray"],
      tenant_from: [{ claim_header: "x-jwt-tenant" }, { header: "x-tenant-id" }],
      lanes: [{ tag: "gray", tenants: ["initech"] }],
      override: true, debug_header: "x-tenant-lane",
    },
    {
      _match_domain_: ["*.tenants.example.com"],
      tenant_from: [{ host_label: 0 }],
      lanes: [{ tag: "gray", tenants: ["acme", "globex"], percentage: 10 }],
      override: true, debug_header: "x-tenant-lane",
    },
  ],
};

/** Higress traffic-tag configuration of listener "higress", as Higress users write it. */
export const TRAFFIC_TAG_CONFIG = {
  conditionGroups: [
    {
      headerName: "x-mse-tag", headerValue: "gray", logic: "or",
      conditions: [
        { conditionType: "header", key: "x-user-id", operator: "in", value: ["u1", "u2"] },
        { conditionType: "parameter", key: "tenant", operator: "prefix", value: ["beta-"] },
        { conditionType: "cookie", key: "uid", operator: "percentage", value: ["20"] },
      ],
    },
  ],
  defaultTagKey: "x-mse-tag", defaultTagVal: "base",
};

/** Higress traffic-tag's sticky bucket: uint64_be(sha256(value)[0..8]) % 100. */
export function bucket(value: string): number {
  return Number(createHash("sha256").update(value, "utf8").digest().readBigUInt64BE(0) % 100n);
}

/** The first synthetic tenant `${prefix}${i}` whose bucket satisfies `want`. */
export function syntheticTenant(prefix: string, want: (b: number) => boolean): string {
  for (let i = 0; ; i++) if (want(bucket(prefix + i))) return prefix + i;
}

export const IN_SHARE = syntheticTenant("tenant-", (b) => b < 10);
export const OUT_OF_SHARE = syntheticTenant("tenant-", (b) => b >= 10);

const SET_GRAY = "x-mse-lane=gray; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax";
const CLEAR = "x-mse-lane=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax";

export const COUNTERS = ["untagged", "kept", "no_tenant", "invalid_tenant", "removed", "propagated", "cookie_set", "lane.gray"] as const;
export type CounterName = (typeof COUNTERS)[number];

export interface Scenario {
  name: string;
  path?: string;
  headers: [string, string][];
  /** Envoy's initial route for path + headers (emulator: xds.route_name). Default "base". */
  route?: string;
  /** client address (Envoy: the test connects from it; emulator: source.address) */
  from?: string;
  /** Expected upstream request headers (null = must be absent). */
  expect: Record<string, string | null>;
  /** Expected response headers (null = must be absent). */
  response?: Record<string, string | null>;
  /** Envoy only: which echo upstream answered. */
  upstream: "base" | "gray";
  /** Counters (wasmcustom.tenant_gray.<name>) that must grow by exactly this much. */
  counters?: Partial<Record<CounterName, number>>;
}

export const SCENARIOS: Scenario[] = [
  {
    name: "a listed tenant (header) goes to the gray lane, in baggage too, with a sticky cookie",
    headers: [["x-tenant-id", "acme"]],
    expect: { "x-mse-tag": "gray", baggage: "x-mse-tag=gray" },
    response: { "x-tenant-lane": "gray;by=tenants", "set-cookie": SET_GRAY },
    upstream: "gray", counters: { "lane.gray": 1, propagated: 1, cookie_set: 1, untagged: 0 },
  },
  {
    name: "a tenant in no lane stays in base",
    headers: [["x-tenant-id", "hooli"]],
    expect: { "x-mse-tag": null, baggage: null },
    response: { "x-tenant-lane": "base;by=no-lane", "set-cookie": null },
    upstream: "base", counters: { untagged: 1, "lane.gray": 0, no_tenant: 0 },
  },
  {
    name: "no tenant stays in base",
    headers: [],
    expect: { "x-mse-tag": null },
    response: { "x-tenant-lane": "base;by=no-tenant", "set-cookie": null },
    upstream: "base", counters: { untagged: 1, no_tenant: 1 },
  },
  {
    name: "tenant prefix",
    headers: [["x-tenant-id", "beta-corp"]],
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=prefix" },
    upstream: "gray", counters: { "lane.gray": 1 },
  },
  {
    name: `sticky percentage: ${IN_SHARE} is in the 10% share`,
    headers: [["x-tenant-id", IN_SHARE]],
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=percentage" },
    upstream: "gray", counters: { "lane.gray": 1 },
  },
  {
    name: `sticky percentage: ${OUT_OF_SHARE} is not`,
    headers: [["x-tenant-id", OUT_OF_SHARE]],
    expect: { "x-mse-tag": null },
    response: { "x-tenant-lane": "base;by=no-lane" },
    upstream: "base", counters: { untagged: 1 },
  },
  {
    name: "tenant from a cookie (among others)",
    headers: [["cookie", "theme=dark; tenant=globex; sid=1"]],
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=tenants" },
    upstream: "gray",
  },
  {
    name: "tenant from the query, percent-encoded",
    path: "/orders?page=2&tenant=%61cme",
    headers: [],
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=tenants" },
    upstream: "gray",
  },
  {
    name: "the first source with a tenant wins (header before cookie)",
    headers: [["x-tenant-id", "hooli"], ["cookie", "tenant=acme"]],
    expect: { "x-mse-tag": null },
    response: { "x-tenant-lane": "base;by=no-lane" },
    upstream: "base",
  },
  {
    name: "an empty header falls through to the next source",
    headers: [["x-tenant-id", ""], ["cookie", "tenant=acme"]],
    expect: { "x-mse-tag": "gray" },
    upstream: "gray",
  },
  {
    name: "a tenant longer than max_tenant_length is skipped and counted",
    path: "/?tenant=globex",
    headers: [["x-tenant-id", "a".repeat(200)]],
    expect: { "x-mse-tag": "gray" },
    upstream: "gray", counters: { invalid_tenant: 1, "lane.gray": 1 },
  },
  {
    name: "the tag is appended to existing baggage",
    headers: [["x-tenant-id", "acme"], ["baggage", "userId=42,session=abc"]],
    expect: { "x-mse-tag": "gray", baggage: "userId=42,session=abc,x-mse-tag=gray" },
    upstream: "gray", counters: { propagated: 1 },
  },
  {
    name: "override: a tag in the client's baggage is replaced",
    headers: [["x-tenant-id", "acme"], ["baggage", "x-mse-tag=blue;p=1, userId=42"]],
    expect: { "x-mse-tag": "gray", baggage: "userId=42,x-mse-tag=gray" },
    upstream: "gray", counters: { propagated: 1 },
  },
  {
    name: "override: a client cannot pick the gray lane itself",
    headers: [["x-mse-tag", "gray"], ["baggage", "x-mse-tag=gray,userId=42"]],
    expect: { "x-mse-tag": null, baggage: "userId=42" },
    response: { "x-tenant-lane": "base;by=no-tenant" },
    upstream: "base", counters: { removed: 1, untagged: 1, kept: 0 },
  },
  {
    name: "the sticky cookie keeps a browser without tenant in its lane",
    headers: [["cookie", "x-mse-lane=gray"]],
    expect: { "x-mse-tag": "gray", baggage: "x-mse-tag=gray" },
    response: { "x-tenant-lane": "gray;by=cookie", "set-cookie": null },
    upstream: "gray", counters: { cookie_set: 0, "lane.gray": 1 },
  },
  {
    name: "a sticky cookie that names no lane is ignored and cleared",
    headers: [["cookie", "x-mse-lane=red"]],
    expect: { "x-mse-tag": null },
    response: { "x-tenant-lane": "base;by=no-tenant", "set-cookie": CLEAR },
    upstream: "base", counters: { cookie_set: 1 },
  },
  {
    name: "a tenant that left the gray lane gets its cookie cleared",
    headers: [["x-tenant-id", "hooli"], ["cookie", "x-mse-lane=gray"]],
    expect: { "x-mse-tag": null },
    response: { "x-tenant-lane": "base;by=no-lane", "set-cookie": CLEAR },
    upstream: "base",
  },
  {
    name: "a cookie already naming the tenant's lane is not set again",
    headers: [["x-tenant-id", "acme"], ["cookie", "x-mse-lane=gray"]],
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=tenants", "set-cookie": null },
    upstream: "gray", counters: { cookie_set: 0 },
  },
  {
    name: "source_cidrs: staff tenants from 127.0.0.2 are gray",
    headers: [["x-tenant-id", "staff-ann"]],
    from: "127.0.0.2",
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=prefix", "set-cookie": SET_GRAY },
    upstream: "gray",
  },
  {
    name: "source_cidrs: the same tenant from 127.0.0.1 is not",
    headers: [["x-tenant-id", "staff-ann"]],
    from: "127.0.0.1",
    expect: { "x-mse-tag": null },
    response: { "x-tenant-lane": "base;by=no-lane" },
    upstream: "base",
  },
  {
    name: "per-route rule /reports: its own gray list (initech)",
    path: "/reports/q3",
    route: "reports",
    headers: [["x-tenant-id", "initech"]],
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=tenants", "set-cookie": null },
    upstream: "gray",
  },
  {
    name: "per-route rule /reports: acme is not gray there",
    path: "/reports/q3",
    route: "reports",
    headers: [["x-tenant-id", "acme"]],
    expect: { "x-mse-tag": null },
    response: { "x-tenant-lane": "base;by=no-lane" },
    upstream: "base",
  },
  {
    name: "initech is gray only on /reports",
    headers: [["x-tenant-id", "initech"]],
    expect: { "x-mse-tag": null },
    upstream: "base",
  },
  {
    name: "per-route rule /t/: tenant from path segment 2",
    path: "/t/initech/orders?tenant=hooli",
    route: "tenant-path",
    headers: [],
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=tenants" },
    upstream: "gray",
  },
  {
    name: "per-route rule /t/: a path tenant in no lane",
    path: "/t/hooli/orders",
    route: "tenant-path",
    headers: [["x-tenant-id", "acme"]],
    expect: { "x-mse-tag": null },
    upstream: "base",
  },
  {
    name: "per-domain rule: tenant from the host's first label",
    headers: [["host", "ACME.tenants.example.com:8443"]],
    expect: { "x-mse-tag": "gray" },
    response: { "x-tenant-lane": "gray;by=tenants" },
    upstream: "gray",
  },
  {
    name: "per-domain rule: another tenant's host",
    headers: [["host", "hooli.tenants.example.com"], ["x-tenant-id", "acme"]],
    expect: { "x-mse-tag": null },
    upstream: "base",
  },
];
