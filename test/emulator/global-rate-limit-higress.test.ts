// global-rate-limit in Higress's cluster-key-rate-limit form: the one descriptor each request sends
// ([{"rule": rule_name}] or [{"rule": rule_name}, {<source>: <value>}] with the matched key's limit as
// the override), first-match-wins over rule_items, exact keys versus patterns, lenient (YAML) values,
// what the client gets, and configuration errors. The native form is in global-rate-limit.test.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, type HttpStream } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { Code, FakeRls, Unit, decodeRequest, encodeResponse, type RlsRequest } from "../scenarios/rls-messages.ts";
import {
  CLUSTER_KEY_RATE_LIMIT_BY_CONSUMER, CLUSTER_KEY_RATE_LIMIT_BY_COOKIE, CLUSTER_KEY_RATE_LIMIT_BY_HEADER, CLUSTER_KEY_RATE_LIMIT_BY_IP,
  CLUSTER_KEY_RATE_LIMIT_BY_PARAM, CLUSTER_KEY_RATE_LIMIT_GLOBAL, withRls,
} from "../scenarios/higress-examples.ts";

const WASM = pluginWasm("global-rate-limit");
const CALL = { cluster: "rls", domain: "gateway" };

function host(config: object, workers = 1) {
  return ProxyWasmHost.create({
    wasm: WASM, workers, clusters: ["rls"], rootId: "global-rate-limit", pluginName: "global-rate-limit",
    pluginConfig: JSON.stringify(config),
  });
}

interface Req { headers?: [string, string][]; path?: string; address?: string; route?: string }

function send(h: ProxyWasmHost, r: Req = {}): HttpStream {
  const properties: Record<string, string> = { "source.address": r.address ?? "192.0.2.1:5000" };
  if (r.route) properties["xds.route_name"] = r.route;
  return h.request({ headers: [[":path", r.path ?? "/"], [":method", "GET"], [":authority", "api.example.com"], ...(r.headers ?? [])], properties });
}

/** The RateLimitRequest of the request's call (answered OK), or null when it made none. */
function sent(h: ProxyWasmHost, r: Req = {}): RlsRequest | null {
  const s = send(h, r);
  const calls = h.pendingGrpcCalls();
  if (calls.length === 0) {
    assert.equal(s.status, 200);
    return null;
  }
  assert.equal(calls.length, 1);
  const req = decodeRequest(calls[0].message);
  h.respondGrpcCall(calls[0], encodeResponse({ code: Code.OK, statuses: [{ code: Code.OK }] }));
  assert.equal(s.status, 200);
  return req;
}

/** The RateLimitRequest with one descriptor: rule entry, optional source entry, override. */
function expected(rule: string, entry: [string, string] | null, requestsPerUnit: number, unit: number): RlsRequest {
  const entries = [{ key: "rule", value: rule }];
  if (entry) entries.push({ key: entry[0], value: entry[1] });
  return { domain: "gateway", hitsAddend: 0, descriptors: [{ entries, limit: { requestsPerUnit, unit } }] };
}

/** Sends the request through a counting fake RLS; returns the status. */
function through(h: ProxyWasmHost, rls: FakeRls, r: Req = {}): number {
  const s = send(h, r);
  for (const call of h.pendingGrpcCalls()) h.respondGrpcCall(call, rls.answer(call.message));
  return s.status!;
}

const metric = (h: ProxyWasmHost, name: string) => Number(h.metric(`global_rate_limit.${name}`) ?? 0);

describe("global-rate-limit Higress form: global_threshold", () => {
  test("every request sends [{rule: rule_name}] with the threshold as the override; over it: rejected_code and rejected_msg", () => {
    const h = host({ ...CALL, rule_name: "routeA-global", global_threshold: { query_per_minute: 2 } });
    assert.deepEqual(sent(h, { path: "/anything" }), expected("routeA-global", null, 2, Unit.MINUTE));

    const rls = new FakeRls();
    assert.equal(through(h, rls), 200);
    assert.equal(through(h, rls), 200);
    const s = send(h);
    h.respondGrpcCall(h.pendingGrpcCalls()[0], rls.answer(h.pendingGrpcCalls()[0].message));
    assert.equal(s.status, 429);
    assert.equal(s.localResponse?.bodyText, "Too many requests");
    assert.equal(s.localResponse?.details, "request_rate_limited");
    assert.equal(s.responseHeader("x-envoy-ratelimited"), "true");
    assert.equal(s.responseHeader("retry-after"), "30");
    assert.equal(s.responseHeader("x-ratelimit-limit"), undefined); // show_limit_quota_header defaults to false
    assert.equal(metric(h, "over_limit"), 1);
    assert.equal(metric(h, "routeA-global.over_limit"), 1);
  });

  for (const [field, unit] of [["query_per_second", Unit.SECOND], ["query_per_hour", Unit.HOUR], ["query_per_day", Unit.DAY]] as const) {
    test(`${field} sends its unit`, () => {
      const h = host({ ...CALL, rule_name: "g", global_threshold: { [field]: 7 } });
      assert.deepEqual(sent(h), expected("g", null, 7, unit));
    });
  }
});

