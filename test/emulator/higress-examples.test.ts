// Higress's README examples for key-rate-limit and traffic-tag, unchanged (numbers as numbers), on
// the host emulator with its controllable clock: each does what its README says. The same
// configurations run on Envoy in test/envoy/higress-examples.test.ts. Then the lenient reads of the
// Higress forms (a number where a string is meant, a decimal string where an integer is meant),
// raw query parameters, and the strict types our own forms keep.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, type HttpStream } from "../host/index.ts";
import { pluginWasm } from "./plugin-wasm.ts";
import { exampleConfig } from "../envoy/example-config.ts";
import {
  HIGRESS_REJECTION_BODY, KEY_RATE_LIMIT_BY_HEADER, KEY_RATE_LIMIT_BY_PARAM, KEY_RATE_LIMIT_RULES,
  TRAFFIC_TAG_CONTENT, TRAFFIC_TAG_CONTENT_CASES, TRAFFIC_TAG_WEIGHTS,
} from "../scenarios/higress-examples.ts";

const RATE_LIMIT = pluginWasm("local-rate-limit");
const TENANT_GRAY = pluginWasm("tenant-gray");
const FIXTURE = "test/envoy/fixtures/higress-examples.yaml";

function rateLimiter(config: unknown, workers = 2) {
  return ProxyWasmHost.create({ wasm: RATE_LIMIT, workers, rootId: "local-rate-limit", pluginName: "key-rate-limit", pluginConfig: JSON.stringify(config) });
}
function tagger(config: unknown, workers = 2) {
  return ProxyWasmHost.create({ wasm: TENANT_GRAY, workers, rootId: "tenant-gray", pluginConfig: typeof config === "string" ? config : JSON.stringify(config) });
}
function rejects(wasm: string, config: unknown): string {
  const h = new ProxyWasmHost({ wasm, pluginConfig: JSON.stringify(config), workers: 1 });
  const result = h.start();
  assert.equal(result.ok, false, "configuration should be rejected");
  return result.logs.map((l) => l.message).join("\n");
}

interface Req { path?: string; headers?: [string, string][]; host?: string; route?: string }
function send(h: ProxyWasmHost, r: Req): HttpStream {
  return h.request({
    headers: [[":path", r.path ?? "/"], [":method", "GET"], [":authority", r.host ?? "api.example.org"], ...(r.headers ?? [])],
    properties: { "xds.route_name": r.route ?? "default" },
  });
}
/** Statuses of n requests at the same instant, summarised as "<200s>/<429s>". */
function burst(h: ProxyWasmHost, n: number, r: Req): string {
  let ok = 0;
  let limited = 0;
  for (let i = 0; i < n; i++) {
    const s = send(h, r);
    if (s.status === 200) ok++;
    else if (s.status === 429) {
      limited++;
      assert.equal(s.localResponse?.bodyText, HIGRESS_REJECTION_BODY, "Higress's rejection body");
    } else assert.fail(`status ${s.status}`);
  }
  return `${ok}/${limited}`;
}

