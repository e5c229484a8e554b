// jwt-auth on a real Envoy 1.40 (two workers), started from envoy-examples/jwt-auth/envoy.yaml:
// every scenario of the shared table (status, JSON error, WWW-Authenticate, what the upstream got,
// that a refused request never reached it, counters, response code details in the access log),
// what only Envoy's codec shows (trimmed header values, repeated headers and parameters), remote
// JWKS from a JWKS server through the `jwks` cluster, and an invalid configuration.
import { describe, test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dumpEnvoyLog, REPO_ROOT, request, standardReplacements, startEcho, startEnvoy, type Echo, type Envoy, type Response } from "./envoy.ts";
import { exampleConfig } from "./example-config.ts";
import { startJwks } from "./jwks-server.mjs";
import {
  COUNTERS, EXAMPLE_CONFIG, HOST, PRIVATE_JWKS, SCENARIOS, expectedCounters, expectedWwwAuthenticate, foreignKey,
  mint, ordersClaims, ordersToken, partnerToken, publicJwk, scenarioPath, weakRsaJwk,
} from "../scenarios/jwt-auth.ts";

const EXAMPLE = "envoy-examples/jwt-auth/envoy.yaml";
const JWKS_JSON = readFileSync(join(REPO_ROOT, "envoy-examples/jwt-auth/jwks.json"), "utf8");
// Access log lines reach stdout at once instead of every 10 s.
const FLUSH = ["--file-flush-interval-msec", "50"];

interface Seen {
  res: Response;
  status: number;
  /** the echo's record of the upstream request, if the request got there */
  upstream?: { path: string; headers: Record<string, string | string[]> };
}

const now = () => Math.floor(Date.now() / 1000);
const bearer = (t: string): [string, string] => ["authorization", `Bearer ${t}`];
let nextId = 0;

async function send(port: number, path: string, headers: [string, string][] = [], id = `jwt-${++nextId}`): Promise<Seen> {
  const all: [string, string][] = [["x-request-id", id], ...headers];
  if (!headers.some(([k]) => k === "host")) all.push(["host", HOST]);
  const res = await request(port, path, { headers: all });
  let upstream: Seen["upstream"];
  if (res.headers["x-echo-upstream"]) upstream = res.json();
  return { res, status: res.status, upstream };
}

function assertDenied(seen: Seen, status: number, error: string, www?: string | null) {
  assert.equal(seen.upstream, undefined, "a refused request never reaches the upstream");
  assert.equal(seen.status, status, seen.res.body);
  const body = seen.res.json();
  assert.equal(body.error, error);
  assert.equal(typeof body.message, "string");
  assert.equal(seen.res.headers["content-type"], "application/json");
  if (www !== undefined) assert.equal(seen.res.headers["www-authenticate"] ?? null, www, "www-authenticate");
}

function assertPassed(seen: Seen, consumer: string | null) {
  assert.equal(seen.status, 200, seen.res.body);
  assert.ok(seen.upstream, "answered by the echo upstream");
  assert.equal(seen.upstream.headers["x-mse-consumer"] ?? null, consumer, "x-mse-consumer upstream");
}

