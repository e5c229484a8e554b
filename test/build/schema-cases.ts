// The table of schemas.test.ts: configurations on which each plugin's schema.json and its parser
// must agree (AGREE), and the few on which they cannot (DIVERGE, with the reason).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../envoy/envoy.ts";

export interface Case { plugin: string; name: string; valid: boolean; config: unknown }
export interface Divergence { plugin: string; name: string; side: string; schema: boolean; parser: boolean; config: unknown }

const JWKS = JSON.parse(readFileSync(join(REPO_ROOT, "envoy-examples/jwt-auth/jwks.json"), "utf8"));
const ok = (plugin: string, name: string, config: unknown): Case => ({ plugin, name, valid: true, config });
const bad = (plugin: string, name: string, config: unknown): Case => ({ plugin, name, valid: false, config });

const B = "baggage-tag";
const T = "tenant-gray";
const L = "local-rate-limit";
const J = "jwt-auth";
const lane = { tag: "gray", tenants: ["acme"] };
const rr = { name: "r", limit: { requests: 5 } };
const consumer = { name: "app", jwks: JWKS };
const cond = (operator: string, value: unknown[]) => ({ headerName: "x-mse-tag", headerValue: "gray", logic: "and", conditions: [{ conditionType: "header", key: "x-user", operator, value }] });

