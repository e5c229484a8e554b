// local-rate-limit: keys from headers, query parameters, cookies, the consumer header, the client
// address and the path; many distinct keys (key tables overflow), the clock advancing.
import { exampleConfig } from "../../envoy/example-config.ts";
import { KEY_RATE_LIMIT_BY_HEADER, KEY_RATE_LIMIT_BY_PARAM, KEY_RATE_LIMIT_RULES } from "../../scenarios/higress-examples.ts";
import { addedResponseValues, type CheckContext, type HostSpec, type PluginFuzzer, type RequestCase } from "../engine.ts";
import { long, mutate, text, type RawHeader } from "../bytes.ts";
import { authority, clientAddress, cookieHeader, pathOf, queryString, routeProperties } from "../inputs.ts";
import type { Rng } from "../rng.ts";

const EXAMPLE = "envoy-examples/local-rate-limit/envoy.yaml";
const CHAIN = "envoy-examples/all-in-one/envoy.yaml";
/** A rule on every key source, with regexp/CIDR/exact keys and small key tables in each overflow mode
 *  (also the configuration of test/emulator/local-rate-limit-fuzz.test.ts). */
export const KEY_SOURCE_RULES = [
  { name: "hdr", match: { path_prefix: "/" }, key: { header: "x-api-key" }, limit: { requests: 3, per: "second", burst: 2 }, max_keys: 300,
    keys: [{ key: "vip", requests: 50, per: "second" }, { key: "regexp:^(gold|silver)-[0-9a-f]{2,8}$", requests: 10, per: "second" },
      { key: "regexp:(a|aa)*b", requests: 7, per: "minute" }], limit_missing: { requests: 100, per: "second" } },
  { name: "prm", key: { param: "tenant" }, limit: { requests: 5, per: "second" }, max_keys: 200, overflow: "deny" },
  { name: "ck", match: { methods: ["POST", "GET"] }, key: { cookie: "sid" }, limit: { requests: 4, per: "minute" }, max_keys: 100, overflow: "allow" },
  { name: "ip", key: { client_ip: true }, limit: { requests: 1000, per: "second" }, max_keys: 500,
    keys: [{ key: "10.0.0.0/8", requests: 2000, per: "second" }, { key: "2001:db8::/32", requests: 20, per: "second" }] },
  { name: "con", match: { headers: [{ name: "x-mse-consumer" }] }, key: { consumer: true }, limit: { requests: 2, per: "hour" }, max_keys: 50 },
  { name: "pth", match: { path_prefix: "/p" }, key: { path: true }, limit: { requests: 9, per: "day" }, max_keys: 64 },
];

/** Every key source plus a `*` key, 3 workers, a custom rejection. */
const EVERY_SOURCE = {
  rules: [
    ...KEY_SOURCE_RULES,
    { name: "star", match: { headers: [{ name: "x-star", value: "1" }] }, key: { header: "x-api-key" }, keys: [{ key: "*", requests: 1, per: "minute" }], max_keys: 8 },
  ],
  cas_retries: 4, rate_limit_headers: true, status: 503, body: "slow down", headers: { "x-limited": "yes" },
};

const KEYS = ["vip-1", "vip", "gold-0a", "gold-", "silver-beef", "aab", "a".repeat(30), "102234", "308239", "9a342114-ba8a-11ec-b1bf-00163e1250b5", "a6a6d7f2-ba8a-11ec-bec2-00163e1250b5", "demo-user", ""];
const ROUTES = ["orders", "default", "route-a", "route-b", "other", ""];
const INT = /^\d+$/;

/** A rejection is the configured one, with retry-after; rate-limit headers are integers. */
function limiterCheck(opts: { status: number; body: string; extra?: [string, string]; extraNotOn?: string }) {
  return ({ s, c }: CheckContext): string | null => {
    const lr = s.localResponse;
    for (const name of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"]) {
      for (const v of lr ? s.responseHeaderMap.getAll(name) : addedResponseValues(s, c, name)) if (!INT.test(v)) return `${name}: ${JSON.stringify(v)}`;
    }
    if (!lr) return null;
    const grpc = s.requestHeaderMap.get("content-type")?.startsWith("application/grpc");
    if (lr.details !== "local_rate_limited") return `local reply ${lr.status} ${lr.details}`;
    if (!grpc && (lr.status !== opts.status || lr.bodyText !== opts.body)) return `rejection ${lr.status} ${JSON.stringify(lr.bodyText)}`;
    const retry = s.responseHeaderMap.get("retry-after");
    if (retry === undefined || !INT.test(retry) || Number(retry) < 1) return `retry-after ${JSON.stringify(retry)}`;
    if (opts.extra && (c.properties?.["xds.route_name"] ?? c.properties?.route_name) !== opts.extraNotOn && s.responseHeaderMap.get(opts.extra[0]) !== opts.extra[1]) return `no ${opts.extra[0]} on the rejection`;
    return null;
  };
}