describe("jwt-auth on Envoy", () => {
  let envoy: Envoy;
  let echo: Echo;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  /** x-request-id -> response code details the access log must show */
  const details = new Map<string, string>();

  before(async () => {
    echo = await startEcho({ name: "echo", port: 0 });
    jwks = await startJwks({ body: JWKS_JSON });
    envoy = await startEnvoy({
      configPath: EXAMPLE, concurrency: 2, extraArgs: FLUSH,
      replacements: standardReplacements({ listeners: { 10001: 0 }, upstreams: { echo: echo.port, jwks: jwks.port } }),
    });
  });
  after(async () => {
    await envoy?.stop();
    await echo?.close();
    await jwks?.close();
  });
  afterEach((t) => { if (!t.passed && envoy) dumpEnvoyLog(envoy, t.name); });

  async function counters(): Promise<Record<string, number>> {
    const stats = await envoy.stats("wasmcustom\\.jwt_auth\\.");
    return Object.fromEntries(COUNTERS.map((c) => [c, stats.get(`wasmcustom.jwt_auth.${c}`) ?? 0]));
  }

  test("the example runs the configuration the scenarios describe; its jwks.json holds test public keys", () => {
    assert.deepEqual(JSON.parse(exampleConfig(EXAMPLE, "jwt-auth")), EXAMPLE_CONFIG);
    for (const k of JSON.parse(JWKS_JSON).keys) {
      assert.deepEqual(k, publicJwk(Object.values(PRIVATE_JWKS).find((p) => p.kid === k.kid)!));
    }
  });

  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const before = await counters();
      const hits = echo.requests.length;
      const t = now();
      const id = `scenario-${++nextId}`;
      const seen = await send(envoy.port, await scenarioPath(s, t), await s.headers(t), id);
      if (s.status === 200) {
        assertPassed(seen, s.consumer ?? null);
        for (const [name, value] of Object.entries(s.upstream ?? {})) {
          assert.deepEqual(seen.upstream!.headers[name] ?? null, value, `upstream header ${name}`);
        }
        if (s.upstreamPath) assert.equal(seen.upstream!.path, s.upstreamPath);
        assert.equal(echo.requests.length - hits, 1);
      } else {
        assertDenied(seen, s.status, s.error!, expectedWwwAuthenticate(s));
        assert.equal(echo.requests.length - hits, 0, "the echo upstream saw nothing");
        details.set(id, `jwt-auth.${s.error}`);
      }
      const after = await counters();
      for (const [name, delta] of Object.entries(expectedCounters(s))) {
        assert.equal(after[name] - before[name], delta, `counter ${name}`);
      }
    });
  }

  test("every refusal shows as jwt-auth.<error> in %RESPONSE_CODE_DETAILS% (access log)", async () => {
    assert.ok(details.size > 20);
    const last = [...details.keys()].at(-1)!;
    await envoy.waitForLog(new RegExp(`id=${last}\\b`), { timeoutMs: 5_000 });
    const log = envoy.log();
    for (const [id, want] of details) {
      const line = log.split("\n").find((l) => l.includes(`id=${id}`) && l.includes("[access]"));
      assert.ok(line, `no access log line for ${id}`);
      assert.match(line, new RegExp(` (401|403) ${want.replace(/\./g, "\\.")} consumer=- `), line);
    }
    // Passed requests log their consumer; the query (where tokens may be) is not logged.
    assert.match(log, /\[access\] GET \/orders 200 via_upstream consumer=orders-app /);
    assert.match(log, /\[access\] GET \/public\/catalog 200 via_upstream consumer=- /);
    assert.doesNotMatch(log, /\[access\][^\n]*access_token/);
  });

  test("Envoy trims the header value: 'Bearer ' is no token at all", async () => {
    assertDenied(await send(envoy.port, "/orders", [["authorization", "Bearer "]]), 401, "token_missing", `Bearer realm="${HOST}"`);
  });

  test("WWW-Authenticate names the host without its port", async () => {
    const seen = await send(envoy.port, "/orders", [["host", "shop.example.com:8443"]]);
    assertDenied(seen, 401, "token_missing", 'Bearer realm="shop.example.com"');
  });

  test("a verified token is remembered per worker (cache hits), and every request still checks allow", async () => {
    const token = await partnerToken(now(), "HS256");
    const before = await counters();
    const hit0 = await envoy.stat("wasmcustom.jwt_auth.cache_hit");
    for (let i = 0; i < 6; i++) assertPassed(await send(envoy.port, "/orders", [["x-partner-token", token]]), "partner");
    // at most one miss per worker (2), so at least 4 hits
    assert.ok(await envoy.stat("wasmcustom.jwt_auth.cache_hit") - hit0 >= 4);
    assertDenied(await send(envoy.port, "/admin", [["x-partner-token", token]]), 403, "consumer_not_allowed");
    const after = await counters();
    assert.equal(after.allowed - before.allowed, 6);
    assert.equal(after["denied.consumer_not_allowed"] - before["denied.consumer_not_allowed"], 1);
  });

  test("hostile tokens and headers never break the VM", async () => {
    const t = now();
    const good = await ordersToken(t, "ES256");
    const nasty: [string, [string, string][]][] = [
      ["/", [bearer("a".repeat(60_000))]], ["/", [bearer(".".repeat(100))]], ["/", [bearer("..")]], ["/", [bearer("e30.e30.e30")]],
      ["/", [bearer(`${Buffer.from('{"alg":"ES256","kid":' + "[".repeat(5000) + "}").toString("base64url")}.e30.AAAA`)]],
      ["/", [bearer(`eyJhbGciOiJFUzI1NiJ9.${Buffer.from("[".repeat(20000)).toString("base64url")}.AAAA`)]],
      ["/", [bearer(`eyJhbGciOiJSUzI1NiJ9.e30.${"A".repeat(7000)}`)]],
      ["/?access_token=%", []], ["/?access_token=" + "%41".repeat(3000), []], ["/?" + "&".repeat(5000) + "access_token=x", []],
      ["/", [["cookie", ";;;=;partner_token"]]], ["/", [["cookie", "partner_token=" + "x".repeat(9000)]]],
      ["/", [["x-partner-token", "\u00ff\u00fe.\u00ff.\u00ff"]]], ["/", [bearer(good.replace(/\./g, "\u00b7"))]],
      ["/", [["authorization", "Bearer\t" + good]]], ["/", [["authorization", "Bearer  " + good + "  "]]],
    ];
    for (const [path, headers] of nasty) {
      const seen = await send(envoy.port, path, headers);
      assert.ok([200, 400, 401, 431].includes(seen.status), `${path.slice(0, 40)} ${JSON.stringify(headers).slice(0, 80)}: ${seen.status} ${seen.res.body.slice(0, 200)}`);
      if (seen.status === 200) assert.equal(seen.upstream?.headers["x-mse-consumer"], "orders-app", `${JSON.stringify(headers).slice(0, 80)} passed without a verified token`);
    }
    assertPassed(await send(envoy.port, "/orders", [bearer(good)]), "orders-app");
    assert.doesNotMatch(envoy.log(), /wasm_fail_stream|Function: proxy_on_request_headers failed|Plugin .* failed/);
  });

  test("two Authorization headers, one forged: refused", async () => {
    const good = await ordersToken(now(), "ES256");
    const forged = await mint("ES256", ordersClaims(now(), { sub: "admin" }), { key: await foreignKey("ES256", "es256-test") });
    const seen = await send(envoy.port, "/orders", [bearer(good), bearer(forged)]);
    assert.equal(seen.upstream, undefined, `the upstream got ${JSON.stringify(seen.upstream?.headers.authorization)}`);
    assert.equal(seen.status, 401);
  });

  test("two partner_token cookies (keep_token: false): no token reaches the upstream", async () => {
    const forged = await mint("HS256", { sub: "admin" }, { key: await foreignKey("HS256", "hs256-test") });
    const seen = await send(envoy.port, "/orders", [["cookie", `a=1; partner_token=${await partnerToken(now())}; partner_token=${forged}`]]);
    if (seen.status === 200) assert.equal(seen.upstream!.headers.cookie, "a=1");
    else assert.equal(seen.status, 401);
  });

  test("two access_token parameters, the second forged: the forged token must not reach the upstream", async () => {
    const good = await ordersToken(now(), "ES256");
    const forged = await mint("ES256", ordersClaims(now(), { sub: "admin" }), { key: await foreignKey("ES256", "es256-test") });
    const seen = await send(envoy.port, `/orders?access_token=${good}&access_token=${forged}`);
    assert.ok(seen.status === 401 || !seen.upstream!.path.includes(forged), `${seen.status}: upstream path ${seen.upstream?.path.slice(0, 60)}... carries the unverified token next to x-mse-consumer ${seen.upstream?.headers["x-mse-consumer"]}`);
  });

  test("_disable_ route: no authentication, but a client's identity headers are still removed", async () => {
    const seen = await send(envoy.port, "/healthz", [["x-mse-consumer", "orders-app"]]);
    assert.equal(seen.status, 200);
    assert.equal(seen.upstream?.headers["x-mse-consumer"], undefined);
  });

  test("remote JWKS (listener 10001): one fetch at startup for both workers, then verified tokens pass", async () => {
    const port = envoy.listeners.get("api-remote")!;
    for (let i = 0; i < 8; i++) {
      const seen = await send(port, "/", [bearer(await ordersToken(now(), i % 2 ? "ES256" : "EdDSA"))]);
      assertPassed(seen, "remote-app");
      assert.equal(seen.upstream!.headers["x-user-id"], "user-42");
    }
    assertDenied(await send(port, "/", [bearer(await ordersToken(now(), "RS256"))]), 401, "key_not_found");
    assertDenied(await send(port, "/", []), 401, "token_missing");
    assert.equal(jwks.hits.length, 1, `JWKS fetched ${jwks.hits.length} times`);
    assert.deepEqual(jwks.hits[0], { path: "/.well-known/jwks.json", authority: "idp.example.com" });
    assert.equal(await envoy.stat("wasmcustom.jwt_auth.jwks_fetch_success"), 1);
  });
});