describe("Higress README examples on the emulator", () => {
  test("the Envoy fixture runs exactly these configurations", () => {
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "key-rate-limit-param")), KEY_RATE_LIMIT_BY_PARAM);
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "key-rate-limit-header")), KEY_RATE_LIMIT_BY_HEADER);
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "key-rate-limit-rules")), KEY_RATE_LIMIT_RULES);
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "traffic-tag-content")), TRAFFIC_TAG_CONTENT);
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "traffic-tag-weights")), TRAFFIC_TAG_WEIGHTS);
  });

  test("key-rate-limit by parameter apikey: 10 per second for one key, 100 per minute for the other, others unlimited", () => {
    const h = rateLimiter(KEY_RATE_LIMIT_BY_PARAM);
    const perSecond = { path: "/items?apikey=9a342114-ba8a-11ec-b1bf-00163e1250b5" };
    const perMinute = { path: "/items?apikey=a6a6d7f2-ba8a-11ec-bec2-00163e1250b5" };
    assert.equal(burst(h, 11, perSecond), "10/1", "the 11th request in a second gets 429 rate_limited");
    assert.equal(burst(h, 101, perMinute), "100/1", "the 101st request in a minute gets 429");
    h.advanceTime(1000);
    assert.equal(burst(h, 11, perSecond), "10/1", "a second later: 10 more");
    assert.equal(burst(h, 1, perMinute), "1/0", "a second later: one of the 100 per minute is back (600 ms each)");
    assert.equal(burst(h, 1, perMinute), "0/1");
    h.advanceTime(60_000);
    assert.equal(burst(h, 101, perMinute), "100/1", "a minute later: 100 more");
    assert.equal(burst(h, 50, { path: "/items?apikey=other" }), "50/0", "an unlisted key is not limited");
    assert.equal(burst(h, 50, { path: "/items" }), "50/0", "no apikey: not limited");
  });

  test("key-rate-limit by header x-ca-key, keys written as numbers: 10 per second, 10 per hour", () => {
    const h = rateLimiter(KEY_RATE_LIMIT_BY_HEADER);
    assert.equal(burst(h, 11, { headers: [["x-ca-key", "102234"]] }), "10/1");
    assert.equal(burst(h, 11, { headers: [["x-ca-key", "308239"]] }), "10/1");
    h.advanceTime(1000);
    assert.equal(burst(h, 11, { headers: [["x-ca-key", "102234"]] }), "10/1", "per second: full again");
    assert.equal(burst(h, 1, { headers: [["x-ca-key", "308239"]] }), "0/1", "per hour: still empty");
    h.advanceTime(3600_000);
    assert.equal(burst(h, 11, { headers: [["x-ca-key", "308239"]] }), "10/1", "an hour later: 10 more");
    assert.equal(burst(h, 30, { headers: [["x-ca-key", "102235"]] }), "30/0");
    assert.equal(burst(h, 30, {}), "30/0");
  });

  test("key-rate-limit _rules_: 10 per second on route-a and route-b (one rule, one bucket), 100 per second on the domains, nothing elsewhere", () => {
    const h = rateLimiter(KEY_RATE_LIMIT_RULES);
    const key: [string, string][] = [["x-ca-key", "102234"]];
    assert.equal(burst(h, 5, { route: "route-a", headers: key }), "5/0");
    assert.equal(burst(h, 6, { route: "route-b", headers: key }), "5/1", "route-a and route-b share the rule's bucket");
    assert.equal(burst(h, 101, { host: "test.com", headers: key }), "100/1");
    h.advanceTime(1000);
    assert.equal(burst(h, 101, { host: "shop.example.com:8080", headers: key }), "100/1", "a second later, *.example.com: the same rule, 100 more");
    assert.equal(burst(h, 101, { host: "test.com", headers: key }), "0/101", "the domains share one rule's bucket");
    assert.equal(burst(h, 11, { route: "route-a", host: "test.com", headers: key }), "10/1", "the first matching rule wins");
    assert.equal(burst(h, 200, { route: "route-c", host: "example.com", headers: key }), "200/0", "no rule, no global configuration: not limited");
    assert.equal(send(h, { route: "route-c", headers: key }).responseHeader("x-ratelimit-limit"), undefined);
  });

  test("traffic-tag content-based example: role in (user, viewer, editor) and foo=bar is gray, the rest base", () => {
    const h = tagger(TRAFFIC_TAG_CONTENT);
    for (const [headers, query, tag] of TRAFFIC_TAG_CONTENT_CASES) {
      const s = h.request({ headers: { ":path": `/${query}`, ...headers } });
      assert.equal(s.requestHeader("x-mse-tag"), tag, `${JSON.stringify(headers)} ${query}`);
    }
  });

  test("traffic-tag weight-based example: 30% gray, 30% blue, 40% no header", () => {
    const h = tagger(TRAFFIC_TAG_WEIGHTS, 1);
    const counts: Record<string, number> = { gray: 0, blue: 0, none: 0 };
    const n = 4000;
    for (let i = 0; i < n; i++) counts[h.request({}).requestHeader("x-mse-tag") ?? "none"]++;
    assert.ok(Math.abs(counts.gray / n - 0.3) < 0.04, JSON.stringify(counts));
    assert.ok(Math.abs(counts.blue / n - 0.3) < 0.04, JSON.stringify(counts));
    assert.ok(Math.abs(counts.none / n - 0.4) < 0.04, JSON.stringify(counts));
  });
});

