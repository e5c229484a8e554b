// Higress's README examples for key-rate-limit and traffic-tag on a real Envoy 1.40 (two workers),
// unchanged: the configurations of test/scenarios/higress-examples.ts, numbers as numbers, one
// listener each (test/envoy/fixtures/higress-examples.yaml). Each does what its README says.
//
// Per-second limits meet real time here: the buckets refill continuously (one token every
// 1/rate s), so a burst that takes t ms may admit up to t x rate / 1000 more than the limit. Each
// assertion allows exactly that and no more; the emulator test shows the exact counts on a clock
// that stands still.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { dumpEnvoyLog, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy, type Response } from "./envoy.ts";
import { exampleConfig } from "./example-config.ts";
import {
  HIGRESS_REJECTION_BODY, KEY_RATE_LIMIT_BY_HEADER, KEY_RATE_LIMIT_BY_PARAM, KEY_RATE_LIMIT_RULES,
  TRAFFIC_TAG_CONTENT, TRAFFIC_TAG_CONTENT_CASES, TRAFFIC_TAG_WEIGHTS,
} from "../scenarios/higress-examples.ts";

const FIXTURE = "test/envoy/fixtures/higress-examples.yaml";
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

interface Burst { admitted: number; rejected: number; ms: number }

/** `n` requests at once; every one must be 200 or Higress's 429 rate_limited. */
async function burst(port: number, n: number, path: string, headers: [string, string][] = []): Promise<Burst> {
  const start = performance.now();
  const rs: Response[] = await Promise.all(Array.from({ length: n }, () => request(port, path, { headers })));
  const ms = performance.now() - start;
  for (const r of rs) {
    if (r.status === 429) assert.equal(r.body, HIGRESS_REJECTION_BODY, "Higress's rejection body");
    else assert.equal(r.status, 200, r.body);
  }
  const admitted = rs.filter((r) => r.status === 200).length;
  return { admitted, rejected: n - admitted, ms };
}

/** `limit` per `periodMs`: at least the limit, at most what refilled while the burst ran, and some rejected. */
function withinLimit(b: Burst, limit: number, periodMs: number, what: string) {
  const refilled = Math.floor((b.ms * limit) / periodMs);
  const detail = `${what}: ${b.admitted} admitted, ${b.rejected} rejected in ${b.ms.toFixed(0)} ms`;
  assert.ok(b.admitted >= limit, detail);
  assert.ok(b.admitted <= limit + refilled, detail);
  assert.ok(b.rejected > 0, detail);
}