describe("global-rate-limit Higress form: each limit_by_* source", () => {
  const cases: { by: object; key: string; req: Req; entry: [string, string]; other: Req }[] = [
    { by: { limit_by_header: "X-Ca-Key" }, key: "k1", req: { headers: [["x-ca-key", "k1"]] }, entry: ["header:x-ca-key", "k1"], other: { headers: [["x-ca-key", "k2"]] } },
    { by: { limit_by_param: "apikey" }, key: "k 1", req: { path: "/p?x=1&apikey=k+1" }, entry: ["param:apikey", "k 1"], other: { path: "/p?apikey=k2" } },
    { by: { limit_by_consumer: "" }, key: "consumer1", req: { headers: [["x-mse-consumer", "consumer1"]] }, entry: ["consumer", "consumer1"], other: { headers: [["x-mse-consumer", "consumer2"]] } },
    { by: { limit_by_cookie: "sid" }, key: "s1", req: { headers: [["cookie", "a=b; sid=s1"]] }, entry: ["cookie:sid", "s1"], other: { headers: [["cookie", "sid=s2"]] } },
    { by: { limit_by_per_header: "x-ca-key" }, key: "regexp:^vip-", req: { headers: [["x-ca-key", "vip-7"]] }, entry: ["header:x-ca-key", "vip-7"], other: { headers: [["x-ca-key", "free-7"]] } },
    { by: { limit_by_per_param: "apikey" }, key: "regexp:^[0-9]+$", req: { path: "/?apikey=123" }, entry: ["param:apikey", "123"], other: { path: "/?apikey=12a" } },
    { by: { limit_by_per_consumer: "" }, key: "regexp:^team-", req: { headers: [["x-mse-consumer", "team-a"]] }, entry: ["consumer", "team-a"], other: { headers: [["x-mse-consumer", "solo"]] } },
    { by: { limit_by_per_cookie: "uid" }, key: "regexp:^u", req: { headers: [["cookie", "uid=u42"]] }, entry: ["cookie:uid", "u42"], other: { headers: [["cookie", "uid=x42"]] } },
    { by: { limit_by_per_ip: "from-remote-addr" }, key: "10.0.0.0/8", req: { address: "10.1.2.3:4000" }, entry: ["ip", "10.1.2.3"], other: { address: "192.168.0.1:4000" } },
    { by: { limit_by_per_ip: "from-remote-addr" }, key: "2001:db8::/32", req: { address: "[2001:db8::7]:443" }, entry: ["ip", "2001:db8::7"], other: { address: "[2001:db9::7]:443" } },
    { by: { limit_by_per_ip: "from-header-X-Forwarded-For" }, key: "1.2.3.4", req: { headers: [["x-forwarded-for", " 1.2.3.4:8080 , 10.0.0.1"]] }, entry: ["ip:x-forwarded-for", "1.2.3.4"], other: { headers: [["x-forwarded-for", "1.2.3.5"]] } },
  ];
  for (const c of cases) {
    const source = Object.keys(c.by)[0];
    test(`${source} ${JSON.stringify(Object.values(c.by)[0])}, key ${c.key}: [{rule}, {${c.entry[0]}: ${c.entry[1]}}]; a value no key takes makes no call`, () => {
      const h = host({ ...CALL, rule_name: "r1", rule_items: [{ ...c.by, limit_keys: [{ key: c.key, query_per_second: 5 }] }] });
      assert.deepEqual(sent(h, c.req), expected("r1", c.entry, 5, Unit.SECOND));
      assert.equal(sent(h, c.other), null);
      assert.equal(sent(h, {}), null); // the source is absent
      assert.equal(metric(h, "calls"), 1);
    });
  }

  test("limit_by_per_ip from-header: no header, an empty one, or a first entry that is not an address: the item does not apply", () => {
    const h = host({ ...CALL, rule_name: "r", rule_items: [{ limit_by_per_ip: "from-header-x-real-ip", limit_keys: [{ key: "*", query_per_minute: 3 }] }] });
    assert.deepEqual(sent(h, { headers: [["x-real-ip", "2001:DB8::1"]] }), expected("r", ["ip:x-real-ip", "2001:DB8::1"], 3, Unit.MINUTE));
    assert.deepEqual(sent(h, { headers: [["x-real-ip", "[::1]:80"]] }), expected("r", ["ip:x-real-ip", "::1"], 3, Unit.MINUTE));
    for (const v of ["", "  ", "unknown, 1.2.3.4", "1.2.3", "010.0.0.1"]) assert.equal(sent(h, { headers: [["x-real-ip", v]] }), null, v);
    assert.equal(sent(h, { address: "10.0.0.1:1" }), null);
  });

  test("limit_by_per_ip keys: an address is a range of one, \"*\" takes every address; the value is the request's", () => {
    const h = host({ ...CALL, rule_name: "r", rule_items: [{ limit_by_per_ip: "from-remote-addr", limit_keys: [
      { key: "10.0.0.9", query_per_second: 1 }, { key: "10.0.0.0/24", query_per_second: 2 }, { key: "*", query_per_second: 3 }] }] });
    assert.deepEqual(sent(h, { address: "10.0.0.9:1" }), expected("r", ["ip", "10.0.0.9"], 1, Unit.SECOND));
    assert.deepEqual(sent(h, { address: "10.0.0.10:1" }), expected("r", ["ip", "10.0.0.10"], 2, Unit.SECOND));
    assert.deepEqual(sent(h, { address: "[::ffff:10.0.0.11]:1" }), expected("r", ["ip", "::ffff:10.0.0.11"], 2, Unit.SECOND));
    assert.deepEqual(sent(h, { address: "172.16.0.1:1" }), expected("r", ["ip", "172.16.0.1"], 3, Unit.SECOND));
  });
});