describe("jwt-auth on Envoy: remote JWKS outages and key rotation", () => {
  test("JWKS down at startup: 401 jwks_unavailable; back up: tokens pass; a new kid is fetched early", async (t) => {
    const echo = await startEcho({ name: "echo", port: 0 });
    const jwks = await startJwks({ body: "unavailable", status: 503 });
    t.after(async () => { await echo.close(); await jwks.close(); });
    const replacements = standardReplacements({ listeners: { 10001: 0 }, upstreams: { echo: echo.port, jwks: jwks.port } });
    replacements.push(['"refetch_seconds": 10', '"refetch_seconds": 1']);
    const envoy = await startEnvoy({ configPath: EXAMPLE, concurrency: 2, replacements });
    try {
      const port = envoy.listeners.get("api-remote")!;
      const down = await send(port, "/", [bearer(await ordersToken(now(), "ES256"))]);
      assertDenied(down, 401, "jwks_unavailable", `Bearer realm="${HOST}", error="invalid_token"`);
      assert.equal(echo.requests.length, 0);
      assert.ok(await envoy.stat("wasmcustom.jwt_auth.jwks_fetch_failed") >= 1);

      jwks.set({ status: 200, body: JWKS_JSON });
      let seen: Seen | undefined;
      for (const deadline = Date.now() + 8_000; Date.now() < deadline;) {
        seen = await send(port, "/", [bearer(await ordersToken(now(), "ES256"))]);
        if (seen.status === 200) break;
        await new Promise((ok) => setTimeout(ok, 250));
      }
      assertPassed(seen!, "remote-app");

      // Rotation: the IdP publishes a new key; the first token naming it triggers a fetch.
      const rotated = await foreignKey("ES256", "rotated-1");
      jwks.set({ body: JSON.stringify({ keys: [publicJwk(rotated), ...JSON.parse(JWKS_JSON).keys] }) });
      await new Promise((ok) => setTimeout(ok, 1_100)); // refetch_seconds
      const hits = jwks.hits.length;
      const fresh = await send(port, "/", [bearer(await ordersToken(now(), "ES256", {}, { key: rotated }))]);
      assertPassed(fresh, "remote-app");
      assert.ok(jwks.hits.length > hits, "the unknown kid made a fetch");
    } catch (e) {
      dumpEnvoyLog(envoy, t.name);
      throw e;
    } finally {
      await envoy.stop();
    }
  });
});

describe("jwt-auth on Envoy: configuration", () => {
  test("an RSA key under 2048 bits stops Envoy and the log names the key", async () => {
    const bad = standardReplacements({ listeners: { 10001: 0 }, upstreams: { echo: 1, jwks: 1 } });
    const ps512 = JSON.stringify(publicJwk(PRIVATE_JWKS.PS512));
    bad.push([ps512, JSON.stringify(weakRsaJwk(1024, "weak-1024"))]);
    await assert.rejects(startEnvoy({ configPath: EXAMPLE, replacements: bad, readyTimeoutMs: 15_000 }), (err: Error) => {
      assert.match(err.message, /invalid configuration: consumers\[0\]\.jwks\.keys\[5\][^\n]*1024 bits/);
      return true;
    });
  });
});