export const AGREE: Case[] = [
  // ---- baggage-tag
  ok(B, "empty: one default rule", {}),
  ok(B, "one rule, every field", { rules: [{ baggage_key: "x-mse-tag", header: "X-Mse-Tag", override: true, allowed_values: ["gray", "blue"], max_length: 16, default: "gray", propagate_to_baggage: true, sources: ["baggage", "jaeger"] }] }),
  ok(B, "two rules", { rules: [{ baggage_key: "a" }, { baggage_key: "b", header: "x-b" }] }),
  ok(B, "empty default is no default", { rules: [{ default: "" }] }),
  ok(B, "max_length 4096", { rules: [{ max_length: 4096 }] }),
  ok(B, "_rules_ only", { _rules_: [{ _match_route_: ["r"], rules: [{ override: true }] }] }),
  ok(B, "global + _rules_ with domain and service", { rules: [{}], _rules_: [{ _match_domain_: ["*.example.com"], _match_service_: ["svc"], rules: [{ header: "x" }] }] }),
  ok(B, "_disable_ rule", { rules: [{}], _rules_: [{ _match_route_prefix_: ["admin"], _disable_: true }] }),
  ok(B, "a rule with only match keys: defaults", { _rules_: [{ _match_route_: ["r"] }] }),
  ok(B, "skywalking only", { rules: [{ sources: ["skywalking"] }] }),
  ok(B, "allowed_values empty list: any value", { rules: [{ allowed_values: [] }] }),
  ok(B, "keys starting with _ are host conventions", { _comment: "x", rules: [{ _note: 1 }] }),
  bad(B, "unknown top-level field", { rulez: [] }),
  bad(B, "rules empty", { rules: [] }),
  bad(B, "rules not a list", { rules: {} }),
  bad(B, "unknown rule field", { rules: [{ baggage: "x" }] }),
  bad(B, "baggage_key with a space", { rules: [{ baggage_key: "x mse" }] }),
  bad(B, "header not a token", { rules: [{ header: "x:y" }] }),
  bad(B, "max_length 0", { rules: [{ max_length: 0 }] }),
  bad(B, "max_length 4097", { rules: [{ max_length: 4097 }] }),
  bad(B, "max_length a string", { rules: [{ max_length: "64" }] }),
  bad(B, "override a string", { rules: [{ override: "true" }] }),
  bad(B, "unknown source", { rules: [{ sources: ["zipkin"] }] }),
  bad(B, "sources empty", { rules: [{ sources: [] }] }),
  bad(B, "default not a token", { rules: [{ default: "a b" }] }),
  bad(B, "_rules_ entry without match key", { _rules_: [{ rules: [{}] }] }),
  bad(B, "_rules_ entry with an empty match list", { _rules_: [{ _match_route_: [] }] }),
  bad(B, "_rules_ entry with a bad configuration", { _rules_: [{ _match_route_: ["r"], rules: [] }] }),
  bad(B, "_rules_ not a list", { _rules_: {} }),
  bad(B, "_match_route_ not strings", { _rules_: [{ _match_route_: [1] }] }),
  bad(B, "_disable_ not a bool", { _rules_: [{ _match_route_: ["r"], _disable_: "yes" }] }),

  // ---- tenant-gray
  ok(T, "lanes", { lanes: [lane] }),
  ok(T, "default_tag only", { default_tag: "base" }),
  ok(T, "every source kind", { tenant_from: [{ header: "x-t" }, { claim_header: "x-jwt-tenant" }, { cookie: "t" }, { query: "tenant" }, { path_segment: 2 }, { host_label: 0 }], lanes: [lane] }),
  ok(T, "lane kinds", { lanes: [{ tag: "a", tenant_prefixes: ["beta-"] }, { tag: "b", percentage: 10 }, { tag: "c", source_cidrs: ["10.0.0.0/8", "2001:db8::/32"] }] }),
  ok(T, "empty lanes with default_tag", { lanes: [], default_tag: "base" }),
  ok(T, "sticky cookie as a name", { lanes: [lane], sticky_cookie: "lane" }),
  ok(T, "sticky cookie object, SameSite=None with secure", { lanes: [lane], sticky_cookie: { name: "lane", path: "/app", domain: "example.com", max_age: 60, secure: true, http_only: false, same_site: "None" } }),
  ok(T, "every other field", { lanes: [lane], max_tenant_length: 64, tag_header: "x-lane", override: true, propagate_to_baggage: false, baggage_key: "lane", debug_header: "x-debug" }),
  ok(T, "empty: does nothing", {}),
  ok(T, "_rules_ only", { _rules_: [{ _match_route_: ["r"], lanes: [lane] }] }),
  ok(T, "a _rules_ entry in traffic-tag form", { lanes: [lane], _rules_: [{ _match_domain_: ["a.example.com"], defaultTagKey: "x-mse-tag", defaultTagVal: "gray" }] }),
  ok(T, "traffic-tag condition groups, any case", { conditionGroups: [{ headerName: "x-mse-tag", headerValue: "gray", logic: "OR", conditions: [{ conditionType: "Header", key: "x-user", operator: "IN", value: ["u1", "u2"] }] }] }),
  ok(T, "traffic-tag weights as text and numbers (as Higress reads YAML)", { weightGroups: [{ headerName: "x-mse-tag", headerValue: 102, weight: "30" }, { headerName: "x-mse-tag", headerValue: "blue", weight: 70 }] }),
  ok(T, "traffic-tag percentage condition", { conditionGroups: [cond("percentage", ["30"])] }),
  ok(T, "traffic-tag default only", { defaultTagKey: "x-mse-tag", defaultTagVal: "base" }),
  ok(T, "traffic-tag integer key and value", { conditionGroups: [{ headerName: "x-mse-tag", headerValue: "gray", logic: "and", conditions: [{ conditionType: "parameter", key: 7, operator: "equal", value: [12] }] }] }),
  bad(T, "no lanes and no default_tag", { override: true }),
  bad(T, "empty lanes without default_tag", { lanes: [] }),
  bad(T, "lane without tag", { lanes: [{ tenants: ["a"] }] }),
  bad(T, "lane that selects nothing", { lanes: [{ tag: "gray" }] }),
  bad(T, "tag longer than 64", { lanes: [{ tag: "g".repeat(65), tenants: ["a"] }] }),
  bad(T, "percentage 101", { lanes: [{ tag: "gray", percentage: 101 }] }),
  bad(T, "source with two kinds", { tenant_from: [{ header: "a", cookie: "b" }], lanes: [lane] }),
  bad(T, "source of no kind", { tenant_from: [{}], lanes: [lane] }),
  bad(T, "path_segment 0", { tenant_from: [{ path_segment: 0 }], lanes: [lane] }),
  bad(T, "tenant_from empty", { tenant_from: [], lanes: [lane] }),
  bad(T, "SameSite=None without secure", { lanes: [lane], sticky_cookie: { name: "lane", same_site: "None" } }),
  bad(T, "sticky cookie path without /", { lanes: [lane], sticky_cookie: { name: "lane", path: "app" } }),
  bad(T, "unknown field", { lanes: [lane], lane: [] }),
  bad(T, "tenant-gray and traffic-tag fields together", { lanes: [lane], defaultTagKey: "x-mse-tag", defaultTagVal: "base" }),
  bad(T, "traffic-tag regex operator", { conditionGroups: [cond("regex", ["^a"])] }),
  bad(T, "traffic-tag unknown logic", { conditionGroups: [{ headerName: "x-mse-tag", headerValue: "gray", logic: "xor", conditions: [] }] }),
  bad(T, "traffic-tag equal with two values", { conditionGroups: [cond("equal", ["a", "b"])] }),
  bad(T, "traffic-tag in with no value", { conditionGroups: [cond("in", [])] }),
  bad(T, "traffic-tag weight 101", { weightGroups: [{ headerName: "x-mse-tag", headerValue: "gray", weight: 101 }] }),
  bad(T, "traffic-tag group without headerValue", { weightGroups: [{ headerName: "x-mse-tag", weight: 10 }] }),
  bad(T, "_rules_ entry with a bad configuration", { _rules_: [{ _match_route_: ["r"], lanes: [] }] }),
  bad(T, "global keys with _rules_ still need lanes", { override: true, _rules_: [{ _match_route_: ["r"], lanes: [lane] }] }),

  // ---- local-rate-limit
  ok(L, "one keyless rule", { rules: [rr] }),
  ok(L, "per key, every top-level field", { rules: [{ name: "k", key: { header: "x-api-key" }, limit: { requests: 10, per: "minute", burst: 5 } }], status: 503, body: "slow down", headers: { "x-why": "limit" }, rate_limit_headers: true, on_contention: "allow", cas_retries: 8 }),
  ok(L, "keys: exact, regexp, *", { rules: [{ name: "k", key: { param: "user" }, keys: [{ key: "vip", requests: 100 }, { key: "regexp:^bot-", requests: 1, per: "hour" }, { key: "*", query_per_minute: 10 }] }] }),
  ok(L, "client_ip CIDR keys", { rules: [{ name: "ip", key: { client_ip: true }, keys: [{ key: "10.0.0.0/8", requests: 50 }], limit: { requests: 5 } }] }),
  ok(L, "match on path, methods and a pseudo-header", { rules: [{ name: "m", match: { path_prefix: "/api", methods: ["GET", "POST"], headers: [{ name: ":authority", value: "a.example.com" }, { name: "x-present" }] }, limit: { requests: 1 } }] }),
  ok(L, "limit_missing true and as a limit", { rules: [{ name: "a", key: { cookie: "sid" }, limit: { requests: 5 }, limit_missing: true }, { name: "b", key: { consumer: true }, limit: { requests: 5 }, limit_missing: { requests: 1, per: "second" } }] }),
  ok(L, "key with only limit_missing", { rules: [{ name: "p", key: { path: true }, limit_missing: { requests: 2 } }] }),
  ok(L, "max_keys and the deprecated overflow", { rules: [{ ...rr, key: { header: "x" }, max_keys: 100, overflow: "deny" }] }),
  ok(L, "Higress key-rate-limit by header", { limit_by_header: "x-ca-key", limit_keys: [{ key: "102234", query_per_second: 10 }, { key: 308239, query_per_hour: "10" }] }),
  ok(L, "Higress key-rate-limit by param, status as text", { limit_by_param: "apikey", limit_keys: [{ key: "9a342114-ba8a-11ec-b1bf-00163e1250b5", query_per_minute: 10 }], status: "503", body: "no" }),
  ok(L, "Higress _rules_", { _rules_: [{ _match_route_: ["route-a"], limit_by_header: "x-ca-key", limit_keys: [{ key: "k", query_per_second: 1 }] }] }),
  ok(L, "own form with _rules_ in Higress form", { rules: [rr], _rules_: [{ _match_domain_: ["*.example.com"], limit_by_param: "k", limit_keys: [{ key: "a", query_per_day: 5 }] }] }),
  ok(L, "query_per_* mixed with zeros", { rules: [{ name: "z", key: { header: "x" }, keys: [{ key: "a", query_per_second: 0, query_per_minute: 3 }] }] }),
  bad(L, "empty", {}),
  bad(L, "rules empty", { rules: [] }),
  bad(L, "rule without name", { rules: [{ limit: { requests: 1 } }] }),
  bad(L, "rule name with a dot", { rules: [{ name: "a.b", limit: { requests: 1 } }] }),
  bad(L, "keyless rule without limit", { rules: [{ name: "r" }] }),
  bad(L, "keys without a key source", { rules: [{ name: "r", keys: [{ key: "a", requests: 1 }] }] }),
  bad(L, "key with two sources", { rules: [{ name: "r", key: { header: "a", param: "b" }, limit: { requests: 1 } }] }),
  bad(L, "key client_ip false", { rules: [{ name: "r", key: { client_ip: false }, limit: { requests: 1 } }] }),
  bad(L, "requests 0", { rules: [{ name: "r", limit: { requests: 0 } }] }),
  bad(L, "per week", { rules: [{ name: "r", limit: { requests: 1, per: "week" } }] }),
  bad(L, "requests and query_per_second together", { rules: [{ name: "r", key: { header: "x" }, keys: [{ key: "a", requests: 1, query_per_second: 1 }] }] }),
  bad(L, "key entry without a limit", { rules: [{ name: "r", key: { header: "x" }, keys: [{ key: "a" }] }] }),
  bad(L, "limit_missing true without limit", { rules: [{ name: "r", key: { header: "x" }, keys: [{ key: "a", requests: 1 }], limit_missing: true }] }),
  bad(L, "status 200", { rules: [rr], status: 200 }),
  bad(L, "response header set by the plugin", { rules: [rr], headers: { "Retry-After": "1" } }),
  bad(L, "on_contention wait", { rules: [rr], on_contention: "wait" }),
  bad(L, "rules with Higress fields", { rules: [rr], limit_by_header: "x", limit_keys: [{ key: "a", query_per_second: 1 }] }),
  bad(L, "Higress: both limit_by_header and limit_by_param", { limit_by_header: "x", limit_by_param: "y", limit_keys: [{ key: "a", query_per_second: 1 }] }),
  bad(L, "Higress: no limit_keys", { limit_by_header: "x" }),
  bad(L, "Higress: limit_keys empty", { limit_by_header: "x", limit_keys: [] }),
  bad(L, "Higress: count not a number", { limit_by_header: "x", limit_keys: [{ key: "a", query_per_second: "ten" }] }),
  bad(L, "unknown field", { rules: [rr], statuz: 429 }),
  bad(L, "_rules_ entry without a configuration", { rules: [rr], _rules_: [{ _match_route_: ["r"] }] }),

  // ---- jwt-auth
  ok(J, "one consumer, JWKS object", { consumers: [consumer] }),
  ok(J, "JWKS as JSON text (Higress)", { consumers: [{ name: "app", jwks: JSON.stringify(JWKS) }] }),
  ok(J, "every consumer field", { consumers: [{ ...consumer, issuer: "https://issuer", audiences: ["api"], claims: { tier: "gold", level: 2, ok: true }, claims_to_headers: [{ claim: "sub", header: "x-sub", override: false }], from_headers: [{ name: "x-token", value_prefix: "" }], from_params: ["t"], from_cookies: ["jwt"], clock_skew_seconds: 0, keep_token: false, require_expiration: false, max_lifetime_seconds: 3600 }] }),
  ok(J, "top-level fields", { consumers: [consumer], global_auth: true, allow: ["app"], allow_missing: true, max_token_bytes: 256, token_cache_size: 0 }),
  ok(J, "remote_jwks by cluster", { consumers: [{ name: "r", remote_jwks: { cluster: "idp", authority: "idp.example.com", path: "/jwks", cache_seconds: 60, timeout_ms: 500, grace_seconds: 0, refetch_seconds: 5 } }] }),
  ok(J, "remote_jwks by Higress service", { consumers: [{ name: "r", remote_jwks: { service_name: "idp.default.svc.cluster.local", service_port: 8080, service_host: "idp", path: "/jwks", jwks_cache_duration: 600 } }] }),
  ok(J, "two consumers", { consumers: [consumer, { name: "b", jwks: JWKS, from_headers: [{ name: "x-b" }] }] }),
  ok(J, "_rules_ with allow", { consumers: [consumer], global_auth: false, _rules_: [{ _match_route_: ["r"], allow: ["app"] }, { _match_domain_: ["a.example.com"], allow_missing: true }] }),
  ok(J, "_rules_ entry with only match keys", { consumers: [consumer], _rules_: [{ _match_service_: ["svc"] }] }),
  ok(J, "_disable_ rule", { consumers: [consumer], _rules_: [{ _match_route_: ["health"], _disable_: true }] }),
  ok(J, "max_lifetime_seconds at its maximum", { consumers: [{ ...consumer, max_lifetime_seconds: 315360000 }] }),
  ok(J, "clock skew 600", { consumers: [{ ...consumer, clock_skew_seconds: 600 }] }),
  bad(J, "empty", {}),
  bad(J, "consumers empty", { consumers: [] }),
  bad(J, "consumer without name", { consumers: [{ jwks: JWKS }] }),
  bad(J, "consumer without keys", { consumers: [{ name: "a" }] }),
  bad(J, "jwks and remote_jwks", { consumers: [{ ...consumer, remote_jwks: { cluster: "c", path: "/j" } }] }),
  bad(J, "remote_jwks without path", { consumers: [{ name: "r", remote_jwks: { cluster: "c" } }] }),
  bad(J, "remote_jwks path without /", { consumers: [{ name: "r", remote_jwks: { cluster: "c", path: "jwks" } }] }),
  bad(J, "remote_jwks cluster and service_name", { consumers: [{ name: "r", remote_jwks: { cluster: "c", service_name: "s", path: "/j" } }] }),
  bad(J, "unknown consumer field", { consumers: [{ ...consumer, issuers: ["a"] }] }),
  bad(J, "audiences empty", { consumers: [{ ...consumer, audiences: [] }] }),
  bad(J, "clock skew 601", { consumers: [{ ...consumer, clock_skew_seconds: 601 }] }),
  bad(J, "max_lifetime_seconds above ten years", { consumers: [{ ...consumer, max_lifetime_seconds: 315360001 }] }),
  bad(J, "claims_to_headers onto x-mse-consumer", { consumers: [{ ...consumer, claims_to_headers: [{ claim: "sub", header: "X-MSE-Consumer" }] }] }),
  bad(J, "claim value an object", { consumers: [{ ...consumer, claims: { a: { b: 1 } } }] }),
  bad(J, "max_token_bytes 100", { consumers: [consumer], max_token_bytes: 100 }),
  bad(J, "allow empty", { consumers: [consumer], allow: [] }),
  bad(J, "_rules_ entry with a top-level field", { consumers: [consumer], _rules_: [{ _match_route_: ["r"], consumers: [consumer] }] }),
  bad(J, "_rules_ entry without match key", { consumers: [consumer], _rules_: [{ allow: ["app"] }] }),
  bad(J, "consumer name with a newline", { consumers: [{ name: "a\nb", jwks: JWKS }] }),
];