describe("Higress README examples on Envoy (--concurrency 2)", () => {
  let envoy: Envoy;
  let echo: Echo;
  const port = (listener: string) => envoy.listeners.get(listener)!;

  before(async () => {
    echo = await startEcho({ name: "echo", port: 0 });
    envoy = await startEnvoy({
      configPath: FIXTURE,
      concurrency: 2,
      replacements: standardReplacements({ listeners: { 10001: 0, 10002: 0, 10003: 0, 10004: 0, 10005: 0 }, upstreams: { echo: echo.port } }),
    });
  });
  after(async () => {
    await envoy?.stop();
    await echo?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  test("the fixture runs the README configurations", () => {
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "key-rate-limit-param")), KEY_RATE_LIMIT_BY_PARAM);
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "key-rate-limit-header")), KEY_RATE_LIMIT_BY_HEADER);
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "key-rate-limit-rules")), KEY_RATE_LIMIT_RULES);
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "traffic-tag-content")), TRAFFIC_TAG_CONTENT);
    assert.deepEqual(JSON.parse(exampleConfig(FIXTURE, "traffic-tag-weights")), TRAFFIC_TAG_WEIGHTS);
  });

  test("key-rate-limit by parameter apikey: 10 per second and 100 per minute for the listed keys, others unlimited", async () => {
    const p = port("krl-param");
    const perSecond = "/items?apikey=9a342114-ba8a-11ec-b1bf-00163e1250b5";
    withinLimit(await burst(p, 20, perSecond), 10, 1000, "10/second");
    withinLimit(await burst(p, 110, "/items?apikey=a6a6d7f2-ba8a-11ec-bec2-00163e1250b5"), 100, 60_000, "100/minute");
    assert.equal((await burst(p, 30, "/items?apikey=another-key")).admitted, 30, "an unlisted key is not limited");
    assert.equal((await burst(p, 30, "/items")).admitted, 30, "no apikey: not limited");
    await sleep(1100);
    withinLimit(await burst(p, 20, perSecond), 10, 1000, "a second later, 10/second again");
  });

  test("key-rate-limit by header x-ca-key with numeric keys: 10 per second and 10 per hour", async () => {
    const p = port("krl-header");
    withinLimit(await burst(p, 20, "/", [["x-ca-key", "102234"]]), 10, 1000, "102234: 10/second");
    const perHour = await burst(p, 20, "/", [["x-ca-key", "308239"]]);
    assert.deepEqual([perHour.admitted, perHour.rejected], [10, 10], "308239: 10/hour");
    assert.equal((await burst(p, 30, "/", [["x-ca-key", "102235"]])).admitted, 30);
    assert.equal((await burst(p, 30, "/")).admitted, 30);
  });

  test("key-rate-limit _rules_: route-a and route-b share 10 per second, the domains 100 per second, other routes and hosts are not limited", async () => {
    const p = port("krl-rules");
    const key: [string, string] = ["x-ca-key", "102234"];
    const start = performance.now();
    const [a, b] = await Promise.all([burst(p, 10, "/a", [key]), burst(p, 10, "/b", [key])]);
    withinLimit({ admitted: a.admitted + b.admitted, rejected: a.rejected + b.rejected, ms: performance.now() - start }, 10, 1000, "route-a + route-b");
    withinLimit(await burst(p, 250, "/c", [key, ["host", "test.com"]]), 100, 1000, "test.com");
    await sleep(1100);
    withinLimit(await burst(p, 250, "/c", [key, ["host", "shop.example.com"]]), 100, 1000, "*.example.com");
    assert.equal((await burst(p, 50, "/c", [key, ["host", "example.com"]])).admitted, 50, "route-c on another host: no rule applies");
    const r = await request(p, "/c", { headers: [key] });
    assert.equal(r.headers["x-ratelimit-limit"], undefined, "no rule applied: no rate-limit headers");
  });

  test("traffic-tag content-based example: role in (user, viewer, editor) and foo=bar is gray, the rest base", async () => {
    for (const [headers, query, tag] of TRAFFIC_TAG_CONTENT_CASES) {
      const r = await request(port("tt-content"), `/${query}`, { headers });
      assert.equal(r.status, 200);
      assert.equal(r.json().headers["x-mse-tag"], tag, `${JSON.stringify(headers)} ${query}`);
    }
  });

  test("traffic-tag weight-based example: about 30% gray, 30% blue, 40% no header", async () => {
    const counts: Record<string, number> = { gray: 0, blue: 0, none: 0 };
    const n = 300;
    for (let i = 0; i < n; i += 30) {
      const rs = await Promise.all(Array.from({ length: 30 }, () => request(port("tt-weights"), "/")));
      for (const r of rs) counts[r.json().headers["x-mse-tag"] ?? "none"]++;
    }
    // Binomial standard deviation at n = 300 is under 3 points; 10 points is over 3.5 deviations.
    assert.ok(Math.abs(counts.gray / n - 0.3) < 0.1, JSON.stringify(counts));
    assert.ok(Math.abs(counts.blue / n - 0.3) < 0.1, JSON.stringify(counts));
    assert.ok(Math.abs(counts.none / n - 0.4) < 0.1, JSON.stringify(counts));
  });

  test("tenant-gray with an empty configuration {} starts and changes nothing", async () => {
    const tagged = await request(port("tg-empty"), "/", { headers: [["x-tenant-id", "acme"], ["x-mse-tag", "blue"], ["baggage", "x-mse-tag=gray"]] });
    assert.equal(tagged.json().headers["x-mse-tag"], "blue");
    assert.equal(tagged.json().headers.baggage, "x-mse-tag=gray");
    const plain = await request(port("tg-empty"), "/", { headers: [["x-tenant-id", "acme"]] });
    assert.equal(plain.json().headers["x-mse-tag"], undefined);
    assert.equal(plain.json().headers.baggage, undefined);
    assert.equal(plain.headers["set-cookie"], undefined);
  });

  test("no VM failed", () => {
    assert.doesNotMatch(envoy.log(), /wasm_fail_stream|Function: proxy_on_\w+ failed|invalid configuration/);
  });
});
