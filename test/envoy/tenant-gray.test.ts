// tenant-gray on a real Envoy 1.40, started from envoy-examples/tenant-gray/envoy.yaml: every
// scenario of the shared table, verified JWT claims (and spoofed ones), the sticky split over 1,000
// synthetic tenants, lanes across requests, Higress traffic-tag configuration, per-route rules,
// hostile input, and the fallback to base when the gray upstream is stopped.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { dumpEnvoyLog, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy } from "./envoy.ts";
import { exampleConfig } from "./example-config.ts";
import { bucket, COUNTERS, SAAS_CONFIG, SCENARIOS, TRAFFIC_TAG_CONFIG } from "../scenarios/tenant-gray.ts";

const EXAMPLE = "envoy-examples/tenant-gray/envoy.yaml";

interface Seen {
  status: number;
  upstream: string | undefined;
  /** upstream request headers (from the echo body) */
  headers: Record<string, string | string[]>;
  /** response headers */
  response: Record<string, string | string[] | undefined>;
}

/** GET through Envoy, optionally from another loopback address (node:http localAddress). */
function send(port: number, path: string, headers: [string, string][] = [], from?: string): Promise<Seen> {
  if (!from) {
    return request(port, path, { headers }).then((r) => {
      let body: { upstream?: string; headers?: Record<string, string | string[]> } = {};
      try { body = JSON.parse(r.body); } catch { /* local reply */ }
      return { status: r.status, upstream: body.upstream, headers: body.headers ?? {}, response: r.headers };
    });
  }
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, localAddress: from, agent: false });
    for (const [k, v] of headers) req.setHeader(k, v);
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.once("error", fail);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.once("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        ok({ status: res.statusCode ?? 0, upstream: body.upstream, headers: body.headers, response: res.headers });
      });
    });
    req.end();
  });
}

/** Response header as one string (node gives set-cookie as an array). */
function responseHeader(seen: Seen, name: string): string | null {
  const v = seen.response[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join("\n") : v;
}

const JWT_KEY = Buffer.from("tenant-gray-demo-key-do-not-use-in-prod");
function jwt(claims: Record<string, unknown>, key = JWT_KEY): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const signingInput = `${enc({ alg: "HS256", kid: "demo", typ: "JWT" })}.${enc({ iss: "https://idp.example.com", exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${signingInput}.${createHmac("sha256", key).update(signingInput).digest("base64url")}`;
}

/** Runs fn over items with at most `width` in flight. */
async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