export const DIVERGE: Divergence[] = [
  // Cross-field rules only the parser can check (parser-only).
  { plugin: B, name: "default not in allowed_values", side: "parser-only", schema: true, parser: false, config: { rules: [{ allowed_values: ["gray"], default: "blue" }] } },
  { plugin: B, name: "default longer than max_length", side: "parser-only", schema: true, parser: false, config: { rules: [{ max_length: 2, default: "gray" }] } },
  { plugin: T, name: "traffic-tag weights summing above 100", side: "parser-only", schema: true, parser: false, config: { weightGroups: [{ headerName: "x", headerValue: "a", weight: 60 }, { headerName: "x", headerValue: "b", weight: 60 }] } },
  { plugin: T, name: "a CIDR that does not parse", side: "parser-only", schema: true, parser: false, config: { lanes: [{ tag: "g", source_cidrs: ["10.0.0.0/33"] }] } },
  { plugin: L, name: "duplicate rule names", side: "parser-only", schema: true, parser: false, config: { rules: [rr, rr] } },
  { plugin: L, name: "a regexp that does not compile", side: "parser-only", schema: true, parser: false, config: { rules: [{ name: "r", key: { header: "x" }, keys: [{ key: "regexp:(", requests: 1 }] }] } },
  { plugin: L, name: "\"*\" key next to the rule's limit", side: "parser-only", schema: true, parser: false, config: { rules: [{ name: "r", key: { header: "x" }, limit: { requests: 1 }, keys: [{ key: "*", requests: 2 }] }] } },
  { plugin: L, name: "every query_per_* zero", side: "parser-only", schema: true, parser: false, config: { limit_by_header: "x", limit_keys: [{ key: "a", query_per_second: 0 }] } },
  { plugin: J, name: "allow names no consumer", side: "parser-only", schema: true, parser: false, config: { consumers: [consumer], allow: ["nobody"] } },
  { plugin: J, name: "a JWKS without usable keys", side: "parser-only", schema: true, parser: false, config: { consumers: [{ name: "a", jwks: { keys: [] } }] } },
  { plugin: J, name: "two consumers with one name", side: "parser-only", schema: true, parser: false, config: { consumers: [consumer, consumer] } },
  // Parser bug (reported, plugin code not changed here): parseRule's `limit` object is read by
  // parseLimit without allowOnly, so a typo is silently ignored (limit_missing and keys entries
  // do reject unknown fields). The schema refuses it.
  { plugin: L, name: "unknown field in a rule's limit (typo burts)", side: "parser bug: accepts", schema: false, parser: true, config: { rules: [{ name: "r", limit: { requests: 5, burts: 10 } }] } },
  // The parser reads null as "not set"; the schema documents the types and leaves null out.
  { plugin: B, name: "null member", side: "parser reads null as absent", schema: false, parser: true, config: { rules: [{ override: null }] } },
];