describe("global-rate-limit Higress form: rule_items in order", () => {
  const ITEMS = {
    ...CALL, rule_name: "tiers",
    rule_items: [
      { limit_by_header: "x-ca-key", limit_keys: [{ key: "vip", query_per_second: 100 }, { key: "partner", query_per_minute: 600 }] },
      { limit_by_per_param: "apikey", limit_keys: [{ key: "regexp:^test-", query_per_hour: 10 }, { key: "*", query_per_minute: 60 }] },
      { limit_by_per_ip: "from-remote-addr", limit_keys: [{ key: "0.0.0.0/0", query_per_day: 1000 }] },
    ],
  };

  test("the first item whose source has a value with a matching key decides, and only it sends a descriptor", () => {
    const h = host(ITEMS);
    assert.deepEqual(sent(h, { headers: [["x-ca-key", "vip"]], path: "/?apikey=test-1" }), expected("tiers", ["header:x-ca-key", "vip"], 100, Unit.SECOND));
    assert.deepEqual(sent(h, { headers: [["x-ca-key", "partner"]] }), expected("tiers", ["header:x-ca-key", "partner"], 600, Unit.MINUTE));
    // x-ca-key present but not listed: the next item
    assert.deepEqual(sent(h, { headers: [["x-ca-key", "other"]], path: "/?apikey=test-1" }), expected("tiers", ["param:apikey", "test-1"], 10, Unit.HOUR));
    assert.deepEqual(sent(h, { path: "/?apikey=prod-1" }), expected("tiers", ["param:apikey", "prod-1"], 60, Unit.MINUTE));
    assert.deepEqual(sent(h, { address: "203.0.113.5:9" }), expected("tiers", ["ip", "203.0.113.5"], 1000, Unit.DAY));
    assert.equal(sent(h, { address: "[2001:db8::1]:9" }), null); // no IPv6 range listed: nothing applies
  });

  test("keys are tried in their order within a per_* item (an earlier \"*\" shadows a later regexp)", () => {
    const h = host({ ...CALL, rule_name: "o", rule_items: [{ limit_by_per_header: "x-u", limit_keys: [
      { key: "regexp:^a", query_per_second: 1 }, { key: "*", query_per_second: 2 }, { key: "regexp:^b", query_per_second: 3 }] }] });
    assert.equal(sent(h, { headers: [["x-u", "a1"]] })!.descriptors[0].limit!.requestsPerUnit, 1);
    assert.equal(sent(h, { headers: [["x-u", "b1"]] })!.descriptors[0].limit!.requestsPerUnit, 2);
  });

  test("exact keys of a per_* item are also taken, in order", () => {
    const h = host({ ...CALL, rule_name: "o", rule_items: [{ limit_by_per_cookie: "sid", limit_keys: [
      { key: "admin", query_per_second: 50 }, { key: "*", query_per_second: 5 }] }] });
    assert.deepEqual(sent(h, { headers: [["cookie", "sid=admin"]] }), expected("o", ["cookie:sid", "admin"], 50, Unit.SECOND));
    assert.deepEqual(sent(h, { headers: [["cookie", "sid=adminx"]] }), expected("o", ["cookie:sid", "adminx"], 5, Unit.SECOND));
  });

  test("against a counting RLS: each value has its own counter; listed exact values only", () => {
    const h = host({ ...CALL, rule_name: "c", rule_items: [
      { limit_by_header: "x-ca-key", limit_keys: [{ key: "gold", query_per_minute: 3 }] },
      { limit_by_per_header: "x-user", limit_keys: [{ key: "*", query_per_minute: 2 }] },
    ] });
    const rls = new FakeRls();
    const statuses = (r: Req, n: number) => Array.from({ length: n }, () => through(h, rls, r));
    assert.deepEqual(statuses({ headers: [["x-ca-key", "gold"]] }, 4), [200, 200, 200, 429]);
    assert.deepEqual(statuses({ headers: [["x-user", "u1"]] }, 3), [200, 200, 429]);
    assert.deepEqual(statuses({ headers: [["x-user", "u2"]] }, 2), [200, 200]);
    assert.deepEqual(statuses({ headers: [["x-ca-key", "silver"]] }, 5), [200, 200, 200, 200, 200]); // not listed, no x-user
    assert.equal(rls.requests.length, 9);
    assert.equal(metric(h, "c.over_limit"), 2);
  });
});