export const localRateLimit: PluginFuzzer = {
  name: "local-rate-limit",
  shapes: ["query", "cookie", "values", "headers", "path"],
  hosts(): HostSpec[] {
    return [
      { name: "example", config: exampleConfig(EXAMPLE, "local-rate-limit"), ownedBaggageKeys: [], ownedHeaders: [],
        // the `_rules_` entry of route "orders" is a configuration of its own, without `headers`
        check: limiterCheck({ status: 429, body: "local_rate_limited", extra: ["x-local-rate-limit", "true"], extraNotOn: "orders" }) },
      { name: "every-source", workers: 3, config: JSON.stringify(EVERY_SOURCE), ownedBaggageKeys: [], ownedHeaders: [], check: limiterCheck({ status: 503, body: "slow down", extra: ["x-limited", "yes"] }) },
      { name: "higress-rules", workers: 1, config: JSON.stringify(KEY_RATE_LIMIT_RULES), ownedBaggageKeys: [], ownedHeaders: [], check: limiterCheck({ status: 429, body: "rate_limited" }) },
      { name: "higress-param", workers: 1, config: JSON.stringify(KEY_RATE_LIMIT_BY_PARAM), ownedBaggageKeys: [], ownedHeaders: [], check: limiterCheck({ status: 429, body: "rate_limited" }) },
      { name: "chain", workers: 1, config: exampleConfig(CHAIN, "local-rate-limit"), ownedBaggageKeys: [], ownedHeaders: [], check: limiterCheck({ status: 429, body: "local_rate_limited" }) },
    ];
  },
  configSeeds() {
    return [
      { name: "example", config: exampleConfig(EXAMPLE, "local-rate-limit") },
      { name: "every-source", config: EVERY_SOURCE },
      { name: "higress-header", config: KEY_RATE_LIMIT_BY_HEADER },
      { name: "higress-param", config: KEY_RATE_LIMIT_BY_PARAM },
      { name: "higress-rules", config: KEY_RATE_LIMIT_RULES },
      { name: "chain", config: exampleConfig(CHAIN, "local-rate-limit") },
    ];
  },
  request(r: Rng, { shape }): RequestCase {
    /** a key value: a listed one, one of many distinct ones, or hostile */
    const key = () => shape === "values" ? long(r, 10240)
      : r.weighted([[3, () => r.pick(KEYS)], [4, () => `k${r.int(r.chance(0.5) ? 200 : 1_000_000)}`], [2, () => mutate(r, r.pick(KEYS))], [1, () => text(r, 60)]] as const)();
    const prefix = r.pick(["/api", "/login", "/fast", "/cart", "/search", "/orders", "/p/", "/", "/API", "/apix", ""]);
    let path = shape === "path" ? pathOf(r, ["api", "p", "orders"], true) : prefix + (r.chance(0.5) ? pathOf(r, ["items", "x", "1"]) : "");
    if (shape === "query" || r.chance(0.6)) path += "?" + queryString(r, ["tenant", "apikey", "access_token"], KEYS.concat(["t1", "t2"]), shape === "query");
    const h: RawHeader[] = [[":path", path], [":method", r.pick(["GET", "POST", "PUT", "DELETE", "get", "X", "POSTX"])]];
    if (r.chance(0.2)) h.push([":authority", authority(r, ["www", "api", "test"], [".example.com", ".com", ""])]);
    if (shape === "values" || r.chance(0.7)) h.push(["x-api-key", key()]);
    if (shape === "values" || r.chance(0.3)) h.push(["x-ca-key", key()]);
    if (shape === "values" || r.chance(0.25)) h.push(["x-mse-consumer", key()]);
    if (shape === "cookie" || r.chance(0.4)) h.push(["cookie", cookieHeader(r, ["sid", "tenant"], KEYS, shape === "cookie")]);
    if (r.chance(0.1)) h.push(["content-type", r.pick(["application/grpc", "application/grpc+proto", "application/grpc-web", "application/json"])]);
    if (r.chance(0.1)) h.push(["x-star", r.pick(["1", "0", ""])]);
    if (r.chance(0.05)) h.push(["baggage", `x-mse-tag=gray,${text(r, 30)}`]);
    if (shape === "headers" || r.chance(0.02)) {
      const name = r.pick(["x-api-key", "x-mse-consumer", "cookie", "x-ca-key"]);
      for (let i = 0; i < (shape ? 95 : 20 + r.int(70)); i++) h.push([name, key()]);
    }
    const advanceMs = r.chance(0.001) ? r.int(86_400_000) : r.chance(0.3) ? r.int(2000) : 0;
    return { host: 0, headers: h, advanceMs, properties: { ...routeProperties(r, r.pick(ROUTES)), "source.address": clientAddress(r) } };
  },
  statusOk(status, { s }) {
    return status === 200 || s.localResponse?.details === "local_rate_limited";
  },
};