describe("values as Higress sends them (Higress forms only)", () => {
  test("key-rate-limit: quoted numbers are read as integers, numeric keys as their decimal text", () => {
    const h = rateLimiter({ limit_by_header: "x-ca-key", limit_keys: [{ key: 7, query_per_second: "3" }, { key: "8", query_per_minute: 2.0 }] });
    assert.equal(burst(h, 4, { headers: [["x-ca-key", "7"]] }), "3/1");
    assert.equal(burst(h, 3, { headers: [["x-ca-key", "8"]] }), "2/1");
    const header = rateLimiter({ limit_by_header: 123, limit_keys: [{ key: "k", query_per_day: 1 }] });
    assert.equal(burst(header, 2, { headers: [["123", "k"]] }), "1/1", "limit_by_header: 123 is the header named 123");
  });

  test("key-rate-limit: what still is not a value names the field", () => {
    const cases: [unknown, RegExp][] = [
      [{ limit_by_header: "x", limit_keys: [{ key: 1.5, query_per_second: 1 }] }, /limit_keys\[0\]\.key: must be a non-empty string or an integer/],
      [{ limit_by_header: "x", limit_keys: [{ key: 2 ** 60, query_per_second: 1 }] }, /limit_keys\[0\]\.key: must be a non-empty string or an integer/],
      [{ limit_by_header: "x", limit_keys: [{ key: true, query_per_second: 1 }] }, /limit_keys\[0\]\.key: must be a non-empty string or an integer/],
      [{ limit_by_header: "x", limit_keys: [{ key: "k", query_per_second: "ten" }] }, /limit_keys\[0\]\.query_per_second: must be an integer from 0 to 1000000000/],
      [{ limit_by_header: "x", limit_keys: [{ key: "k", query_per_second: "1.5" }] }, /limit_keys\[0\]\.query_per_second: must be an integer/],
      [{ limit_by_header: "x", limit_keys: [{ key: "k", query_per_second: " 10" }] }, /limit_keys\[0\]\.query_per_second: must be an integer/],
      [{ limit_by_header: "x", limit_keys: [{ key: "k", query_per_second: "-1" }] }, /limit_keys\[0\]\.query_per_second: must be an integer from 0/],
      [{ limit_by_header: "x", limit_keys: [{ key: "k", query_per_second: "1234567890123456" }] }, /limit_keys\[0\]\.query_per_second: must be an integer/],
      [{ limit_keys: [{ key: "k", query_per_second: 1 }] }, /must have exactly one of: limit_by_header, limit_by_param/],
      [{ limit_by_header: "x", limit_keys: [{ key: "k", query_per_second: 1 }], _rules_: [{ _match_route_: ["r"], limit_keys: [{ key: 1, query_per_second: 1 }] }] },
        /_rules_\[0\]: must have exactly one of: limit_by_header, limit_by_param/],
    ];
    for (const [config, message] of cases) assert.match(rejects(RATE_LIMIT, config), message, JSON.stringify(config));
  });

  test("our own forms keep strict types", () => {
    assert.match(rejects(RATE_LIMIT, { rules: [{ name: "a", limit: { requests: "10" } }] }), /rules\[0\]\.limit\.requests: must be an integer/);
    assert.match(rejects(RATE_LIMIT, { rules: [{ name: "a", key: { header: "x" }, limit: { requests: 1 }, keys: [{ key: 5, requests: 1 }] }] }), /rules\[0\]\.keys\[0\]\.key: must be a non-empty string$/m);
    assert.match(rejects(RATE_LIMIT, { rules: [{ name: 5, limit: { requests: 1 } }] }), /rules\[0\]\.name: must be a non-empty string/);
    assert.match(rejects(TENANT_GRAY, { lanes: [{ tag: "gray", tenants: [42] }] }), /lanes\[0\]\.tenants\[0\]: must be a string$/m);
    assert.match(rejects(TENANT_GRAY, { lanes: [{ tag: "gray", percentage: "10" }] }), /lanes\[0\]\.percentage: must be an integer from 0 to 100/);
  });

  test("key-rate-limit: the default rejection body is Higress's rate_limited; body still overrides it; the native form keeps local_rate_limited", () => {
    const higress = rateLimiter({ limit_by_header: "x-ca-key", limit_keys: [{ key: "k", query_per_day: 1 }] });
    send(higress, { headers: [["x-ca-key", "k"]] });
    assert.equal(send(higress, { headers: [["x-ca-key", "k"]] }).localResponse?.bodyText, "rate_limited");
    const own = rateLimiter({ limit_by_header: "x-ca-key", limit_keys: [{ key: "k", query_per_day: 1 }], body: 429 });
    send(own, { headers: [["x-ca-key", "k"]] });
    assert.equal(send(own, { headers: [["x-ca-key", "k"]] }).localResponse?.bodyText, "429", "a numeric body in the Higress form is its text");
    const native = rateLimiter({ rules: [{ name: "n", limit: { requests: 1, per: "day" } }] });
    send(native, {});
    assert.equal(send(native, {}).localResponse?.bodyText, "local_rate_limited");
  });

  test("key-rate-limit limit_by_param compares raw query values, as Higress's parseQueryString (no percent or '+' decoding)", () => {
    const h = rateLimiter({ limit_by_param: "k", limit_keys: [{ key: "a+b", query_per_day: 1 }, { key: "a%20b", query_per_day: 2 }, { key: "a b", query_per_day: 3 }] });
    assert.equal(burst(h, 2, { path: "/?k=a+b" }), "1/1", "'a+b' is the key a+b");
    assert.equal(burst(h, 3, { path: "/?k=a%20b" }), "2/1", "'a%20b' is the key a%20b");
    assert.equal(burst(h, 5, { path: "/?%6B=a+b" }), "5/0", "an encoded name is another parameter");
    assert.equal(burst(h, 5, { path: "/?k=x&k=a+b" }), "5/0", "the first k counts");
    assert.equal(burst(h, 5, { path: "/?k" }), "5/0", "an empty value is no key");
    // The native form's param source decodes: there, a+b and a%20b are both "a b".
    const native = rateLimiter({ rules: [{ name: "n", key: { param: "k" }, keys: [{ key: "a b", requests: 3, per: "day" }] }] });
    assert.deepEqual([send(native, { path: "/?k=a+b" }).status, send(native, { path: "/?k=a%20b" }).status, send(native, { path: "/?k=a%20b" }).status, send(native, { path: "/?k=a+b" }).status], [200, 200, 200, 429]);
  });

  test("traffic-tag: numbers where strings are meant (headerValue: 123, value: [7]) and quoted numbers where integers are meant", () => {
    const h = tagger({
      conditionGroups: [{ headerName: "x-mse-tag", headerValue: 123, logic: "or", conditions: [
        { conditionType: "header", key: "x-user", operator: "in", value: [7, "8"] },
        { conditionType: "cookie", key: "uid", operator: "percentage", value: [100] }] }],
      weightGroups: [{ headerName: "x-weight", headerValue: 1, weight: "100" }],
      defaultTagKey: "x-mse-tag", defaultTagVal: 0,
    }, 1);
    assert.equal(h.request({ headers: { "x-user": "7" } }).requestHeader("x-mse-tag"), "123");
    assert.equal(h.request({ headers: { "x-user": "8" } }).requestHeader("x-mse-tag"), "123");
    assert.equal(h.request({ headers: { cookie: "uid=anyone" } }).requestHeader("x-mse-tag"), "123");
    assert.equal(h.request({ headers: { "x-user": "9" } }).requestHeader("x-weight"), "1", "weight \"100\" takes every request");
    assert.equal(h.metric("tenant_gray.lane.123"), 3);
    const d = tagger({ defaultTagKey: "x-mse-tag", defaultTagVal: 0 }, 1);
    assert.equal(d.request({}).requestHeader("x-mse-tag"), "0");
    assert.match(rejects(TENANT_GRAY, { weightGroups: [{ headerName: "h", headerValue: "v", weight: "thirty" }] }), /weightGroups\[0\]\.weight: must be an integer from 0 to 100/);
    assert.match(rejects(TENANT_GRAY, { weightGroups: [{ headerName: "h", headerValue: "v" }] }), /weightGroups\[0\]\.weight: is required/);
    assert.match(rejects(TENANT_GRAY, { weightGroups: [{ headerName: "h", headerValue: 1.5, weight: 1 }] }), /weightGroups\[0\]\.headerValue: must be a non-empty string or an integer/);
  });

  test("tenant-gray: an empty configuration is accepted and does nothing, as Higress traffic-tag's", () => {
    for (const config of ["", "{}", { _rules_: [{ _match_route_: ["r"] }] }]) {
      const h = tagger(config, 1);
      for (const route of ["r", "other"]) {
        const s = h.request({
          headers: { "x-tenant-id": "acme", "x-mse-tag": "blue", baggage: "x-mse-tag=gray", cookie: "x-mse-lane=gray" },
          properties: { "xds.route_name": route },
        });
        assert.equal(s.requestHeader("x-mse-tag"), "blue", JSON.stringify(config));
        assert.equal(s.requestHeader("baggage"), "x-mse-tag=gray");
        assert.equal(s.responseHeader("set-cookie"), undefined);
        const none = h.request({ headers: { "x-tenant-id": "acme" }, properties: { "xds.route_name": route } });
        assert.equal(none.requestHeader("x-mse-tag"), undefined);
        assert.equal(none.requestHeader("baggage"), undefined);
      }
    }
  });
});