describe("global-rate-limit Higress form: YAML values, responses, _rules_", () => {
  test("YAML-style numbers: numeric keys and rule_name, decimal strings for limits and rejected_code", () => {
    const h = host({ ...CALL, rule_name: 2024, rejected_code: "430", rejected_msg: 42, rule_items: [
      { limit_by_header: "x-uid", limit_keys: [{ key: 102234, query_per_second: "10" }, { key: "102235", query_per_minute: 20 }] }] });
    assert.deepEqual(sent(h, { headers: [["x-uid", "102234"]] }), expected("2024", ["header:x-uid", "102234"], 10, Unit.SECOND));
    assert.deepEqual(sent(h, { headers: [["x-uid", "102235"]] }), expected("2024", ["header:x-uid", "102235"], 20, Unit.MINUTE));
    const s = send(h, { headers: [["x-uid", "102234"]] });
    h.respondGrpcCall(h.pendingGrpcCalls()[0], encodeResponse({ code: Code.OVER_LIMIT, statuses: [{ code: Code.OVER_LIMIT }] }));
    assert.equal(s.status, 430);
    assert.equal(s.localResponse?.bodyText, "42");
  });

  test("zero query_per_* fields are ignored, as Higress does", () => {
    const h = host({ ...CALL, rule_name: "z", global_threshold: { query_per_second: 0, query_per_minute: "0", query_per_hour: 9 } });
    assert.deepEqual(sent(h), expected("z", null, 9, Unit.HOUR));
  });

  test("show_limit_quota_header: x-ratelimit-* on rejections and allowed responses, as the native rate_limit_headers", () => {
    const h = host({ ...CALL, rule_name: "q", show_limit_quota_header: true, global_threshold: { query_per_minute: 10 } });
    const s = send(h);
    h.respondGrpcCall(h.pendingGrpcCalls()[0], encodeResponse({
      code: Code.OVER_LIMIT, statuses: [{ code: Code.OVER_LIMIT, limit: { requestsPerUnit: 10, unit: Unit.MINUTE }, remaining: 0, resetSeconds: 12 }],
    }));
    assert.equal(s.status, 429);
    assert.equal(s.responseHeader("x-ratelimit-limit"), "10, 10;w=60");
    assert.equal(s.responseHeader("x-ratelimit-remaining"), "0");
    assert.equal(s.responseHeader("x-ratelimit-reset"), "12");
    assert.equal(s.responseHeader("retry-after"), "12");
    const ok = send(h);
    h.respondGrpcCall(h.pendingGrpcCalls()[0], encodeResponse({
      code: Code.OK, statuses: [{ code: Code.OK, limit: { requestsPerUnit: 10, unit: Unit.MINUTE }, remaining: 4, resetSeconds: 12 }],
    }));
    assert.equal(ok.status, 200);
    assert.equal(ok.responseHeader("x-ratelimit-remaining"), "4");
  });

  test("gRPC requests get RESOURCE_EXHAUSTED; RLS failures follow failure_mode_deny", () => {
    const h = host({ ...CALL, rule_name: "g", global_threshold: { query_per_second: 1 }, failure_mode_deny: true, status_on_error: 503 });
    const s = send(h, { headers: [["content-type", "application/grpc"]] });
    h.respondGrpcCall(h.pendingGrpcCalls()[0], encodeResponse({ code: Code.OVER_LIMIT }));
    assert.equal(s.localResponse?.grpcStatus, 8);
    const f = send(h);
    h.failGrpcCall(h.pendingGrpcCalls()[0], 14, "upstream connect error");
    assert.equal(f.status, 503);
    assert.equal(f.localResponse?.details, "rate_limiter_error");
  });

  test("per route in _rules_, each entry a Higress configuration of its own", () => {
    const h = host({ _rules_: [
      { _match_route_: ["a"], ...CALL, rule_name: "route-a", global_threshold: { query_per_second: 10 } },
      { _match_route_: ["b"], ...CALL, rule_name: "route-b", rule_items: [{ limit_by_per_header: "x-u", limit_keys: [{ key: "*", query_per_minute: 1 }] }] },
    ] });
    assert.deepEqual(sent(h, { route: "a" }), expected("route-a", null, 10, Unit.SECOND));
    assert.deepEqual(sent(h, { route: "b", headers: [["x-u", "v"]] }), expected("route-b", ["header:x-u", "v"], 1, Unit.MINUTE));
    assert.equal(sent(h, { route: "c", headers: [["x-u", "v"]] }), null);
  });
});