describe("tenant-gray on Envoy", () => {
  let envoy: Envoy;
  let base: Echo;
  let gray: Echo;

  before(async () => {
    base = await startEcho({ name: "base", port: 0 });
    gray = await startEcho({ name: "gray", port: 0 });
    envoy = await startEnvoy({
      configPath: EXAMPLE,
      concurrency: 2,
      replacements: standardReplacements({ listeners: { 10001: 0 }, upstreams: { "echo-base": base.port, "echo-gray": gray.port } }),
    });
  });
  after(async () => {
    await envoy?.stop();
    await base?.close();
    await gray?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  async function counters(): Promise<Record<string, number>> {
    const stats = await envoy.stats("wasmcustom\\.tenant_gray\\.");
    return Object.fromEntries(COUNTERS.map((c) => [c, stats.get(`wasmcustom.tenant_gray.${c}`) ?? 0]));
  }

  test("the example runs the configurations the scenarios describe", () => {
    assert.deepEqual(JSON.parse(exampleConfig(EXAMPLE, "tenant-gray")), SAAS_CONFIG);
    assert.deepEqual(JSON.parse(exampleConfig(EXAMPLE, "tenant-gray-traffic-tag")), TRAFFIC_TAG_CONFIG);
  });

  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const before = await counters();
      const seen = await send(envoy.port, s.path ?? "/", s.headers, s.from);
      assert.equal(seen.status, 200);
      assert.equal(seen.upstream, s.upstream, "lane (which upstream answered)");
      for (const [name, value] of Object.entries(s.expect)) {
        assert.deepEqual(seen.headers[name] ?? null, value, `upstream header ${name}`);
      }
      for (const [name, value] of Object.entries(s.response ?? {})) {
        assert.equal(responseHeader(seen, name), value, `response header ${name}`);
      }
      const after = await counters();
      for (const [name, delta] of Object.entries(s.counters ?? {})) {
        assert.equal(after[name] - before[name], delta, `counter ${name}`);
      }
    });
  }

  test("claim_header: the tenant of a verified JWT; jwt_authn strips a client's copy first", async () => {
    const verified = await send(envoy.port, "/", [["authorization", `Bearer ${jwt({ tenant: "acme" })}`]]);
    assert.equal(verified.upstream, "gray");
    assert.equal(verified.headers["x-jwt-tenant"], "acme");
    assert.equal(responseHeader(verified, "x-tenant-lane"), "gray;by=tenants");
    // No token: the client's own x-jwt-tenant never reaches the plugin.
    const spoofed = await send(envoy.port, "/", [["x-jwt-tenant", "acme"]]);
    assert.equal(spoofed.upstream, "base");
    assert.equal(spoofed.headers["x-jwt-tenant"], undefined);
    assert.equal(responseHeader(spoofed, "x-tenant-lane"), "base;by=no-tenant");
    // The verified claim wins over a spoofed copy and over the later sources.
    const mixed = await send(envoy.port, "/", [["authorization", `Bearer ${jwt({ tenant: "hooli" })}`], ["x-jwt-tenant", "acme"], ["x-tenant-id", "acme"]]);
    assert.equal(mixed.upstream, "base");
    assert.equal(mixed.headers["x-jwt-tenant"], "hooli");
    // A bad token is refused before tenant-gray runs.
    const forged = await send(envoy.port, "/", [["authorization", `Bearer ${jwt({ tenant: "acme" }, Buffer.from("wrong key"))}`]]);
    assert.equal(forged.status, 401);
  });

  test("sticky percentage: 1,000 synthetic tenants split within 2 points of 10%, identically on every run", async () => {
    const tenants = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
    const run = async () => {
      const seen = await pool(tenants, 25, (t) => send(envoy.port, "/", [["x-tenant-id", t]]));
      assert.ok(seen.every((s) => s.status === 200));
      return tenants.filter((_, i) => seen[i].upstream === "gray");
    };
    const first = await run();
    const second = await run();
    assert.ok(Math.abs(first.length / 1000 - 0.1) <= 0.02, `${first.length / 10}% of tenants in gray`);
    assert.deepEqual(second, first, "the same tenants on the second run (both Envoy workers)");
    // Exactly the tenants Higress traffic-tag would put in a 10% share.
    assert.deepEqual(first, tenants.filter((t) => bucket(t) < 10));
  });

  test("a tenant's lane survives across requests; the sticky cookie carries it where the tenant is missing", async () => {
    for (const [tenant, lane] of [["acme", "gray"], ["hooli", "base"], ["beta-42", "gray"]]) {
      const seen = await pool(Array.from({ length: 12 }), 4, () => send(envoy.port, "/", [["x-tenant-id", tenant]]));
      assert.deepEqual(new Set(seen.map((s) => s.upstream)), new Set([lane]), tenant);
    }
    // A browser: the first page names the tenant, later calls (assets, XHR) only carry the cookie.
    const page = await send(envoy.port, "/app?tenant=globex");
    assert.equal(page.upstream, "gray");
    const cookie = responseHeader(page, "set-cookie")!.split(";")[0];
    assert.equal(cookie, "x-mse-lane=gray");
    for (let i = 0; i < 5; i++) {
      const xhr = await send(envoy.port, `/api/items/${i}`, [["cookie", `${cookie}; theme=dark`]]);
      assert.equal(xhr.upstream, "gray");
      assert.equal(xhr.headers.baggage, "x-mse-tag=gray");
    }
  });

  test("repeated headers: Envoy joins Cookie lines with '; ', other headers count by their first line", async () => {
    // (The emulator keeps the two Cookie lines apart; only Envoy's codec merges them.)
    const cookies = await send(envoy.port, "/", [["cookie", "a=1"], ["cookie", "tenant=acme"]]);
    assert.equal(cookies.headers.cookie, "a=1; tenant=acme");
    assert.equal(cookies.upstream, "gray");
    const twice = await send(envoy.port, "/", [["x-tenant-id", "hooli"], ["x-tenant-id", "acme"]]);
    assert.equal(twice.upstream, "base");
    assert.equal(responseHeader(twice, "x-tenant-lane"), "base;by=no-lane");
  });

  test("Higress traffic-tag configuration runs unchanged (listener 10001)", async () => {
    const port = envoy.listeners.get("higress")!;
    const inShare = Array.from({ length: 100 }, (_, i) => `uid-${i}`).find((u) => bucket(u) < 20)!;
    const outShare = Array.from({ length: 100 }, (_, i) => `uid-${i}`).find((u) => bucket(u) >= 20)!;
    const cases: [string, [string, string][], string, string][] = [
      ["/", [["x-user-id", "u1"]], "gray", "gray"],
      ["/?tenant=beta-7", [], "gray", "gray"],
      ["/", [["cookie", `uid=${inShare}`]], "gray", "gray"],
      ["/", [["cookie", `uid=${outShare}`]], "base", "base"],
      ["/", [], "base", "base"],
      ["/", [["x-mse-tag", "blue"], ["x-user-id", "u1"]], "blue", "base"],
    ];
    for (const [path, headers, tag, upstream] of cases) {
      const seen = await send(port, path, headers);
      assert.equal(seen.headers["x-mse-tag"], tag, `${path} ${JSON.stringify(headers)}`);
      assert.equal(seen.upstream, upstream, `${path} ${JSON.stringify(headers)}`);
    }
  });

  test("requests per lane in Envoy's stats", async () => {
    const before = await envoy.stat("wasmcustom.tenant_gray.lane.gray");
    await send(envoy.port, "/", [["x-tenant-id", "acme"]]);
    await send(envoy.port, "/", [["x-tenant-id", "globex"]]);
    await send(envoy.port, "/", [["x-tenant-id", "hooli"]]);
    assert.equal(await envoy.stat("wasmcustom.tenant_gray.lane.gray") - before, 2);
    const stats = await envoy.stats("wasmcustom\\.tenant_gray\\.");
    for (const name of ["lane.gray", "lane.base", "untagged", "no_tenant", "propagated", "cookie_set", "removed"]) {
      assert.ok(stats.has(`wasmcustom.tenant_gray.${name}`), name);
    }
  });

  test("hostile tenants, cookies, queries, paths and hosts never break the VM", async () => {
    const nasty: [string, [string, string][]][] = [
      ["/?tenant=%", []], ["/?tenant=%zz&tenant=acme", []], ["/?tenant=%ED%A0%80", []], ["/?" + "&".repeat(5000) + "tenant=acme", []],
      ["/t/%zz/x", []], ["/t/" + "a".repeat(5000) + "/x", []], ["/t//x", []], ["/reports", [["x-tenant-id", "\u00ff\u00fe"]]],
      ["/", [["cookie", ";;;=;tenant"]]], ["/", [["cookie", "tenant=" + "x".repeat(20000)]]], ["/", [["cookie", "x-mse-lane=\"gray\""]]],
      ["/", [["host", "..tenants.example.com"]]], ["/", [["host", "[::1]:99999"]]], ["/", [["host", ".tenants.example.com"]]],
      ["/", [["baggage", "x-mse-tag=gray," + ",".repeat(3000)], ["x-tenant-id", "acme"]]], ["/", [["baggage", "%%%;;;===,x-mse-tag"], ["x-mse-tag", "gray"]]],
      ["/", [["x-tenant-id", " "]]], ["/", [["x-tenant-id", "acme"], ["x-tenant-id", "globex"]]],
    ];
    for (const [path, headers] of nasty) {
      const seen = await send(envoy.port, path, headers);
      assert.ok(seen.status === 200 || seen.status === 400 || seen.status === 431, `${path.slice(0, 40)} ${JSON.stringify(headers).slice(0, 80)}: ${seen.status}`);
    }
    const ok = await send(envoy.port, "/", [["x-tenant-id", "acme"]]);
    assert.equal(ok.upstream, "gray");
    assert.doesNotMatch(envoy.log(), /wasm_fail_stream|Function: proxy_on_request_headers failed/);
  });

  // Last: stops (and restarts) the gray upstream.
  test("with the gray upstream stopped, gray tenants are served by base; back to gray when it returns", async () => {
    const grayPort = gray.port;
    assert.equal((await send(envoy.port, "/", [["x-tenant-id", "acme"]])).upstream, "gray");
    await gray.close();
    // The first refused connection ejects the gray host (outlier detection) and the route's retry
    // lands on base; active health checks keep it out while it is down.
    const during: Seen[] = [];
    for (let i = 0; i < 15; i++) {
      during.push(await send(envoy.port, "/", [["x-tenant-id", "acme"]]));
      await sleep(100);
    }
    assert.deepEqual(during.map((s) => s.status), during.map(() => 200), "no request failed while gray went away");
    assert.deepEqual(new Set(during.map((s) => s.upstream)), new Set(["base"]));
    assert.ok(during.every((s) => s.headers["x-mse-tag"] === "gray"), "still tagged: services behind keep the lane where they have it");
    assert.equal((await send(envoy.port, "/", [["x-tenant-id", "hooli"]])).upstream, "base");

    gray = await startEcho({ name: "gray", port: grayPort });
    const deadline = Date.now() + 15_000;
    let back: Seen | undefined;
    while (Date.now() < deadline) {
      back = await send(envoy.port, "/", [["x-tenant-id", "acme"]]);
      if (back.upstream === "gray") break;
      await sleep(200);
    }
    assert.equal(back?.upstream, "gray", "gray serves again once healthy");
  });
});