describe("global-rate-limit Higress form: the examples of Higress's cluster-key-rate-limit README", () => {
  const EXAMPLES = {
    CLUSTER_KEY_RATE_LIMIT_GLOBAL, CLUSTER_KEY_RATE_LIMIT_BY_PARAM, CLUSTER_KEY_RATE_LIMIT_BY_HEADER,
    CLUSTER_KEY_RATE_LIMIT_BY_IP, CLUSTER_KEY_RATE_LIMIT_BY_CONSUMER, CLUSTER_KEY_RATE_LIMIT_BY_COOKIE,
  };
  for (const [name, example] of Object.entries(EXAMPLES)) {
    test(`${name} verbatim is refused for its redis only`, () => {
      assert.throws(() => host(example), (e: Error) =>
        (/redis: is not used/.test(e.message) && /cluster: is required/.test(e.message) && !/rule_items|global_threshold|limit_keys/.test(e.message)) || assert.fail(e.message));
    });
  }

  const R = (rule: string) => (entry: [string, string] | null, n: number, unit: number) => expected(rule, entry, n, unit);

  test("global: 1000 per minute for the route, x-ratelimit-* shown", () => {
    const h = host(withRls(CLUSTER_KEY_RATE_LIMIT_GLOBAL));
    assert.deepEqual(sent(h, { path: "/any?x=1" }), R("routeA-global-limit-rule")(null, 1000, Unit.MINUTE));
  });

  test("by parameter apikey: the two listed keys, then per apikey by regexp, then every other apikey", () => {
    const h = host(withRls(CLUSTER_KEY_RATE_LIMIT_BY_PARAM));
    const r = R("routeA-request-param-limit-rule");
    const q = (v: string) => ({ path: `/?apikey=${v}` });
    assert.deepEqual(sent(h, q("9a342114-ba8a-11ec-b1bf-00163e1250b5")), r(["param:apikey", "9a342114-ba8a-11ec-b1bf-00163e1250b5"], 10, Unit.MINUTE));
    assert.deepEqual(sent(h, q("a6a6d7f2-ba8a-11ec-bec2-00163e1250b5")), r(["param:apikey", "a6a6d7f2-ba8a-11ec-bec2-00163e1250b5"], 100, Unit.HOUR));
    assert.deepEqual(sent(h, q("a-other")), r(["param:apikey", "a-other"], 10, Unit.SECOND));
    assert.deepEqual(sent(h, q("b-other")), r(["param:apikey", "b-other"], 100, Unit.MINUTE));
    assert.deepEqual(sent(h, q("zzz")), r(["param:apikey", "zzz"], 1000, Unit.HOUR));
    assert.equal(sent(h, { path: "/" }), null);
  });

  test("by header x-ca-key: numeric keys 102234 and 308239 exactly, then per key", () => {
    const h = host(withRls(CLUSTER_KEY_RATE_LIMIT_BY_HEADER));
    const r = R("routeA-request-header-limit-rule");
    const k = (v: string): Req => ({ headers: [["x-ca-key", v]] });
    assert.deepEqual(sent(h, k("102234")), r(["header:x-ca-key", "102234"], 10, Unit.MINUTE));
    assert.deepEqual(sent(h, k("308239")), r(["header:x-ca-key", "308239"], 10, Unit.HOUR));
    assert.deepEqual(sent(h, k("abc")), r(["header:x-ca-key", "abc"], 10, Unit.SECOND));
    assert.deepEqual(sent(h, k("bcd")), r(["header:x-ca-key", "bcd"], 100, Unit.MINUTE));
    assert.deepEqual(sent(h, k("1022345")), r(["header:x-ca-key", "1022345"], 1000, Unit.HOUR));
  });

  test("by client IP from x-forwarded-for: 1.1.1.1, then 1.1.1.0/24 per IP, then every IPv4 address per IP", () => {
    const h = host(withRls(CLUSTER_KEY_RATE_LIMIT_BY_IP));
    const r = R("routeA-client-ip-limit-rule");
    const xff = (v: string): Req => ({ headers: [["x-forwarded-for", v]] });
    assert.deepEqual(sent(h, xff("1.1.1.1, 10.0.0.1")), r(["ip:x-forwarded-for", "1.1.1.1"], 10, Unit.DAY));
    assert.deepEqual(sent(h, xff("1.1.1.77")), r(["ip:x-forwarded-for", "1.1.1.77"], 100, Unit.DAY));
    assert.deepEqual(sent(h, xff("8.8.8.8")), r(["ip:x-forwarded-for", "8.8.8.8"], 1000, Unit.DAY));
    assert.equal(sent(h, xff("2001:db8::1")), null); // 0.0.0.0/0 holds IPv4 addresses only
    assert.equal(sent(h, { address: "1.1.1.1:80" }), null); // the header, not the peer
  });

  test("by consumer: consumer1 and consumer2 exactly, then per consumer by regexp, then every consumer", () => {
    const h = host(withRls(CLUSTER_KEY_RATE_LIMIT_BY_CONSUMER));
    const r = R("routeA-consumer-limit-rule");
    const c = (v: string): Req => ({ headers: [["x-mse-consumer", v]] });
    assert.deepEqual(sent(h, c("consumer1")), r(["consumer", "consumer1"], 10, Unit.SECOND));
    assert.deepEqual(sent(h, c("consumer2")), r(["consumer", "consumer2"], 100, Unit.HOUR));
    assert.deepEqual(sent(h, c("alice")), r(["consumer", "alice"], 10, Unit.SECOND));
    assert.deepEqual(sent(h, c("bob")), r(["consumer", "bob"], 100, Unit.MINUTE));
    assert.deepEqual(sent(h, c("carol")), r(["consumer", "carol"], 1000, Unit.HOUR));
    assert.equal(sent(h), null); // no consumer: not limited
  });

  test("by cookie key1, rejecting with 200 and a JSON body", () => {
    const h = host(withRls(CLUSTER_KEY_RATE_LIMIT_BY_COOKIE));
    const r = R("routeA-cookie-limit-rule");
    const c = (v: string): Req => ({ headers: [["cookie", `other=1; key1=${v}`]] });
    assert.deepEqual(sent(h, c("value1")), r(["cookie:key1", "value1"], 10, Unit.MINUTE));
    assert.deepEqual(sent(h, c("value2")), r(["cookie:key1", "value2"], 100, Unit.HOUR));
    assert.deepEqual(sent(h, c("abc")), r(["cookie:key1", "abc"], 10, Unit.SECOND));
    assert.deepEqual(sent(h, c("value3")), r(["cookie:key1", "value3"], 1000, Unit.HOUR));
    const rls = new FakeRls();
    for (let i = 0; i < 10; i++) assert.equal(through(h, rls, c("value1")), 200);
    const s = send(h, c("value1"));
    h.respondGrpcCall(h.pendingGrpcCalls()[0], rls.answer(h.pendingGrpcCalls()[0].message));
    assert.equal(s.localResponse?.status, 200);
    assert.equal(s.localResponse?.bodyText, '{"code":-1,"msg":"Too many requests"}');
    assert.equal(s.responseHeader("x-ratelimit-remaining"), "0");
    assert.equal(s.responseHeader("x-ratelimit-limit"), "10, 10;w=60");
  });
});

describe("global-rate-limit Higress form: hostile values", () => {
  test("random bytes in every source never trap; a call carries the value's bytes or there is none", () => {
    const h = host({ ...CALL, rule_name: "f", rule_items: [
      { limit_by_per_ip: "from-header-x-forwarded-for", limit_keys: [{ key: "10.0.0.0/8", query_per_second: 1 }, { key: "::/0", query_per_second: 2 }] },
      { limit_by_per_header: "x-u", limit_keys: [{ key: "regexp:^[a-f0-9]{2,}$", query_per_second: 3 }] },
      { limit_by_per_cookie: "sid", limit_keys: [{ key: "regexp:(a|b)*c", query_per_second: 4 }] },
      { limit_by_per_param: "k", limit_keys: [{ key: "*", query_per_second: 5 }] },
    ] });
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const alphabet = Buffer.from("0123456789abcdef.:,[] /%=;&?x\xff\xc3\t");
    const bytes = () => Uint8Array.from({ length: rnd(24) }, () => alphabet[rnd(alphabet.length)]);
    let called = 0;
    for (let i = 0; i < 300; i++) {
      const s = h.request({ headers: [[":path", `/?k=${Buffer.from(bytes()).toString("latin1")}`.replace(/[^\x21-\x7e]/g, "%25")], [":method", "GET"],
        ["x-forwarded-for", bytes()], ["x-u", bytes()], ["cookie", bytes()]] });
      const calls = h.pendingGrpcCalls();
      if (calls.length === 0) { assert.equal(s.status, 200); continue; }
      const d = decodeRequest(calls[0].message).descriptors;
      assert.equal(d.length, 1);
      assert.equal(d[0].entries[0].value, "f");
      called++;
      h.respondGrpcCall(calls[0], encodeResponse({ code: Code.OK }));
      assert.equal(s.status, 200);
    }
    assert.ok(called > 30 && called < 300, `${called} calls`);
  });
});