describe("tenant-gray on Envoy: configuration", () => {
  test("an invalid configuration stops Envoy and names the field", async () => {
    const bad = standardReplacements({ listeners: { 10001: 0 }, upstreams: { "echo-base": 1, "echo-gray": 1 } });
    bad.push(['"percentage": 10}', '"percentage": 150}']);
    await assert.rejects(startEnvoy({ configPath: EXAMPLE, replacements: bad, readyTimeoutMs: 15000 }), (err: Error) => {
      assert.match(err.message, /lanes\[0\]\.percentage: must be an integer from 0 to 100/);
      return true;
    });
  });

  test("a 10,000-tenant gray list loads and routes; traffic-tag weightGroups split at random", async () => {
    const base = await startEcho({ name: "base", port: 0 });
    const gray = await startEcho({ name: "gray", port: 0 });
    const tenants = Array.from({ length: 10_000 }, (_, i) => `customer-${i}`);
    const replacements = standardReplacements({ listeners: { 10001: 0 }, upstreams: { "echo-base": base.port, "echo-gray": gray.port } });
    replacements.push(['"tenants": ["acme", "globex"], "tenant_prefixes"', `"tenants": ${JSON.stringify(["acme", ...tenants])}, "tenant_prefixes"`]);
    replacements.push(['"defaultTagKey": "x-mse-tag", "defaultTagVal": "base"}', '"weightGroups": [{"headerName": "x-mse-tag", "headerValue": "gray", "weight": 50}]}']);
    const envoy = await startEnvoy({ configPath: EXAMPLE, replacements, concurrency: 2 });
    try {
      const out = [];
      for (const t of ["customer-0", "customer-9999", "acme", "customer-10000", "globex"]) {
        out.push((await send(envoy.port, "/", [["x-tenant-id", t]])).upstream);
      }
      assert.deepEqual(out, ["gray", "gray", "gray", "base", "base"]);
      // Random per request (WASI random_get through AssemblyScript's Math.random), as traffic-tag does.
      const seen = await pool(Array.from({ length: 200 }), 10, () => send(envoy.listeners.get("higress")!, "/"));
      const grayShare = seen.filter((x) => x.upstream === "gray").length / 200;
      assert.ok(grayShare > 0.3 && grayShare < 0.7, `${grayShare * 100}% gray with weight 50`);
    } catch (e) {
      dumpEnvoyLog(envoy, "10,000 tenants");
      throw e;
    } finally {
      await envoy.stop();
      await base.close();
      await gray.close();
    }
  });
});