describe("global-rate-limit Higress form: configuration errors", () => {
  const ITEM = { limit_by_header: "x-a", limit_keys: [{ key: "k", query_per_second: 1 }] };
  const G = { ...CALL, rule_name: "r" };
  const errors: [string, object, RegExp][] = [
    ["redis", { ...G, global_threshold: { query_per_second: 1 }, redis: { service_name: "redis.static" } },
      /redis: is not used: this plugin counts in the Rate Limit Service.*give cluster .* and domain/],
    ["redis without cluster", { rule_name: "r", global_threshold: { query_per_second: 1 }, redis: { service_name: "redis.static" } }, /cluster: is required/],
    ["rule_name missing", { ...CALL, global_threshold: { query_per_second: 1 } }, /rule_name: is required/],
    ["rule_name not a plain name", { ...G, rule_name: "a b", global_threshold: { query_per_second: 1 } }, /rule_name: must be 1-64 characters/],
    ["neither threshold nor items", G, /global_threshold: is required, or rule_items/],
    ["both threshold and items", { ...G, global_threshold: { query_per_second: 1 }, rule_items: [ITEM] }, /rule_items: cannot be combined with global_threshold/],
    ["threshold without a limit", { ...G, global_threshold: {} }, /global_threshold: must have one of query_per_second, query_per_minute/],
    ["threshold of zero", { ...G, global_threshold: { query_per_second: 0 } }, /global_threshold: must have one of/],
    ["two thresholds", { ...G, global_threshold: { query_per_second: 1, query_per_minute: 10 } }, /global_threshold\.query_per_minute: cannot be combined with query_per_second/],
    ["negative", { ...G, global_threshold: { query_per_second: -1 } }, /global_threshold\.query_per_second: must be an integer from 0/],
    ["not a number", { ...G, global_threshold: { query_per_second: "ten" } }, /global_threshold\.query_per_second: must be an integer/],
    ["threshold typo", { ...G, global_threshold: { query_per_sec: 1 } }, /global_threshold\.query_per_sec: unknown field/],
    ["rule_items empty", { ...G, rule_items: [] }, /rule_items: must list at least one rule item/],
    ["two sources", { ...G, rule_items: [{ ...ITEM, limit_by_param: "p" }] }, /rule_items\[0\]: must have exactly one of: limit_by_header, limit_by_param/],
    ["no source", { ...G, rule_items: [{ limit_keys: ITEM.limit_keys }] }, /rule_items\[0\]: must have exactly one of/],
    ["unknown item field", { ...G, rule_items: [{ ...ITEM, limit_by_ip: "x" }] }, /rule_items\[0\]\.limit_by_ip: unknown field/],
    ["bad header name", { ...G, rule_items: [{ ...ITEM, limit_by_header: "x a" }] }, /rule_items\[0\]\.limit_by_header: must be a header name/],
    ["empty param", { ...G, rule_items: [{ limit_by_param: "", limit_keys: ITEM.limit_keys }] }, /rule_items\[0\]\.limit_by_param: must be a non-empty string/],
    ["limit_keys missing", { ...G, rule_items: [{ limit_by_header: "x-a" }] }, /rule_items\[0\]\.limit_keys: is required/],
    ["limit_keys empty", { ...G, rule_items: [{ limit_by_header: "x-a", limit_keys: [] }] }, /rule_items\[0\]\.limit_keys: must list at least one key/],
    ["key missing", { ...G, rule_items: [{ limit_by_header: "x-a", limit_keys: [{ query_per_second: 1 }] }] }, /rule_items\[0\]\.limit_keys\[0\]\.key: is required/],
    ["key without limit", { ...G, rule_items: [ITEM, { limit_by_header: "x-b", limit_keys: [{ key: "k" }] }] }, /rule_items\[1\]\.limit_keys\[0\]: must have one of query_per_second/],
    ["duplicate key", { ...G, rule_items: [{ limit_by_header: "x-a", limit_keys: [{ key: "k", query_per_second: 1 }, { key: "k", query_per_minute: 1 }] }] }, /limit_keys\[1\]\.key: duplicate key 'k'/],
    ["* for a non-per type", { ...G, rule_items: [{ limit_by_header: "x-a", limit_keys: [{ key: "*", query_per_second: 1 }] }] },
      /rule_items\[0\]\.limit_keys\[0\]\.key: "\*" is a pattern, which limit_by_header does not take .*use limit_by_per_header/],
    ["regexp for a non-per type", { ...G, rule_items: [{ limit_by_cookie: "sid", limit_keys: [{ key: "regexp:^a", query_per_second: 1 }] }] },
      /limit_keys\[0\]\.key: "regexp:\^a" is a pattern, which limit_by_cookie does not take .*limit_by_per_cookie/],
    ["regexp for consumer", { ...G, rule_items: [{ limit_by_consumer: "", limit_keys: [{ key: "regexp:^a", query_per_second: 1 }] }] }, /use limit_by_per_consumer/],
    ["bad regexp", { ...G, rule_items: [{ limit_by_per_param: "p", limit_keys: [{ key: "regexp:(a", query_per_second: 1 }] }] }, /rule_items\[0\]\.limit_keys\[0\]\.key: bad regexp at offset/],
    ["per_ip source", { ...G, rule_items: [{ limit_by_per_ip: "remote", limit_keys: [{ key: "*", query_per_second: 1 }] }] },
      /rule_items\[0\]\.limit_by_per_ip: must be from-remote-addr .* or from-header-<name>/],
    ["per_ip header name", { ...G, rule_items: [{ limit_by_per_ip: "from-header-", limit_keys: [{ key: "*", query_per_second: 1 }] }] }, /limit_by_per_ip: from-header-<name>: must be a header name/],
    ["per_ip key", { ...G, rule_items: [{ limit_by_per_ip: "from-remote-addr", limit_keys: [{ key: "10.0.0.0/33", query_per_second: 1 }] }] }, /limit_keys\[0\]\.key: is not an IP address or range/],
    ["per_ip regexp", { ...G, rule_items: [{ limit_by_per_ip: "from-remote-addr", limit_keys: [{ key: "regexp:^10\\.", query_per_second: 1 }] }] }, /limit_keys\[0\]\.key: is not an IP address or range/],
    ["rules as well", { ...G, global_threshold: { query_per_second: 1 }, rules: [] }, /rules: cannot be combined with the Higress cluster-key-rate-limit fields/],
    ["native status", { ...G, global_threshold: { query_per_second: 1 }, status: 429 }, /status: is rejected_code in the Higress cluster-key-rate-limit form/],
    ["native rate_limit_headers", { ...G, global_threshold: { query_per_second: 1 }, rate_limit_headers: true }, /rate_limit_headers: is show_limit_quota_header/],
    ["rejected_code", { ...G, global_threshold: { query_per_second: 1 }, rejected_code: 199 }, /rejected_code: must be an integer from 200 to 599/],
    ["show_limit_quota_header", { ...G, global_threshold: { query_per_second: 1 }, show_limit_quota_header: "yes" }, /show_limit_quota_header: must be true or false/],
    ["Higress fields in the native form", { ...CALL, rules: [{ name: "n", descriptor: [{ key: "k", value: "v" }] }], rejected_code: 430 }, /rejected_code: unknown field/],
  ];
  for (const [what, config, message] of errors) {
    test(`refused: ${what}`, () => {
      assert.throws(() => host(config), (e: Error) => message.test(e.message) || assert.fail(e.message));
    });
  }

  test("accepted: the call fields of the native form, headers, and a consumer source whatever its value", () => {
    const h = host({ ...CALL, timeout_ms: 80, hits_addend: 2, headers: { "x-limited-by": "gw" }, rule_name: "r",
      rule_items: [{ limit_by_per_consumer: null, limit_keys: [{ key: "*", query_per_second: 1 }] }] });
    const s = send(h, { headers: [["x-mse-consumer", "c"]] });
    const [call] = h.pendingGrpcCalls();
    assert.equal(call.timeoutMs, 80);
    assert.equal(decodeRequest(call.message).hitsAddend, 2);
    h.respondGrpcCall(call, encodeResponse({ code: Code.OVER_LIMIT }));
    assert.equal(s.responseHeader("x-limited-by"), "gw");
  });
});
